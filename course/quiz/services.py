"""Quiz attempts: start or resume, save answers, grade exactly once, and review."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from course.models import AttemptItem, AttemptStatus, Module, QuizAttempt, User, utcnow
from course.quiz.grading import choice_order, draw_questions, has_passed, score_percent
from course.quiz.types import ResponseError, get_type

FIELD = re.compile(r"^q(\d+)(?:-\d+)?$")


class QuizUnavailable(Exception):
    """The trainee may not start an attempt now; the message says why and when."""


def field_name(item: AttemptItem) -> str:
    """The form field name of an attempt item."""
    return f"q{item.position}"


def open_attempt(session: Session, user: User, module_slug: str) -> QuizAttempt | None:
    """The attempt `user` has started and not submitted for this module, if any."""
    return session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_slug == module_slug,
        QuizAttempt.status == AttemptStatus.IN_PROGRESS,
    ))


def start_attempt(session: Session, user: User, module: Module, now: datetime | None = None) -> QuizAttempt:
    """Resume the open attempt, or draw a new one if the module's limits allow it."""
    existing = open_attempt(session, user, module.slug)
    if existing is not None:
        return existing
    now = now or utcnow()
    settings = module.quiz_settings
    count, last_submitted = session.execute(
        select(func.count(QuizAttempt.id), func.max(QuizAttempt.submitted_at))
        .where(QuizAttempt.user_id == user.id, QuizAttempt.module_slug == module.slug)
    ).one()
    if settings.get("max_attempts") and count >= settings["max_attempts"]:
        raise QuizUnavailable(f"You have used all {settings['max_attempts']} attempts at this quiz.")
    if last_submitted is not None and settings.get("cooldown_minutes"):
        if last_submitted.tzinfo is None:  # SQLite aggregates lose the type decorator
            last_submitted = last_submitted.replace(tzinfo=now.tzinfo)
        ready_at = last_submitted + timedelta(minutes=settings["cooldown_minutes"])
        if now < ready_at:
            raise QuizUnavailable(f"You can start another attempt at {ready_at:%H:%M} UTC. "
                                  "Use the time to review the lessons you missed.")
    rng = random.SystemRandom()
    questions = {q.id: q for q in module.questions}
    drawn = draw_questions([(q.id, q.objective) for q in module.questions],
                           settings.get("questions_per_attempt", 10), rng)
    attempt = QuizAttempt(user_id=user.id, module_id=module.id, module_slug=module.slug,
                          number=count + 1, pass_mark=settings.get("pass_mark", 80), started_at=now)
    for position, question_id in enumerate(drawn, start=1):
        question = questions[question_id]
        attempt.items.append(AttemptItem(
            position=position, question_id=question_id,
            choice_order=choice_order(question.type, len(question.data["choices"]), rng),
        ))
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        # Another request (a double click, a second tab) created the attempt first: use it.
        existing = open_attempt(session, user, module.slug)
        if existing is None:
            raise
        return existing
    return attempt


def load_attempt(session: Session, attempt_id: int) -> QuizAttempt | None:
    """An attempt with its items and questions, in three queries."""
    return session.scalar(
        select(QuizAttempt).where(QuizAttempt.id == attempt_id)
        .options(selectinload(QuizAttempt.items).selectinload(AttemptItem.question),
                 selectinload(QuizAttempt.module))
    )


def save_responses(attempt: QuizAttempt, form) -> dict[int, str]:
    """Store the answers in `form` on the attempt's items; return problems by position.

    Raises ResponseError for fields that name no question of this attempt (a forged request).
    """
    positions = {item.position for item in attempt.items}
    for key in form:
        match = FIELD.match(key)
        if match and int(match.group(1)) not in positions:
            raise ResponseError("The answers do not belong to this attempt.")
    problems: dict[int, str] = {}
    for item in attempt.items:
        kind = get_type(item.question.type)
        values = kind.form_values(form, field_name(item), len(item.choice_order))
        try:
            item.response = kind.parse(values, item.choice_order)
        except ResponseError as exc:
            problems[item.position] = str(exc)
    return problems


def submit_attempt(session: Session, attempt: QuizAttempt, form, now: datetime | None = None) -> dict[int, str]:
    """Save the final answers and grade the attempt once; returns problems that stop submission.

    Two submissions racing (double click, two tabs, two workers) are settled by the conditional
    UPDATE: only the request that moves the attempt out of `in_progress` grades it.
    """
    if attempt.is_submitted:
        return {}
    problems = save_responses(attempt, form)
    if problems:
        return problems
    now = now or utcnow()
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(attempt)
        return {}
    for item in attempt.items:
        item.credit = get_type(item.question.type).grade(item.question.data, item.response)
    attempt.status, attempt.submitted_at = AttemptStatus.SUBMITTED, now
    attempt.score = score_percent([item.credit for item in attempt.items])
    attempt.passed = has_passed(attempt.score, attempt.pass_mark)
    session.flush()
    return {}


@dataclass
class ReviewedItem:
    """One question of a graded attempt, as the results page shows it."""

    item: AttemptItem
    chosen: list[int]
    correct: list[int]
    show_correct: bool

    @property
    def data(self) -> dict:
        return self.item.question.data

    @property
    def is_correct(self) -> bool:
        return (self.item.credit or 0) >= 1.0

    @property
    def is_partial(self) -> bool:
        return 0 < (self.item.credit or 0) < 1.0


def review(attempt: QuizAttempt) -> list[ReviewedItem]:
    """The graded items. Which choices are correct is shown only once the quiz is passed."""
    show = bool(attempt.passed)
    return [
        ReviewedItem(item, item.response or [], get_type(item.question.type).correct_indexes(item.question.data), show)
        for item in attempt.items
    ]


def missed_objectives(attempt: QuizAttempt) -> list[dict]:
    """Objectives with a question not fully right, each with the lessons that teach it."""
    missed = {item.question.objective for item in attempt.items if (item.credit or 0) < 1.0}
    module = attempt.module
    return [
        {"objective": objective,
         "lessons": [lesson for lesson in module.lessons if objective["id"] in lesson.objectives]}
        for objective in module.objectives if objective["id"] in missed
    ]
