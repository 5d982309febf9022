"""Question types. Importing this package registers every type."""

from course.quiz.types import multiple, ordering, scenario_step, single, true_false  # noqa: F401 - registers
from course.quiz.types.base import REGISTRY, QuestionSpec, ResponseError, get_type

__all__ = ["REGISTRY", "QuestionSpec", "ResponseError", "get_type"]
