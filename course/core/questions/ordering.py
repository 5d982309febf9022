"""Put steps in order. Authored in the correct order; shown shuffled, each with a position select,
so it needs no drag and drop and works by keyboard and screen reader."""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l
from pydantic import field_validator

from course.core.questions.base import QuestionSpec, QuestionType, ResponseError, is_position, register


class OrderingSpec(QuestionSpec):
    """An ordering question."""

    type: Literal["ordering"]

    @field_validator("choices")
    @classmethod
    def enough_items(cls, choices):
        if not 3 <= len(choices) <= 8:
            raise ValueError(f"an ordering question needs 3 to 8 items, not {len(choices)}")
        if any(c.correct for c in choices):
            raise ValueError("ordering items are listed in the correct order; do not mark any 'correct'")
        return choices


@register
class Ordering(QuestionType):
    """Give each item its position."""

    name = "ordering"
    spec = OrderingSpec
    example = {"id": "example-ordering", "type": "ordering", "objective": "obj", "prompt": "Put these in order.",
               "choices": [{"text": "Listen", "feedback": "First."}, {"text": "Record", "feedback": "Second."},
                           {"text": "Refer", "feedback": "Third."}],
               "explanation": "Listen, record, refer.", "source": "src"}

    @classmethod
    def form_values(cls, form, field, choice_count):
        return [form.get(f"{field}-{k}", "") for k in range(choice_count)]

    @classmethod
    def parse(cls, values, choice_order):
        """`values[k]` is the position (1-based) given to the k-th displayed item."""
        if all(v == "" for v in values):
            return None
        count = len(choice_order)
        if len(values) != count or any(not is_position(v) for v in values):
            raise ResponseError(_l("Give every item a position; this answer was not saved."))
        positions = [int(v) for v in values]
        if sorted(positions) != list(range(1, count + 1)):
            raise ResponseError(_l("Use each position only once; this answer was not saved."))
        ordered = [0] * count
        for displayed, position in enumerate(positions):
            ordered[position - 1] = choice_order[displayed]
        return ordered

    @classmethod
    def grade(cls, data, response):
        if not response:
            return 0.0
        return 1.0 if response == list(range(len(data["choices"]))) else 0.0

    @classmethod
    def correct_indexes(cls, data):
        return list(range(len(data["choices"])))

    @classmethod
    def counted_choices(cls, response):
        """Only the item put first: counting every item would give each the same total."""
        return tuple(response[:1])

    @classmethod
    def demo_answer(cls, data, right, rng):
        """Wrong answers swap two neighbouring steps."""
        order = list(range(len(data["choices"])))
        if not right:
            i = rng.randrange(len(order) - 1)
            order[i], order[i + 1] = order[i + 1], order[i]
        return order

    @classmethod
    def to_gift(cls, data):
        """GIFT has no ordering question."""
        return None

    @classmethod
    def from_gift(cls, answers):
        return None
