"""Select all that apply, with partial credit or all-or-nothing.

Partial credit: (correct choices ticked - wrong choices ticked) / number of correct choices,
never below 0. So ticking everything earns nothing, and a guess costs what it could gain.
"""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator

from course.core.questions.base import (
    QuestionSpec,
    QuestionType,
    displayed_to_authored,
    register,
)
from course.core.questions.gift import GiftAnswers, GiftChoice


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
    example = {"id": "example-multiple", "type": "multiple", "objective": "obj", "prompt": "Which are evidence?",
               "choices": [{"text": "A link", "correct": True, "feedback": "Yes."},
                           {"text": "An account name", "correct": True, "feedback": "Yes."},
                           {"text": "A rumour", "correct": False, "feedback": "No."}],
               "explanation": "Record what can be checked.", "source": "src"}

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

    @classmethod
    def counted_choices(cls, response):
        return tuple(response)

    @classmethod
    def demo_answer(cls, data, right, rng):
        """Wrong answers drop one right choice and add a wrong one, the commonest mistake."""
        correct = cls.correct_indexes(data)
        if right:
            return correct
        wrong = [i for i in range(len(data["choices"])) if i not in correct]
        return sorted(set(correct[:-1] or correct) | {rng.choice(wrong)}) if wrong else correct[:-1]

    @classmethod
    def to_gift(cls, data):
        """Weighted answers, `~%50%` for each right one and `~%-50%` for each wrong one (with two right)."""
        count = sum(c["correct"] for c in data["choices"])
        meta = {"scoring": "all_or_nothing"} if data.get("scoring") == "all_or_nothing" else {}
        return GiftAnswers(choices=[GiftChoice(c["text"], c["feedback"], (100 if c["correct"] else -100) / count)
                                    for c in data["choices"]], weighted=True, meta=meta)

    @classmethod
    def from_gift(cls, answers):
        """Weighted answers, or several `=` answers; weights must follow our partial-credit rule."""
        if answers.truth is not None or (not answers.weighted and answers.right_count == 1):
            return None
        weights = [c.weight for c in answers.choices]
        share = 100 / answers.right_count
        if any(abs(w - share) > 0.01 for w in weights if w > 0) or any(abs(w + share) > 0.01 for w in weights
                                                                      if w <= 0):
            raise ValueError(f"weights must be +{share:g}% for each right answer and -{share:g}% for each wrong one "
                             "(our partial-credit rule)")
        question = {"type": cls.name, "choices": answers.authored_choices()}
        if answers.meta.get("scoring") == "all_or_nothing":
            question["scoring"] = "all_or_nothing"
        return question
