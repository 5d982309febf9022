"""Single choice: exactly one correct answer among two to six."""

from __future__ import annotations

from typing import Literal

from flask_babel import lazy_gettext as _l
from pydantic import field_validator

from course.core.questions.base import (
    QuestionSpec,
    QuestionType,
    ResponseError,
    displayed_to_authored,
    register,
)
from course.core.questions.gift import GiftAnswers, GiftChoice


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
    example = {"id": "example-single", "type": "single", "objective": "obj", "prompt": "Which comes first?",
               "choices": [{"text": "Listening", "correct": True, "feedback": "Right: listen first."},
                           {"text": "Recording", "correct": False, "feedback": "Recording comes after."}],
               "explanation": "Listen, then record.", "source": "src"}

    @classmethod
    def parse(cls, values, choice_order):
        values = [v for v in values if v != ""]
        if not values:
            return None
        if len(values) > 1:
            raise ResponseError(_l("Choose only one answer."))
        return displayed_to_authored(values, choice_order)

    @classmethod
    def grade(cls, data, response):
        if not response:
            return 0.0
        return 1.0 if data["choices"][response[0]].get("correct") else 0.0

    @classmethod
    def counted_choices(cls, response):
        return tuple(response)

    @classmethod
    def demo_answer(cls, data, right, rng):
        correct = cls.correct_indexes(data)
        if right:
            return correct
        return [rng.choice([i for i in range(len(data["choices"])) if i not in correct])]

    @classmethod
    def to_gift(cls, data):
        return GiftAnswers(choices=[GiftChoice(c["text"], c["feedback"], 100.0 if c["correct"] else 0.0)
                                    for c in data["choices"]])

    @classmethod
    def from_gift(cls, answers):
        """Plain `=`/`~` answers with exactly one right one."""
        if answers.truth is not None or answers.weighted or answers.right_count != 1:
            return None
        return {"type": cls.name, "choices": answers.authored_choices()}
