"""Forms of the certificates area: checking a credential and revoking a certificate."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

CREDENTIAL_MAX_BYTES = 64 * 1024  # a credential is a few kilobytes; anything larger is not one of ours


class CredentialForm(FlaskForm):
    """Upload or paste a credential. Checking has no side effects, so anyone may post it (no CSRF)."""

    class Meta:
        csrf = False

    credential_file = FileField("Credential file (.jwt or .json)",
                                description="The file downloaded from the certificate page.")
    credential_text = TextAreaField("Or paste the credential", validators=[Optional(),
                                    Length(max=CREDENTIAL_MAX_BYTES, message="This is too long to be a credential.")],
                                    description="The whole content of the .jwt or .json file.")

    def presented_text(self) -> str | None:
        """The credential text from the upload or the text box; adds a form error when there is none."""
        upload = self.credential_file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(CREDENTIAL_MAX_BYTES + 1)
            if len(raw) > CREDENTIAL_MAX_BYTES:
                self.credential_file.errors = ["The file is larger than 64 KB, so it is not a credential."]
                return None
            try:
                return raw.decode("utf-8")
            except UnicodeDecodeError:
                self.credential_file.errors = ["This file is not a text credential (.jwt or .json)."]
                return None
        if self.credential_text.data and self.credential_text.data.strip():
            return self.credential_text.data
        self.form_errors.append("Choose a credential file, or paste the credential.")
        return None


class RevokeForm(FlaskForm):
    """An admin revokes a certificate, giving a public reason and an internal note."""

    public_reason = StringField(
        "Public reason", validators=[DataRequired(message="Give the reason anyone checking will see."),
                                     Length(max=300)],
        description="Shown on the public verification page, e.g. “Issued in error”. No personal details.")
    internal_note = TextAreaField(
        "Internal note", validators=[DataRequired(message="Record why, for the audit log."), Length(max=2000)],
        description="Seen only by admins and kept in the audit log: who asked, case reference, evidence.")
