"""Single choice: exactly one correct answer among two to six."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from course.quiz.types.base import (
    QuestionSpec,
    QuestionType,
    ResponseError,
    displayed_to_authored,
    register,
)


class SingleSpec(QuestionSpec):
    """A single-choice question."""

    type: Literal["single"]

    @field_validator("choices")
    @classmethod
    def one_correct(cls, choices):
        if not 2 <= len(choices) <= 6:
            raise ValueError(f"a single-choice question needs 2 to 6 choices, not {len(choices)}")
        correct = sum(c.correct for c in choices)
        if correct != 1:
            raise ValueError(f"a single-choice question needs exactly one correct choice, not {correct}")
        return choices


@register
class Single(QuestionType):
    """Pick one."""

    name = "single"
    spec = SingleSpec

    @classmethod
    def parse(cls, values, choice_order):
        values = [v for v in values if v != ""]
        if not values:
            return None
        if len(values) > 1:
            raise ResponseError("Choose only one answer.")
        return displayed_to_authored(values, choice_order)

    @classmethod
    def grade(cls, data, response):
        if not response:
            return 0.0
        return 1.0 if data["choices"][response[0]].get("correct") else 0.0
