"""Schemas for the files in `modules/` (see docs/authoring.md)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# A scenario step is a question type; the type owns its rules (the content layer imports quiz types).
from course.core.questions import ScenarioChoice, ScenarioStep, ScenarioText, TextPart  # noqa: F401 - re-exported

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


class ExamSettings(Strict):
    """`exam:` in course.yaml: the final certification exam's blueprint and rules."""

    objectives: list[str] = Field(min_length=1)  # the blueprint: objective ids the exam samples
    items_per_objective: int = Field(default=1, ge=1, le=10)
    pass_mark: int = Field(default=75, ge=1, le=100)
    max_attempts: int = Field(default=3, ge=1, le=20)
    cooldown_hours: int = Field(default=24, ge=0, le=24 * 30)
    time_limit_minutes: int | None = Field(default=None, ge=1, le=600)
    content_note: str | None = None
    pretest_items_per_objective: int = Field(default=1, ge=0, le=5)  # 0: no pre-test


class CourseTranslation(Strict):
    """`ko:` in course.yaml: the course's words in Korean."""

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    recommendations: dict[str, str] = {}  # recommendation id -> its text
    exam_content_note: str | None = None


class ModuleTranslation(Strict):
    """`ko:` in module.yaml: the module's words in Korean (objective texts by objective id)."""

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    objectives: dict[str, str] = {}
    sources: dict[str, str] = {}  # source id -> its citation for Korean readers (original titles kept)


class CourseSpec(Strict):
    """`course.yaml`."""

    title: str = Field(min_length=1, max_length=200)
    summary: str = ""
    validity_months: int | None = Field(default=None, ge=1, le=120)
    renewal_window_days: int = Field(default=60, ge=0, le=365)
    credit_hours: float | None = Field(default=None, gt=0, le=1000)
    modules: list[str] = Field(min_length=1)
    recommendations: list[Recommendation] = []
    exam: ExamSettings | None = None
    # Languages every text must be in: a missing translation is an error once a language is listed here.
    languages: list[Literal["en", "ko"]] = ["en"]
    ko: CourseTranslation | None = None


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
    ko: ModuleTranslation | None = None


class LessonFrontMatter(Strict):
    """The YAML front matter of a lesson."""

    title: str = Field(min_length=1, max_length=200)
    minutes: int = Field(ge=1, le=120)
    objectives: list[str] = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    content_note: str | None = None


class ItemMeta(Strict):
    """Fields every bank question carries besides its type's own: what the item asks of the trainee."""

    # "recall": remember or restate what a lesson says; "application": decide what to do or what a
    # situation means. `content check` wants at least 60% application in each module's bank.
    level: Literal["recall", "application"]


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
    ko: list[str] = []  # how Korean text writes it when not digit for digit ("3,000만 원" for "30 million won")


class FiguresFile(Strict):
    """`figures.yaml`."""

    figures: list[Figure] = []


class TermTranslation(Strict):
    """A glossary entry in Korean."""

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)


class Term(Strict):
    """A glossary entry."""

    term: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    ko: TermTranslation | None = None


class TermChoice(Strict):
    """One entry of `terms.ko.yaml`: the Korean words the course uses for an idea."""

    en: str = Field(min_length=1)
    ko: str = Field(min_length=1)
    note: str = ""
    avoid: list[str] = []


class TermsFile(Strict):
    """`terms.ko.yaml`: the Korean course's one terminology list."""

    terms: list[TermChoice] = Field(min_length=1)


class GlossaryFile(Strict):
    """`glossary.yaml`."""

    terms: list[Term] = []
