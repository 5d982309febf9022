"""Forms for the learning pages: buttons that change progress, protected by CSRF."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class CompleteLessonForm(FlaskForm):
    """Mark a lesson as completed."""

    submit = SubmitField(_l("Mark as complete and continue"))
