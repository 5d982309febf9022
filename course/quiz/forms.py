"""Quiz forms. Question fields are rendered by each question type; this form carries CSRF."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class StartAttemptForm(FlaskForm):
    """Start (or resume) an attempt."""

    submit = SubmitField(_l("Start the quiz"))


class AttemptForm(FlaskForm):
    """Save answers, or submit them for grading."""

    save = SubmitField(_l("Save answers"))
    submit = SubmitField(_l("Submit for grading"))
