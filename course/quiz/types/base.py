"""The question-type registry: each type validates its YAML, parses a form and grades a response.

Adding a type means one new file here (a `QuestionType` subclass decorated with `@register`)
and its template `templates/quiz/types/<name>.html`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    """Behaviour of one question type. Subclasses are stateless."""

    name: ClassVar[str]
    spec: ClassVar[type[BaseModel]]
    shuffle: ClassVar[bool] = True
    in_bank: ClassVar[bool] = True  # False for types used only by scenarios

    @classmethod
    def template(cls) -> str:
        return f"quiz/types/{cls.name}.html"

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


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Class decorator adding a type to the registry."""
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
            raise ResponseError("That answer is not one of the choices shown.")
        index = choice_order[int(value)]
        if index in chosen:
            raise ResponseError("The same choice was submitted twice.")
        chosen.append(index)
    return chosen


TypeName = Literal["single", "true_false", "multiple", "ordering"]
