"""Trainer forms: each validates its own fields and says what is wrong."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from course.core.cohorts import due_date_problem

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class CohortForm(FlaskForm):
    """Create or edit a cohort."""

    name = StringField(_l("Cohort name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Spring intake 2027, Seoul Metropolitan Police."))
    description = TextAreaField(_l("Description (optional)"), validators=[Optional(), Length(max=2000)])
    starts_on = DateField(_l("Start date"), validators=[DataRequired(message=_l("Enter a start date."))])
    due_on = DateField(_l("Due date for completion (optional)"), validators=[Optional()],
                       description=_l("Trainees who have not completed the course by this date show as overdue."))

    def validate_name(self, field) -> None:
        field.data = " ".join(field.data.split())
        if not field.data:
            raise ValidationError(_l("Enter a name."))

    def validate_due_on(self, field) -> None:
        problem = due_date_problem(self.starts_on.data, field.data)
        if problem:
            raise ValidationError(problem)


class CoTrainerForm(FlaskForm):
    """Add a co-trainer by email."""

    email = EmailField(_l("Co-trainer's email"), validators=[DataRequired(), Email(), Length(max=254)])


class InviteForm(FlaskForm):
    """Invite-link settings."""

    expires_on = DateField(_l("Link expires on (optional)"), validators=[Optional()])
    member_limit = IntegerField(_l("Most members (optional)"), validators=[Optional(), NumberRange(min=1, max=100000)])


class ImportForm(FlaskForm):
    """Bulk enrolment from a CSV file."""

    file = FileField(_l("CSV file"), validators=[
        FileRequired(_l("Choose a CSV file.")),
        FileAllowed(["csv", "txt"], _l("Upload a .csv file.")),
        FileSize(MAX_IMPORT_BYTES, message=_l("The file is larger than 2 MB.")),
    ], description=_l("Columns: email, name, and optionally badge_number. A header row is allowed. UTF-8."))
    send_email = BooleanField(_l("Email each new trainee their set-password link"))
    output = RadioField(_l("Show the result"), choices=[
        SelectChoice("page", _l("On this page")),
        SelectChoice("csv", _l("As a CSV download (includes set-password links)")),
    ], default="page")


class ExamUnlockForm(FlaskForm):
    """Give a trainee fresh attempts at the final exam, saying why (kept in the audit log)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why you are giving more attempts.")),
                                                     Length(max=500)],
                           description=_l("For example: we went through the lessons together on 3 March."))

    def validate_reason(self, field) -> None:
        field.data = " ".join(field.data.split())
        if not field.data:
            raise ValidationError(_l("Say why you are giving more attempts."))


def _reason_field(description):
    return TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Say why.")), Length(max=500)],
                         description=description)


class _ReasonForm(FlaskForm):
    """A trainer's intervention, with the reason kept in the audit log and shown on the trainee's record.

    Each form has its own prefix, so that several on one page keep their field ids apart.
    """

    PREFIX = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.PREFIX)
        super().__init__(*args, **kwargs)

    def validate_reason(self, field) -> None:
        field.data = " ".join((field.data or "").split())
        if not field.data:
            raise ValidationError(_l("Say why."))


class DueDateForm(_ReasonForm):
    """Give one trainee their own due date (empty: follow the cohort's)."""

    PREFIX = "due"

    due_on = DateField(_l("Their own due date"), validators=[Optional()],
                       description=_l("Leave empty to follow the cohort's due date again."))
    reason = _reason_field(_l("For example: on leave from 3 to 24 March."))


class ExemptionForm(_ReasonForm):
    """Excuse one trainee from one module in this cohort (it never counts towards a certificate)."""

    PREFIX = "exempt"

    module = SelectField(_l("Module"), validators=[DataRequired()])
    reason = _reason_field(_l("For example: completed the equivalent course at the national police academy in 2026."))


class QuizUnlockForm(_ReasonForm):
    """Give one trainee a fresh set of attempts at one module's quiz."""

    PREFIX = "quiz"
    module = SelectField(_l("Quiz"), validators=[DataRequired()])
    reason = _reason_field(_l("For example: we went through the lessons together on 3 March."))
