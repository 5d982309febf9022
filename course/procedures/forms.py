"""The procedures form: one text per slot and language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from course.core.procedures import CONTROL, LOCALES, MAX_LENGTH, SLOTS, TEMPLATE_MARK


def no_template_marks(_form, field) -> None:
    """The academy's text is shown as written: '{{' and friends would look like a broken template."""
    if field.data and TEMPLATE_MARK.search(field.data):
        raise ValidationError(_l("Remove the template marks ({{, }}, {%, %}) from the text."))
    if field.data and CONTROL.search(field.data):
        raise ValidationError(_l("Remove the control characters from the text."))


def field_name(slot: str, locale: str) -> str:
    """The form field for one slot in one language."""
    return f"{slot}__{locale}"


class ProceduresForm(FlaskForm):
    """Every slot, in English and Korean; an empty field means "not set in this language"."""


def _label(slot: str, locale: str):
    label = SLOTS[slot][0]
    return _l("%(slot)s, in English", slot=label) if locale == "en" else _l("%(slot)s, in Korean", slot=label)


for _slot in SLOTS:
    for _locale in LOCALES:
        setattr(ProceduresForm, field_name(_slot, _locale), TextAreaField(
            _label(_slot, _locale), validators=[Optional(), Length(max=MAX_LENGTH), no_template_marks],
            render_kw={"rows": 3, "lang": _locale}))
