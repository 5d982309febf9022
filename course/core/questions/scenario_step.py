"""A decision in a branching scenario: pick one course of action; credit follows its quality.

Used by scenario.yaml steps, not by quiz banks. Best earns full credit, acceptable half, poor none.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from course.core.questions.base import QuestionType, register
from course.core.questions.single import Single

QUALITY_CREDIT = {"best": 1.0, "acceptable": 0.5, "poor": 0.0}


FLAG = r"^[a-z0-9][a-z0-9-]*$"
# A condition on the flags set so far: one flag, `{not: flag}`, or a list of these that must all hold.
FlagTest = Annotated[str, Field(pattern=FLAG)] | dict[Literal["not"], Annotated[str, Field(pattern=FLAG)]]
Condition = FlagTest | list[FlagTest]


class TextPart(BaseModel):
    """A paragraph shown only when its condition holds."""

    model_config = ConfigDict(extra="forbid")

    when: Condition
    text: str = Field(min_length=1)


# Scenario text: plain Markdown, or a list of paragraphs, each plain or shown only `when` a condition holds.
ScenarioText = Annotated[str, Field(min_length=1)] | list[Annotated[str, Field(min_length=1)] | TextPart]


class ScenarioChoice(BaseModel):
    """One option at a scenario decision."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    quality: Literal["best", "acceptable", "poor"]
    feedback: str = Field(min_length=1)
    next: str
    sets: list[Annotated[str, Field(pattern=FLAG)]] = []  # flags that later text may depend on


class ScenarioStep(BaseModel):
    """A decision point."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=FLAG)
    situation: ScenarioText
    choices: list[ScenarioChoice] = Field(min_length=2, max_length=6)


@register
class ScenarioStepType(QuestionType):
    """One decision point."""

    name = "scenario_step"
    spec = ScenarioStep
    example = {"id": "first-contact", "situation": "A victim calls about a posted video.",
               "choices": [{"text": "Listen and reassure", "quality": "best", "feedback": "Good.", "next": "end"},
                           {"text": "Ask why they sent it", "quality": "poor", "feedback": "Blaming.", "next": "end"}]}
    shuffle = False
    in_bank = False

    @classmethod
    def parse(cls, values, choice_order):
        return Single.parse(values, choice_order)

    @classmethod
    def grade(cls, data, response):
        if not response:
            return 0.0
        return QUALITY_CREDIT[data["choices"][response[0]]["quality"]]

    @classmethod
    def correct_indexes(cls, data):
        return [i for i, choice in enumerate(data["choices"]) if choice["quality"] == "best"]

    @classmethod
    def counted_choices(cls, response):
        return tuple(response)

    @classmethod
    def demo_answer(cls, data, right, rng):
        """The best choice when `right`, otherwise any other."""
        best = cls.correct_indexes(data)
        if right:
            return best[:1]
        others = [i for i in range(len(data["choices"])) if i not in best]
        return [rng.choice(others or list(range(len(data["choices"]))))]

    @classmethod
    def to_gift(cls, data):
        """GIFT has no branching decisions."""
        return None

    @classmethod
    def from_gift(cls, answers):
        return None
