"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DecimalField, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from course.core.timezones import is_time_zone
from course.models import Role


class RoleForm(FlaskForm):
    """Change a user's role."""

    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, r.value.title()) for r in Role])


class SettingsForm(FlaskForm):
    """Academy settings. Leave a field empty to use the default."""

    academy_name = StringField(_l("Academy name"), validators=[Optional(), Length(max=200)])
    validity_months = IntegerField(_l("Certificates valid for (months)"),
                                   validators=[Optional(), NumberRange(min=1, max=120)])
    credit_hours = DecimalField(_l("Credit hours per certificate"), places=1,
                                validators=[Optional(), NumberRange(min=0.5, max=1000)])
    renewal_window_days = IntegerField(_l("Show 'renewal due' this many days before expiry"),
                                       validators=[Optional(), NumberRange(min=0, max=365)])
    time_zone = SelectField(_l("Default time zone"), validators=[Optional()], validate_choice=False,
                            description=_l("Times are shown in it to everyone who has not chosen their own zone."))
    sso_passwords_allowed = BooleanField(_l("Directory users may also sign in with a password"), default=True)
    sso_link_by_email = BooleanField(_l("A first directory sign-in may take over an existing account with the same "
                                        "verified email"))
    sso_role_claim = StringField(_l("Claim that gives the role (optional)"),
                                 validators=[Optional(), Length(max=80), Regexp(r"^[A-Za-z0-9_:./-]+$")],
                                 description=_l("Its value (or one of its values): trainee, trainer or admin."))
    sso_badge_claim = StringField(_l("Claim that gives the badge number (optional)"),
                                  validators=[Optional(), Length(max=80), Regexp(r"^[A-Za-z0-9_:./-]+$")])


    def validate_time_zone(self, field) -> None:
        if field.data and not is_time_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list."))


class AuditFilterForm(FlaskForm):
    """Filter the audit log (a GET form: no CSRF needed)."""

    class Meta:
        csrf = False

    who = StringField(_l("Who (email)"), validators=[Optional(), Length(max=254)])
    action = SelectField(_l("What"), validators=[Optional()])
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])
