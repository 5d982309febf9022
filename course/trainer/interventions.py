"""A trainer's interventions for one trainee in a cohort: a due-date extension, module exemptions, quiz unlocks.

Each is audited with its reason and shown on the trainee's record. Trainers act only in their own cohorts and
admins in every cohort (the views find the cohort through core.access.cohort_for). Flush, never commit.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.exams import unlock_attempts
from course.core.memberships import extend_due_date  # noqa: F401 - the trainer's pages and the API share it
from course.models import (
    AttemptPurpose,
    AttemptStatus,
    CohortMember,
    ContentVersion,
    ExamUnlock,
    MemberExemption,
    QuizAttempt,
    User,
)
from course.trainer.services import CohortError


def grant_exemption(session: Session, actor: User, member: CohortMember, version: ContentVersion, module_slug: str,
                    reason: str) -> MemberExemption:
    """Excuse the trainee from one module of the live course in this cohort (not from the certificate)."""
    if module_slug not in {m.slug for m in version.modules}:
        raise CohortError(_("Choose one of the course's modules."))
    exemption = MemberExemption(cohort_member_id=member.id, module_slug=module_slug, reason=reason,
                                granted_by_id=actor.id)
    try:
        with session.begin_nested():
            session.add(exemption)
    except IntegrityError:
        raise CohortError(_("This trainee is already exempt from that module.")) from None
    record_event(session, actor, "member.exempted", "user", member.user_id, cohort_id=member.cohort_id,
                 module=module_slug, reason=reason)
    session.flush()
    return exemption


def withdraw_exemption(session: Session, actor: User, member: CohortMember, module_slug: str) -> bool:
    """Withdraw an exemption: the module counts again for the cohort. False if there was none."""
    result = session.execute(delete(MemberExemption).where(MemberExemption.cohort_member_id == member.id,
                                                           MemberExemption.module_slug == module_slug))
    if not result.rowcount:
        return False
    record_event(session, actor, "member.exemption_withdrawn", "user", member.user_id, cohort_id=member.cohort_id,
                 module=module_slug)
    session.flush()
    return True


def member_exemptions(session: Session, member: CohortMember) -> list[MemberExemption]:
    """The trainee's exemptions in this cohort, oldest first."""
    return list(session.scalars(select(MemberExemption).where(MemberExemption.cohort_member_id == member.id)
                                .order_by(MemberExemption.created_at, MemberExemption.id)))


@dataclass(frozen=True)
class QuizLock:
    """A module quiz the trainee has used every attempt at without passing."""

    module_slug: str
    module_title: str
    max_attempts: int


def locked_quizzes(session: Session, user: User, version: ContentVersion) -> list[QuizLock]:
    """The module quizzes `user` is locked out of: every attempt counted since the latest unlock used, none
    passed (two queries)."""
    unlocks: dict[str, datetime] = {}
    for slug, at in session.execute(select(ExamUnlock.module_slug, ExamUnlock.unlocked_at)
                                    .where(ExamUnlock.user_id == user.id)):
        unlocks[slug] = max(at, unlocks.get(slug, at))
    attempts = session.execute(select(QuizAttempt.module_slug, QuizAttempt.passed, QuizAttempt.started_at,
                                      QuizAttempt.status)
                               .where(QuizAttempt.user_id == user.id, QuizAttempt.purpose == AttemptPurpose.QUIZ))
    counted: Counter[str] = Counter()
    passed = set()  # passed, or with an attempt under way: not locked
    for slug, did_pass, started_at, status in attempts:
        if did_pass or status == AttemptStatus.IN_PROGRESS:
            passed.add(slug)
        if slug not in unlocks or started_at >= unlocks[slug]:
            counted[slug] += 1
    return [QuizLock(m.slug, m.title, m.quiz_settings["max_attempts"]) for m in version.modules
            if m.quiz_settings.get("max_attempts") and m.slug not in passed
            and counted[m.slug] >= m.quiz_settings["max_attempts"]]


def unlock_quiz(session: Session, actor: User, user: User, version: ContentVersion, module_slug: str,
                reason: str) -> ExamUnlock:
    """Give the trainee a fresh set of attempts at one module's quiz (audited as quiz.unlocked)."""
    if module_slug not in {m.slug for m in version.modules}:
        raise CohortError(_("Choose one of the course's modules."))
    return unlock_attempts(session, actor, user, module_slug, reason)
