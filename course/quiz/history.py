"""A trainee's attempts at a module: the one still open, all of them, and those that count against its limit.

Every quiz intro, start and result page asks: the statements are built once, with bound parameters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, case, func, or_, select
from sqlalchemy.orm import Session

from course.core.exams import latest_unlock
from course.database import read
from course.models import AttemptStatus, QuizAttempt, User, utcnow
from course.prepared import Prepared

_OWN = (QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.module_slug == bindparam("module_slug"))
OPEN_ATTEMPT = select(QuizAttempt).where(*_OWN, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
MODULE_ATTEMPTS = select(QuizAttempt).where(*_OWN).order_by(QuizAttempt.number)


def open_attempt(session: Session, user: User, module_slug: str) -> QuizAttempt | None:
    """The attempt `user` has started and not submitted for this module (or practice), if any."""
    return session.scalar(OPEN_ATTEMPT, {"user_id": user.id, "module_slug": module_slug})


def _attempts_used_query() -> Prepared:
    """The counts behind `attempts_used` for the trainee and module bound as `user_id` and `module_slug`: one prepared
    read (every quiz intro, start and result page asks), its SQL built once."""
    unlocked_at = latest_unlock(bindparam("user_id"), bindparam("module_slug")).scalar_subquery()
    counts = or_(unlocked_at.is_(None), QuizAttempt.started_at >= unlocked_at)
    return Prepared(
        select(func.count(case((counts, QuizAttempt.id))), func.max(case((counts, QuizAttempt.submitted_at))),
               func.count(QuizAttempt.id))
        .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.module_slug == bindparam("module_slug")))


ATTEMPTS_USED = _attempts_used_query()


def attempts_used(session: Session, user: User, module_slug: str) -> tuple[int, datetime | None, int]:
    """Attempts at a module that count against its limit, when the last of them was submitted, and all attempts.

    After a trainer's unlock (core.exams.unlock_attempts) only the attempts started since then count (one query).
    """
    count, last, total = read(session, ATTEMPTS_USED, {"user_id": user.id, "module_slug": module_slug}).one()
    if last is not None and last.tzinfo is None:  # aggregates bypass the column type on SQLite
        last = last.replace(tzinfo=utcnow().tzinfo)
    return count, last, total


def module_attempts(session: Session, user: User, module_slug: str) -> list[QuizAttempt]:
    """Every attempt `user` made at the module's quiz, in order."""
    return list(session.scalars(MODULE_ATTEMPTS, {"user_id": user.id, "module_slug": module_slug}))
