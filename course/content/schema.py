"""Schemas for the files in `modules/` (see docs/authoring.md)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

SLUG = r"^[a-z0-9][a-z0-9-]*$"


class Strict(BaseModel):
    """Unknown keys are mistakes (a typo would otherwise be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Recommendation(Strict):
    """A recommendation from the sources, and the objectives that teach it."""

    id: str = Field(min_length=1, max_length=20)
    by: str = Field(min_length=1)
    text: str = Field(min_length=1)
    objectives: list[str] = Field(min_length=1)


class CourseSpec(Strict):
    """`course.yaml`."""

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    validity_months: int | None = Field(default=None, ge=1, le=120)
    renewal_window_days: int = Field(default=60, ge=0, le=365)
    credit_hours: float | None = Field(default=None, gt=0, le=1000)
    modules: list[str] = Field(min_length=1)
    recommendations: list[Recommendation] = []


class Objective(Strict):
    """A learning objective."""

    id: str = Field(pattern=SLUG, max_length=80)
    text: str = Field(min_length=1)


class Source(Strict):
    """A citable source."""

    id: str = Field(pattern=SLUG, max_length=80)
    citation: str = Field(min_length=1)


class QuizSettings(Strict):
    """How a module's quiz is run."""

    pass_mark: int = Field(default=80, ge=1, le=100)
    questions_per_attempt: int = Field(default=10, ge=1, le=100)
    max_attempts: int | None = Field(default=None, ge=1)
    cooldown_minutes: int = Field(default=0, ge=0)
    time_limit_minutes: int | None = Field(default=None, ge=1)
    questions_per_page: int = Field(default=5, ge=1, le=100)
    # Whether a trainee sees which choices were correct after grading: "when_passed" (or out of
    # attempts), "always", or "never". Feedback and explanations are always shown.
    review_correct_answers: Literal["when_passed", "always", "never"] = "when_passed"


class ModuleSpec(Strict):
    """`module.yaml`."""

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    minutes: int = Field(ge=1, le=1000)
    objectives: list[Objective] = Field(min_length=1)
    sources: list[Source] = Field(min_length=1)
    quiz: QuizSettings = QuizSettings()
    scenario_required: bool = False
    # A finished run counts (for completion, and as "passed") at or above this percent of the points.
    scenario_pass_score: int = Field(default=70, ge=1, le=100)


class LessonFrontMatter(Strict):
    """The YAML front matter of a lesson."""

    title: str = Field(min_length=1, max_length=200)
    minutes: int = Field(ge=1, le=120)
    objectives: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    content_note: str | None = None


# Locales a lesson or question may carry a variant for (docs/authoring.md, "Translations").
CONTENT_LOCALES = ("ko",)


class ChoiceTranslation(Strict):
    """A question choice in another language."""

    text: str = Field(min_length=1)
    feedback: str = Field(min_length=1)


class QuestionTranslation(Strict):
    """A question's words in another language; choices in the same order as the English ones."""

    prompt: str = Field(min_length=1)
    explanation: str = Field(min_length=1)
    choices: list[ChoiceTranslation] = Field(min_length=1)


FLAG = r"^[a-z0-9][a-z0-9-]*$"
# A condition on the flags set so far: one flag, `{not: flag}`, or a list of these that must all hold.
FlagTest = Annotated[str, Field(pattern=FLAG)] | dict[Literal["not"], Annotated[str, Field(pattern=FLAG)]]
Condition = FlagTest | list[FlagTest]


class TextPart(Strict):
    """A paragraph shown only when its condition holds."""

    when: Condition
    text: str = Field(min_length=1)


# Scenario text: plain Markdown, or a list of paragraphs, each plain or shown only `when` a condition holds.
ScenarioText = Annotated[str, Field(min_length=1)] | list[Annotated[str, Field(min_length=1)] | TextPart]


class ScenarioChoice(Strict):
    """One option at a scenario decision."""

    text: str = Field(min_length=1)
    quality: Literal["best", "acceptable", "poor"]
    feedback: str = Field(min_length=1)
    next: str
    sets: list[Annotated[str, Field(pattern=FLAG)]] = []  # flags that later text may depend on


class ScenarioStep(Strict):
    """A decision point."""

    id: str = Field(pattern=SLUG)
    situation: ScenarioText
    choices: list[ScenarioChoice] = Field(min_length=2, max_length=6)


class ScenarioEnding(Strict):
    """Where a path ends."""

    id: str = Field(pattern=SLUG)
    title: str = Field(min_length=1)
    outcome: ScenarioText


class ScenarioSpec(Strict):
    """`scenario.yaml`."""

    title: str = Field(min_length=1)
    summary: str = ""
    objectives: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    content_note: str | None = None
    start: str
    steps: list[ScenarioStep] = Field(min_length=1)
    endings: list[ScenarioEnding] = Field(min_length=1)
    debrief: ScenarioText


class Figure(Strict):
    """A figure the course may state."""

    figure: str = Field(min_length=1)
    source: str = Field(min_length=1)
    note: str = ""


class FiguresFile(Strict):
    """`figures.yaml`."""

    figures: list[Figure] = []


class Term(Strict):
    """A glossary entry."""

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class GlossaryFile(Strict):
    """`glossary.yaml`."""

    terms: list[Term] = []
