"""Spaced retrieval practice: review rounds from completed modules, oldest and weakest objectives first.

Practice rounds are graded with feedback like a quiz but never count towards completion.
"""

from __future__ import annotations

import random
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.core.progress import CourseProgress
from course.models import (
    AttemptItem,
    AttemptPurpose,
    AttemptStatus,
    Question,
    QuizAttempt,
    User,
    utcnow,
)
from course.quiz.history import open_attempt
from course.quiz.services import drawn_items, insert_attempt

PRACTICE_SIZE = 5
PRACTICE_SLUG = AttemptPurpose.PRACTICE_SLUG


class NothingToPractise(Exception):
    """The trainee has not completed a module yet."""


def objective_history(session: Session, user: User) -> dict[str, tuple[datetime, float]]:
    """Per objective: when it was last answered (quiz or practice) and the share of credit then."""
    rows = session.execute(
        select(Question.objective, QuizAttempt.id, QuizAttempt.submitted_at, func.avg(AttemptItem.credit))
        .join(AttemptItem, AttemptItem.question_id == Question.id)
        .join(QuizAttempt, QuizAttempt.id == AttemptItem.attempt_id)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.status == AttemptStatus.SUBMITTED)
        .group_by(Question.objective, QuizAttempt.id, QuizAttempt.submitted_at)
        .order_by(QuizAttempt.submitted_at)
    )
    history: dict[str, tuple[datetime, float]] = {}
    for objective, _attempt_id, submitted_at, share in rows:
        history[objective] = (submitted_at, float(share or 0))
    return history


def choose_objectives(objectives: list[str], history: dict[str, tuple[datetime, float]], count: int) -> list[str]:
    """The `count` objectives to practise: weakest latest result first, then least recently seen."""
    def urgency(objective: str):
        seen_at, share = history.get(objective, (None, 0.0))
        return (round(share, 2), seen_at.timestamp() if seen_at else 0.0)

    return sorted(objectives, key=urgency)[:count]


def start_practice_round(session: Session, user: User, progress: CourseProgress,
                         rng: random.Random | None = None) -> QuizAttempt:
    """Resume the open practice round, or draw a new one from the completed modules."""
    existing = open_attempt(session, user, PRACTICE_SLUG)
    if existing is not None:
        return existing
    completed = [m.module for m in progress.modules if m.is_complete]
    if not completed:
        raise NothingToPractise(_("Complete a module first; its questions then come back here for review."))
    rng = rng or random.SystemRandom()
    bank: dict[str, list[Question]] = {}
    for module in completed:
        for question in module.questions:
            bank.setdefault(question.objective, []).append(question)
    chosen = choose_objectives(sorted(bank), objective_history(session, user), PRACTICE_SIZE)
    questions = [rng.choice(bank[objective]) for objective in chosen]
    count = session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_slug == PRACTICE_SLUG))
    attempt = QuizAttempt(user_id=user.id, module_id=None, module_slug=PRACTICE_SLUG, purpose=AttemptPurpose.PRACTICE,
                          number=count + 1, pass_mark=0, started_at=utcnow())
    return insert_attempt(session, attempt, user, drawn_items(questions, rng))


def recent_practice_rounds(session: Session, user: User, count: int = 10) -> list[QuizAttempt]:
    """The trainee's latest practice rounds, newest first."""
    return list(session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.purpose == AttemptPurpose.PRACTICE)
        .order_by(QuizAttempt.number.desc()).limit(count)))
