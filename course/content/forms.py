"""The admin's GIFT import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

MAX_GIFT_BYTES = 1024 * 1024
ID_RULE = Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use lower-case letters, digits and dashes."))


class GiftImportForm(FlaskForm):
    """A GIFT file, the module it joins, and what to assume where the file says nothing."""

    file = FileField(_l("GIFT file"), validators=[
        FileRequired(_l("Choose a GIFT file.")),
        FileAllowed(["txt", "gift"], _l("Upload a .txt or .gift file.")),
        FileSize(MAX_GIFT_BYTES, message=_l("The file is larger than 1 MB.")),
    ], description=_l("Moodle's question export (GIFT format), in UTF-8."))
    module = SelectField(_l("Module"), validators=[DataRequired()])
    objective = StringField(_l("Objective (optional)"), validators=[Optional(), Length(max=80), ID_RULE],
                            description=_l("For questions without a “// objective:” line."))
    source = StringField(_l("Source (optional)"), validators=[Optional(), Length(max=80), ID_RULE],
                         description=_l("For questions without a “// source:” line."))
    level = SelectField(_l("Level (optional)"), choices=[
        SelectChoice("", _l("Not set")), SelectChoice("recall", _l("Recall")),
        SelectChoice("application", _l("Application"))], validators=[Optional()])
    dry_run = BooleanField(_l("Preview only: report what would happen and change nothing"))
