"""The admin's form for registering a learning platform."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import URL, DataRequired, Length, Optional

from course.lti.platforms import PlatformFields


class PlatformForm(FlaskForm):
    """The values the platform shows once Dignity is added to it as an LTI 1.3 tool."""

    name = StringField(_l("Name (for admins)"), validators=[Optional(), Length(max=120)])
    issuer = StringField(_l("Issuer (platform ID)"), validators=[DataRequired(), Length(max=255)])
    client_id = StringField(_l("Client ID"), validators=[DataRequired(), Length(max=255)])
    auth_login_url = StringField(_l("Authentication request URL"),
                                 validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    auth_token_url = StringField(_l("Access token URL"),
                                 validators=[DataRequired(), URL(require_tld=False), Length(max=500)])
    key_set_url = StringField(_l("Public keyset URL"), validators=[DataRequired(), URL(require_tld=False),
                                                                  Length(max=500)])
    deployment_ids = TextAreaField(_l("Deployment IDs (one a line)"), validators=[DataRequired(), Length(max=2000)])
    match_email = BooleanField(_l("Link a first launch to an existing account with the same email "
                                  "(only if this platform's emails are checked and trusted)"))

    def fields(self) -> PlatformFields:
        """The form's values for `register_platform`."""
        deployments = tuple(line.strip() for line in (self.deployment_ids.data or "").splitlines() if line.strip())
        return PlatformFields(self.name.data or "", self.issuer.data or "", self.client_id.data or "",
                              self.auth_login_url.data or "", self.auth_token_url.data or "",
                              self.key_set_url.data or "", deployments, bool(self.match_email.data))
