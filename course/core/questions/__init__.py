"""Question types. Importing this package registers every type."""

from course.core.questions import multiple, ordering, scenario_step, single, true_false  # noqa: F401 - registers
from course.core.questions.base import REGISTRY, QuestionSpec, ResponseError, get_type
from course.core.questions.gift import GiftAnswers, GiftChoice
from course.core.questions.scenario_step import ScenarioChoice, ScenarioStep, ScenarioText, TextPart

__all__ = ["REGISTRY", "GiftAnswers", "GiftChoice", "QuestionSpec", "ResponseError", "ScenarioChoice", "ScenarioStep",
           "ScenarioText", "TextPart", "get_type"]
