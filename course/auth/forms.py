"""Sign-in and registration forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, ValidationError

from course.core.accounts import find_user_by_email, name_problem
from course.core.forms import confirm_password_field, new_password_field
from course.core.passwords import MAX_PASSWORD_LENGTH
from course.core.timezones import is_time_zone
from course.extensions import db


class LoginForm(FlaskForm):
    """Sign in with email and password."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


class RegisterForm(FlaskForm):
    """Create a trainee account."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("As it should appear on your certificate."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    password = new_password_field(_l("Password"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Create account"))

    def validate_name(self, field) -> None:
        problem = name_problem(field.data)
        if problem:
            raise ValidationError(problem)
        field.data = " ".join(field.data.split())
        if not field.data:
            raise ValidationError(_l("Enter your name."))

    def validate_email(self, field) -> None:
        if find_user_by_email(db.session, field.data) is not None:
            raise ValidationError(_l("An account with this email already exists. Sign in instead."))


class SetPasswordForm(FlaskForm):
    """Choose a password through a one-time link."""

    password = new_password_field(_l("New password"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Set password and sign in"))


class ForgotPasswordForm(FlaskForm):
    """Ask for a one-time password link by email."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    submit = SubmitField(_l("Send me a link"))


class TimeZoneForm(FlaskForm):
    """The zone one's times are shown in (the choices are set by the view)."""

    time_zone = SelectField(_l("Time zone"), validate_choice=False,
                            description=_l("Times such as the exam's time limit and your attempts are shown in it."))
    submit = SubmitField(_l("Save time zone"))

    def validate_time_zone(self, field) -> None:
        if field.data and not is_time_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class ChangePasswordForm(FlaskForm):
    """Change one's own password; the current one is required."""

    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])
    password = new_password_field(_l("New password"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Change password"))
