"""True or false: two choices, `True` and `False`, one correct."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from course.core.questions.base import QuestionSpec, register
from course.core.questions.gift import GiftAnswers
from course.core.questions.single import Single


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
    example = {"id": "example-true-false", "type": "true_false", "objective": "obj", "prompt": "Links are evidence.",
               "choices": [{"text": "True", "correct": True, "feedback": "Right."},
                           {"text": "False", "correct": False, "feedback": "They are evidence."}],
               "explanation": "Record every link.", "source": "src"}
    shuffle = False

    @classmethod
    def to_gift(cls, data):
        """`{TRUE#feedback if wrong#feedback if right}`."""
        true_choice = next(c for c in data["choices"] if c["text"] == "True")
        false_choice = next(c for c in data["choices"] if c["text"] == "False")
        right, wrong = (true_choice, false_choice) if true_choice["correct"] else (false_choice, true_choice)
        return GiftAnswers(truth=true_choice["correct"], wrong_feedback=wrong["feedback"],
                           right_feedback=right["feedback"])

    @classmethod
    def from_gift(cls, answers):
        if answers.truth is None:
            return None
        truth, right, wrong = answers.truth, answers.right_feedback, answers.wrong_feedback
        return {"type": cls.name, "choices": [
            {"text": "True", "correct": truth, "feedback": right if truth else wrong},
            {"text": "False", "correct": not truth, "feedback": wrong if truth else right},
        ]}
