"""Select all that apply, with partial credit or all-or-nothing.

Partial credit: (correct choices ticked - wrong choices ticked) / number of correct choices,
never below 0. So ticking everything earns nothing, and a guess costs what it could gain.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from course.quiz.types.base import (
    QuestionSpec,
    QuestionType,
    displayed_to_authored,
    register,
)


class MultipleSpec(QuestionSpec):
    """A select-all-that-apply question."""

    type: Literal["multiple"]
    scoring: Literal["partial", "all_or_nothing"] = "partial"

    @field_validator("choices")
    @classmethod
    def some_correct(cls, choices):
        if not 3 <= len(choices) <= 8:
            raise ValueError(f"a multiple-answer question needs 3 to 8 choices, not {len(choices)}")
        if not any(c.correct for c in choices):
            raise ValueError("a multiple-answer question needs at least one correct choice")
        return choices


@register
class Multiple(QuestionType):
    """Tick every correct choice."""

    name = "multiple"
    spec = MultipleSpec

    @classmethod
    def parse(cls, values, choice_order):
        values = [v for v in values if v != ""]
        if not values:
            return None
        return sorted(displayed_to_authored(values, choice_order))

    @classmethod
    def grade(cls, data, response):
        if not response:
            return 0.0
        correct = {i for i, c in enumerate(data["choices"]) if c.get("correct")}
        chosen = set(response)
        if data.get("scoring") == "all_or_nothing":
            return 1.0 if chosen == correct else 0.0
        raw = (len(chosen & correct) - len(chosen - correct)) / len(correct)
        return max(0.0, raw)
