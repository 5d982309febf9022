"""The final certification exam and the baseline pre-test, both drawn from the exam blueprint.

The exam is summative: each attempt is a fresh stratified draw from the exam-only pools (`exam.yaml`), with a
limited number of attempts, a cooldown after each, and unlocks by a trainer or admin. Its keys never reach the
trainee; a failed attempt shows how each objective went and which lessons to review. The pre-test measures a
baseline on the same objectives before module 1, from the module banks, and never counts towards completion.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from course.core.exams import ExamStatus, exam_status, pretest_attempt, pretest_offered
from course.core.timezones import to_user_timezone, zone_label
from course.models import AttemptPurpose, ContentVersion, Lesson, Question, QuizAttempt, User, utcnow
from course.quiz.services import QuizUnavailable, drawn_items, finalize_if_overdue, insert_attempt

EXAM_SLUG, PRETEST_SLUG = AttemptPurpose.EXAM_SLUG, AttemptPurpose.PRETEST_SLUG
SECURE_SHARE = 75  # an objective at or above this share of credit in an attempt is shown as secure


def check_can_start_exam(status: ExamStatus) -> None:
    """Raise QuizUnavailable when the exam cannot be started now, saying why."""
    if status.passed:
        raise QuizUnavailable(_("You have passed the final exam."))
    if status.locked:
        raise QuizUnavailable(_("You have used all %(n)d attempts at the final exam. Your trainer can give you "
                                "more after talking it through with you.", n=status.settings["max_attempts"]))
    if status.ready_at is not None:
        raise QuizUnavailable(_("You can take the exam again from %(time)s %(zone)s on %(date)s. Use the time to "
                                "review the lessons listed below.", time=format_time(status.ready_at, "short"),
                                zone=zone_label(), date=format_date(to_user_timezone(status.ready_at), "long")))


def pools_by_objective(version: ContentVersion, pool: str) -> dict[str, list[Question]]:
    """The questions of one pool ("exam", or "quiz" for the module banks), by objective."""
    by_objective: dict[str, list[Question]] = {}
    for module in version.modules:
        for question in module.exam_questions if pool == "exam" else module.questions:
            by_objective.setdefault(question.objective, []).append(question)
    return by_objective


def stratified_draw(by_objective: dict[str, list[Question]], objectives: list[str], per_objective: int,
                    rng: random.Random) -> list[Question]:
    """`per_objective` questions for each blueprint objective, at random, in a shuffled order."""
    drawn = [question for objective in objectives
             for question in rng.sample(by_objective.get(objective, []),
                                        min(per_objective, len(by_objective.get(objective, []))))]
    rng.shuffle(drawn)
    return drawn


def start_exam(session: Session, user: User, version: ContentVersion, now: datetime | None = None,
               since: datetime | None = None) -> QuizAttempt:
    """Resume the open exam attempt, or draw a fresh one if the limits allow it. Raises QuizUnavailable.

    `since`: during a renewal, when its window opened (earlier passes and attempts do not count then).
    """
    now = now or utcnow()
    status = exam_status(session, user, version, now, since)
    existing = status.open_attempt
    if existing is not None and not finalize_if_overdue(session, existing, now):
        return existing
    if existing is not None:
        status = exam_status(session, user, version, now, since)
    check_can_start_exam(status)
    settings, rng = version.exam_settings, random.SystemRandom()
    limit = settings.get("time_limit_minutes")
    attempt = QuizAttempt(user_id=user.id, module_id=None, module_slug=EXAM_SLUG, purpose=AttemptPurpose.EXAM,
                          number=len(status.attempts) + 1, pass_mark=settings["pass_mark"], started_at=now,
                          deadline_at=now + timedelta(minutes=limit) if limit else None)
    items = drawn_items(stratified_draw(pools_by_objective(version, "exam"), settings["objectives"],
                                        settings["items_per_objective"], rng), rng)
    return insert_attempt(session, attempt, user, items)


def start_pretest(session: Session, user: User, version: ContentVersion, started_course: bool) -> QuizAttempt:
    """Resume or draw the baseline test: blueprint objectives, from the module banks. Raises QuizUnavailable."""
    existing = pretest_attempt(session, user)
    if existing is not None and not existing.is_submitted:
        return existing
    if not pretest_offered(version, started_course, existing):
        raise QuizUnavailable(_("The baseline check is taken once, before the first module. It is no longer "
                                "available to you; nothing is lost by that."))
    settings, rng = version.exam_settings, random.SystemRandom()
    attempt = QuizAttempt(user_id=user.id, module_id=None, module_slug=PRETEST_SLUG, purpose=AttemptPurpose.PRETEST,
                          number=1, pass_mark=0, started_at=utcnow())
    items = drawn_items(stratified_draw(pools_by_objective(version, "quiz"), settings["objectives"],
                                        settings["pretest_items_per_objective"], rng), rng)
    return insert_attempt(session, attempt, user, items)


@dataclass
class ObjectiveResult:
    """How one blueprint objective went in an exam or pre-test attempt, and what to review."""

    objective_id: str
    text: str
    share: float  # percent of credit on this objective's items
    lessons: list[Lesson]

    @property
    def secure(self) -> bool:
        return self.share >= SECURE_SHARE


def objective_results(attempt: QuizAttempt, version: ContentVersion | None,
                      questions: Mapping[int, Question] | None = None) -> list[ObjectiveResult]:
    """Per objective in the attempt: the share of credit and the lessons that teach it (no item detail).
    `questions`: the attempt's questions by id (`quiz.services.attempt_content`), else each item's own is loaded."""
    credits: dict[str, list[float]] = {}
    for item in attempt.items:
        credits.setdefault(item.question_from(questions).objective, []).append(item.credit or 0.0)
    texts, lessons = {}, {}
    for module in version.modules if version else []:
        for objective in module.objectives:
            texts[objective["id"]] = objective["text"]
            lessons[objective["id"]] = [lesson for lesson in module.lessons if objective["id"] in lesson.objectives]
    return [ObjectiveResult(objective, texts.get(objective, objective), round(100 * sum(c) / len(c), 1),
                            lessons.get(objective, []))
            for objective, c in credits.items()]
