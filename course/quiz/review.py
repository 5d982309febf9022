"""After grading: what the trainee sees per question, what to study next, and mastery per objective."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from course.core.i18n import question_words
from course.core.questions import get_type
from course.models import AttemptItem, Question, QuizAttempt


@dataclass
class ReviewedItem:
    """One question of a graded attempt, as the results page shows it."""

    item: AttemptItem
    question: Question
    chosen: list[int]
    correct: list[int]
    show_correct: bool

    @cached_property
    def words(self) -> tuple[dict, str]:
        return question_words(self.question, self.item.attempt.language)

    @property
    def data(self) -> dict:
        """The question's words in the attempt's language, as the trainee saw them, whoever reads it now."""
        return self.words[0]

    @property
    def lang(self) -> str:
        """The language of those words, for the page's `lang` attributes."""
        return self.words[1]

    @property
    def is_correct(self) -> bool:
        return (self.item.credit or 0) >= 1.0

    @property
    def is_partial(self) -> bool:
        return 0 < (self.item.credit or 0) < 1.0


def shows_correct_answers(attempt: QuizAttempt, policy: str, attempts_left: int | None) -> bool:
    """The review policy: reveal correct choices always, never, or once passed or out of attempts."""
    if attempt.is_practice or policy == "always":
        return True
    if policy == "never":
        return False
    return bool(attempt.passed) or attempts_left == 0


def review(attempt: QuizAttempt, show_correct: bool, questions: Mapping[int, Question] | None = None
           ) -> list[ReviewedItem]:
    """The graded items, each with the chosen and (if the policy allows) the correct choices. `questions`: the
    attempt's questions by id (`quiz.services.attempt_content`), else each item's own is loaded."""
    reviewed = []
    for item in attempt.items:
        question = item.question_from(questions)
        reviewed.append(ReviewedItem(item, question, item.response or [],
                                     get_type(question.type).correct_indexes(question.data), show_correct))
    return reviewed


def missed_objectives(attempt: QuizAttempt, module, questions: Mapping[int, Question] | None = None) -> list[dict]:
    """Objectives with a question not fully right, each with the lessons of `module` (the attempt's) that teach it."""
    missed = {item.question_from(questions).objective for item in attempt.items if (item.credit or 0) < 1.0}
    return [
        {"objective": objective,
         "lessons": [lesson for lesson in module.lessons if objective["id"] in lesson.objectives]}
        for objective in module.objectives if objective["id"] in missed
    ]
