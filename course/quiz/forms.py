"""Quiz forms. Question fields are rendered by each question type; these forms carry CSRF."""

from flask_wtf import FlaskForm


class StartAttemptForm(FlaskForm):
    """Start (or resume) an attempt or a practice round."""


class AttemptForm(FlaskForm):
    """Save answers, move between pages, or submit for grading (the button pressed is `action`)."""
