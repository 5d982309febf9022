"""Quiz forms. Question fields are rendered by each question type; these forms carry CSRF."""

from flask_wtf import FlaskForm
from wtforms import StringField

MOVES = {"next": 1, "prev": -1}


class StartAttemptForm(FlaskForm):
    """Start (or resume) an attempt or a practice round."""


class AttemptForm(FlaskForm):
    """Save answers, move between pages, or submit for grading: the button pressed is `action` or `goto`."""

    action = StringField()  # submit, save, next or prev
    goto = StringField()  # a page number, from the page list (anything longer than 6 digits is ignored)

    def choice(self) -> str:
        """What the trainee asked for: submit, save, next, prev or goto."""
        return self.action.data or ("goto" if self.goto.data else "save")

    def target_page(self, page: int, pages: int) -> int:
        """The page to show next: one on or back, the page chosen, or this one, within 1..pages."""
        goto = self.goto.data or ""
        if self.choice() in MOVES:
            target = page + MOVES[self.choice()]
        else:
            target = int(goto) if goto.isdigit() and len(goto) < 7 else page
        return min(max(target, 1), pages)
