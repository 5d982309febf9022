"""True or false: two choices, `True` and `False`, one correct."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from course.quiz.types.base import QuestionSpec, register
from course.quiz.types.single import Single


class TrueFalseSpec(QuestionSpec):
    """A true/false question."""

    type: Literal["true_false"]

    @field_validator("choices")
    @classmethod
    def true_and_false(cls, choices):
        if sorted(c.text for c in choices) != ["False", "True"]:
            raise ValueError("a true/false question has exactly two choices, 'True' and 'False'")
        if sum(c.correct for c in choices) != 1:
            raise ValueError("a true/false question needs exactly one correct choice")
        return choices


@register
class TrueFalse(Single):
    """Graded like single choice; shown True first, always."""

    name = "true_false"
    spec = TrueFalseSpec
    shuffle = False
