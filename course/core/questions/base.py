"""The question-type registry: a type owns its schema, parsing, grading, templates, statistics, demo and GIFT.

Adding a type means one new file here (a `QuestionType` subclass decorated with `@register`) and its
templates `templates/quiz/types/<name>/take.html` and `review.html`; see docs/question-types.md.
"""

from __future__ import annotations

import inspect
import random
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from flask_babel import lazy_gettext as _l
from pydantic import BaseModel, ConfigDict, Field

from course.core.questions.gift import GiftAnswers

REGISTRY: dict[str, type[QuestionType]] = {}


class ResponseError(ValueError):
    """A submitted answer that does not fit the question (forged or malformed)."""


class Choice(BaseModel):
    """One authored choice."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1)
    correct: bool = False
    feedback: str = Field(min_length=1)


class QuestionSpec(BaseModel):
    """Fields every question has; types narrow `type` and add their own rules."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    type: str
    objective: str
    prompt: str = Field(min_length=1)
    choices: list[Choice]
    explanation: str = Field(min_length=1)
    source: str


class QuestionType(ABC):
    """Behaviour of one question type. Subclasses are stateless; every abstract part is required."""

    name: ClassVar[str]
    spec: ClassVar[type[BaseModel]]  # validates the authored YAML (per-type content rules live here)
    example: ClassVar[dict]  # a valid question of this type, for the docs and the registry tests
    shuffle: ClassVar[bool] = True
    in_bank: ClassVar[bool] = True  # False for types used only by scenarios

    @classmethod
    def take_template(cls) -> str:
        """The template that renders the question's inputs (context: `item`, `data`, `name`)."""
        return f"quiz/types/{cls.name}/take.html"

    @classmethod
    def review_template(cls) -> str:
        """The template that reviews a graded answer (context: `r` with data, chosen, correct, show_correct)."""
        return f"quiz/types/{cls.name}/review.html"

    @classmethod
    def form_values(cls, form, field: str, choice_count: int) -> list[str]:
        """The raw values submitted for the question rendered under the name `field`."""
        return form.getlist(field)

    @classmethod
    @abstractmethod
    def parse(cls, values: list[str], choice_order: list[int]) -> list[int] | None:
        """Turn the submitted form values for a question into authored choice indexes.

        `values` are the displayed positions the trainee picked; None means unanswered.
        """

    @classmethod
    @abstractmethod
    def grade(cls, data: dict, response: list[int] | None) -> float:
        """Credit from 0.0 to 1.0 for `response` to the question `data`."""

    @classmethod
    def correct_indexes(cls, data: dict) -> list[int]:
        """Authored indexes of the correct choices (for review after grading)."""
        return [i for i, c in enumerate(data["choices"]) if c.get("correct")]

    @classmethod
    @abstractmethod
    def counted_choices(cls, response: Sequence[int]) -> tuple[int, ...]:
        """The authored choices item analysis counts as chosen in `response` (empty if unanswered)."""

    @classmethod
    @abstractmethod
    def demo_answer(cls, data: dict, right: bool, rng: random.Random) -> list[int]:
        """A plausible response for the demo cohort: the key when `right`, otherwise a typical mistake."""

    @classmethod
    @abstractmethod
    def to_gift(cls, data: dict) -> GiftAnswers | None:
        """The question's GIFT answer block, or None if GIFT cannot express this type."""

    @classmethod
    @abstractmethod
    def from_gift(cls, answers: GiftAnswers) -> dict | None:
        """`{"type", "choices", …}` if `answers` is this type's GIFT form, else None; ValueError if malformed."""


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a type to the registry; refuses a type missing a part."""
    missing = sorted(getattr(cls, "__abstractmethods__", ()))
    missing += [attribute for attribute in ("name", "spec", "example") if not hasattr(cls, attribute)]
    if missing or inspect.isabstract(cls):
        raise TypeError(f"question type {cls.__name__} is missing: {', '.join(missing)}")
    REGISTRY[cls.name] = cls
    return cls


def get_type(name: str) -> type[QuestionType]:
    """The registered type called `name`."""
    return REGISTRY[name]


def is_position(value: str) -> bool:
    """Whether a form value is a plain position number: ASCII digits only (not "²"), and short."""
    return value.isascii() and value.isdigit() and len(value) <= 4


def displayed_to_authored(values: list[str], choice_order: list[int]) -> list[int]:
    """Map displayed positions (form values) back to authored indexes, rejecting forgeries."""
    chosen: list[int] = []
    for value in values:
        if not is_position(value) or int(value) >= len(choice_order):
            raise ResponseError(_l("That answer is not one of the choices shown."))
        index = choice_order[int(value)]
        if index in chosen:
            raise ResponseError(_l("The same choice was submitted twice."))
        chosen.append(index)
    return chosen

