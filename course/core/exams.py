"""A trainee's standing with the final exam (attempts, limit, cooldown, unlocks), quiz unlocks and the baseline check.

Shared by the quiz area (which draws and grades the exam and quizzes) and the trainer and admin areas (which unlock
them: an unlock of a slug, "_exam" or a module's, makes only the attempts started since then count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.records import latest_certificate
from course.models import AttemptPurpose, ContentVersion, ExamUnlock, QuizAttempt, User, utcnow

EXAM_SLUG, PRETEST_SLUG = AttemptPurpose.EXAM_SLUG, AttemptPurpose.PRETEST_SLUG


@dataclass
class ExamStatus:
    """Where a trainee stands with the final exam: attempts, limits, cooldown and unlocks."""

    settings: dict
    attempts: list[QuizAttempt]  # every exam attempt, oldest first
    unlocked_at: datetime | None = None  # the latest unlock; attempts before it no longer count
    now: datetime = field(default_factory=utcnow)
    since: datetime | None = None  # a renewal window's opening: only attempts from then on count

    @property
    def counted(self) -> list[QuizAttempt]:
        """The attempts that count against the limit: those started since the latest unlock (and renewal)."""
        starts = [moment for moment in (self.unlocked_at, self.since) if moment is not None]
        return [a for a in self.attempts if not starts or a.started_at >= max(starts)]

    @property
    def passed(self) -> bool:
        """Passed at all, or, during a renewal, passed again since the renewal window opened."""
        return any(a.passed for a in self.attempts if self.since is None or a.started_at >= self.since)

    @property
    def open_attempt(self) -> QuizAttempt | None:
        return next((a for a in self.attempts if not a.is_submitted), None)

    @property
    def attempts_left(self) -> int:
        return max(0, self.settings["max_attempts"] - len(self.counted))

    @property
    def locked(self) -> bool:
        """Out of attempts without passing: only a trainer or admin can unlock."""
        return not self.passed and self.open_attempt is None and self.attempts_left == 0

    @property
    def ready_at(self) -> datetime | None:
        """When the cooldown after the last counted attempt ends, if it has not ended yet."""
        submitted = [a.submitted_at for a in self.counted if a.submitted_at is not None]
        if not submitted or not self.settings.get("cooldown_hours"):
            return None
        ready = max(submitted) + timedelta(hours=self.settings["cooldown_hours"])
        return ready if ready > self.now else None


def renewal_opened_at(session: Session, user: User, now: datetime | None = None) -> datetime | None:
    """When the renewal window of the trainee's latest certificate opened, if renewal is due now (else None).

    A renewal is earned by passing the final exam again from that moment (see the certificates' renewal rule).
    """
    certificate = latest_certificate(session, user)
    if certificate is None or not certificate.renewal_due(now or utcnow()):
        return None
    return certificate.renewal_due_at


def exam_status(session: Session, user: User, version: ContentVersion, now: datetime | None = None,
                since: datetime | None = None) -> ExamStatus:
    """The trainee's exam attempts and latest unlock (two queries); `since`: a renewal window's opening."""
    attempts = list(session.scalars(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_slug == EXAM_SLUG).order_by(QuizAttempt.number)))
    unlocked_at = session.scalar(latest_unlock(user.id, EXAM_SLUG))
    if unlocked_at is not None and unlocked_at.tzinfo is None:  # aggregates bypass the column type on SQLite
        unlocked_at = unlocked_at.replace(tzinfo=utcnow().tzinfo)
    return ExamStatus(version.exam_settings, attempts, unlocked_at, now or utcnow(), since)


def latest_unlock(user_id, module_slug):
    """A query: when `user_id` was last given fresh attempts at `module_slug` (None if never)."""
    return (select(func.max(ExamUnlock.unlocked_at))
            .where(ExamUnlock.user_id == user_id, ExamUnlock.module_slug == module_slug))


def unlock_attempts(session: Session, actor: User, user: User, module_slug: str, reason: str) -> ExamUnlock:
    """Give `user` a fresh set of attempts at a module's quiz or the final exam, without a cooldown (audited)."""
    unlock = ExamUnlock(user_id=user.id, module_slug=module_slug, unlocked_by_id=actor.id, reason=reason.strip(),
                        unlocked_at=utcnow())
    session.add(unlock)
    if module_slug == EXAM_SLUG:
        record_event(session, actor, "exam.unlocked", "user", user.id, reason=unlock.reason)
    else:
        record_event(session, actor, "quiz.unlocked", "user", user.id, module=module_slug, reason=unlock.reason)
    session.flush()
    return unlock


def unlock_exam(session: Session, actor: User, user: User, reason: str) -> ExamUnlock:
    """Give `user` a fresh set of exam attempts, without a cooldown, for a stated reason (audited)."""
    return unlock_attempts(session, actor, user, EXAM_SLUG, reason)


def unlocks_of(session: Session, user: User) -> list[ExamUnlock]:
    """Every fresh set of attempts `user` was given (quizzes and the exam), newest first, for their record."""
    return list(session.scalars(select(ExamUnlock).where(ExamUnlock.user_id == user.id)
                                .order_by(ExamUnlock.unlocked_at.desc(), ExamUnlock.id.desc())))


def pretest_attempt(session: Session, user: User) -> QuizAttempt | None:
    """The trainee's baseline test, taken or under way, if any."""
    return session.scalar(select(QuizAttempt).where(
        QuizAttempt.user_id == user.id, QuizAttempt.module_slug == PRETEST_SLUG).order_by(QuizAttempt.number))


def pretest_offered(version: ContentVersion, started_course: bool, attempt: QuizAttempt | None) -> bool:
    """The baseline is offered once, before any module is started, when the course has one."""
    settings = version.exam_settings
    if not settings or not settings.get("pretest_items_per_objective"):
        return False
    return (attempt is not None and not attempt.is_submitted) or (attempt is None and not started_course)
