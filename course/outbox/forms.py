"""The form that registers a webhook endpoint."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from course.outbox.webhooks import EVENT_TYPES, url_problem


class WebhookForm(FlaskForm):
    """An endpoint URL and the events it receives."""

    url = StringField(_l("Endpoint URL"), validators=[DataRequired(), Length(max=500)],
                      description=_l("The address that receives the signed events, e.g. https://hr.example/hooks."))
    events = SelectMultipleField(_l("Events"), choices=[SelectChoice(key, label) for key, label in EVENT_TYPES.items()],
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validators=[DataRequired(message=_l("Choose at least one event."))])

    def validate_url(self, field) -> None:
        problem = url_problem((field.data or "").strip())
        if problem:
            raise ValidationError(problem)
