"""Question types. Importing this package registers every type."""

from course.quiz.types import multiple, ordering, scenario_step, single, true_false  # noqa: F401 - registers
from course.quiz.types.base import REGISTRY, QuestionSpec, ResponseError, get_type
from course.quiz.types.gift import GiftAnswers, GiftChoice
from course.quiz.types.scenario_step import ScenarioChoice, ScenarioStep

__all__ = ["REGISTRY", "GiftAnswers", "GiftChoice", "QuestionSpec", "ResponseError", "ScenarioChoice", "ScenarioStep",
           "get_type"]
