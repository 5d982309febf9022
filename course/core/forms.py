"""Form pieces every area uses: a confirm button, the new-password fields with the one password rule, and the
correction of a name or email."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from course.core.passwords import MIN_PASSWORD_LENGTH, password_problem


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""


def password_rule(form, field) -> None:
    """The password rule (`password_problem`) as a form validator.

    The account's own words come from the form's `email` and `name` fields, and from `form.context_words`,
    which a view sets when the account already exists (a password link, the account page).
    """
    context = [f.data for key in ("email", "name") if (f := form._fields.get(key)) and isinstance(f.data, str)]
    problem = password_problem(field.data or "", [*context, *getattr(form, "context_words", ())])
    if problem:
        raise ValidationError(problem)


def new_password_field(label) -> PasswordField:
    """A password field with the password rule and its hint."""
    return PasswordField(
        label, validators=[DataRequired(), password_rule],
        description=_l("At least %(n)d characters. A few unrelated words make a strong password.",
                       n=MIN_PASSWORD_LENGTH),
    )


def confirm_password_field() -> PasswordField:
    """The field that repeats `password`."""
    return PasswordField(_l("Repeat password"),
                         validators=[DataRequired(), EqualTo("password", _l("The passwords do not match."))])


class IdentityForm(FlaskForm):
    """Correct a person's name or email, saying why (kept in the audit log; a certificate is reissued)."""

    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter a name.")), Length(max=120)],
                       description=_l("As it should be printed on certificates."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)],
                       filters=[lambda value: value.strip() if isinstance(value, str) else value])
    reason = TextAreaField(_l("Reason for the correction"),
                           validators=[DataRequired(message=_l("Say why.")), Length(max=500)],
                           description=_l("For example: the surname was misspelled in the import."))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "identity")
        super().__init__(*args, **kwargs)
