"""Issuing certificates the moment a trainee completes the course, renewing them, and revoking them."""

from __future__ import annotations

import calendar
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.certificates.records import report_issued, report_revoked
from course.certificates.serials import new_serial, normalise_serial
from course.certificates.status_list import status_entry
from course.core.audit import record_event
from course.core.progress import CourseProgress
from course.core.records import latest_certificate
from course.core.settings import CertificateTerms, certificate_terms
from course.core.standings import touch
from course.models import (
    AttemptPurpose,
    AttemptStatus,
    AuditEvent,
    Certificate,
    CertificateStatus,
    ContentVersion,
    QuizAttempt,
    User,
    utcnow,
)


class RevocationError(Exception):
    """The certificate cannot be revoked; the message says why."""


@dataclass
class FreshPass:
    """A module's best quiz result since the renewal window opened."""

    best_score: float
    passed_at: datetime


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def subject_identity(email: str) -> tuple[str, str]:
    """A fresh salt and the Open Badges identity hash `sha256$hex(sha256(email + salt))`."""
    salt = secrets.token_hex(16)
    return salt, "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()


def fresh_passes(session: Session, user: User, since: datetime, module_slugs: list[str]) -> dict[str, FreshPass]:
    """Per module slug: the best passed module-quiz attempt submitted at or after `since` (one query)."""
    rows = session.execute(
        select(QuizAttempt.module_slug, func.max(QuizAttempt.score), func.max(QuizAttempt.submitted_at))
        .where(QuizAttempt.user_id == user.id, QuizAttempt.module_slug.in_(module_slugs),
               QuizAttempt.purpose == AttemptPurpose.QUIZ, QuizAttempt.status == AttemptStatus.SUBMITTED,
               QuizAttempt.passed.is_(True), QuizAttempt.submitted_at >= since)
        .group_by(QuizAttempt.module_slug)
    )
    result = {}
    for slug, best, passed_at in rows:
        if passed_at.tzinfo is None:  # SQLite aggregates lose the UTC type decorator
            passed_at = passed_at.replace(tzinfo=since.tzinfo)
        result[slug] = FreshPass(best, passed_at)
    return result


def passed_exam_since(session: Session, user: User, since: datetime) -> bool:
    """Whether `user` passed the final exam in an attempt started at or after `since` (one query)."""
    return bool(session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.user_id == user.id, QuizAttempt.purpose == AttemptPurpose.EXAM,
        QuizAttempt.passed.is_(True), QuizAttempt.started_at >= since)))


def issue_certificate_if_complete(session: Session, user: User, progress: CourseProgress,
                                  terms: CertificateTerms | None = None, now: datetime | None = None
                                  ) -> Certificate | None:
    """Issue the first certificate when the course is complete, or a renewal when one is earned.

    A renewal needs, from the moment the latest certificate's renewal window opened, the final exam passed
    again when the course has one, or else a passed quiz for every module of the live course; it supersedes
    that certificate. A revoked
    certificate is never renewed automatically: an admin decided, and only an admin can undo it.
    Safe under races: the (user, sequence) unique constraint lets only one request issue.
    """
    now = now or utcnow()
    previous = latest_certificate(session, user)
    if previous is None:
        if not progress.is_complete:
            return None
        scores = {m.module.slug: m.quiz.best_score for m in progress.modules}
    else:
        if not previous.renewal_due(now):
            return None
        if progress.version.exam_settings:
            if not passed_exam_since(session, user, previous.renewal_due_at):
                return None
            scores = {m.module.slug: m.quiz.best_score for m in progress.modules}
        else:
            passes = fresh_passes(session, user, previous.renewal_due_at, [m.module.slug for m in progress.modules])
            if not progress.modules or len(passes) < len(progress.modules):
                return None
            scores = {slug: fresh.best_score for slug, fresh in passes.items()}
    terms = terms or certificate_terms(session, progress.version)
    certificate = build_certificate(user, progress.version, scores, terms, now,
                                    sequence=previous.sequence + 1 if previous else 1)
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:
        return latest_certificate(session, user)
    status_entry(session, certificate)  # its bit in the revocation list, drawn once, at issue
    details = {"content_version": progress.version.short_hash}
    if previous is not None:
        previous.superseded_by_id, previous.superseded_at = certificate.id, now
        details["renews"] = previous.serial
    record_event(session, user, "certificate.issued", "certificate", certificate.serial, **details)
    report_issued(session, user, certificate, progress.version, previous)
    session.flush()
    return certificate


def reissue_certificate(session: Session, actor: User, user: User, reason: str,
                        now: datetime | None = None) -> Certificate | None:
    """Reissue `user`'s current certificate after their name or email was corrected (the reissue seam).

    The new certificate carries the corrected name and identity and everything else the old one proved (course,
    content version, scores, hours, expiry); it takes the next sequence and a new serial, and the old one is
    superseded, pointing to it: never edited. A revoked certificate is not reissued.
    """
    now = now or utcnow()
    previous = latest_certificate(session, user)
    if previous is None or previous.status_at(now) not in (CertificateStatus.VALID, CertificateStatus.EXPIRED):
        return None
    salt, identity_hash = subject_identity(user.email)
    certificate = Certificate(
        serial=new_serial(), user_id=user.id, sequence=previous.sequence + 1,
        content_version_id=previous.content_version_id, recipient_name=user.name,
        course_title=previous.course_title, academy_name=previous.academy_name,
        credit_hours=previous.credit_hours, modules=previous.modules, issued_at=now, expires_at=previous.expires_at,
        renewal_due_at=previous.renewal_due_at, subject_salt=salt, subject_hash=identity_hash)
    session.add(certificate)
    session.flush()
    status_entry(session, certificate)
    previous.superseded_by_id, previous.superseded_at = certificate.id, now
    record_event(session, actor, "certificate.reissued", "certificate", certificate.serial,
                 supersedes=previous.serial, reason=reason, holder_id=user.id)
    session.flush()
    return certificate


def build_certificate(user: User, version: ContentVersion, scores: dict[str, float | None],
                      terms: CertificateTerms, now: datetime, sequence: int) -> Certificate:
    """A certificate for `user` on `version`, frozen with everything it must prove later (not yet added)."""
    expires_at = add_months(now, terms.validity_months) if terms.validity_months else None
    salt, identity_hash = subject_identity(user.email)
    return Certificate(
        serial=new_serial(), user_id=user.id, sequence=sequence, content_version_id=version.id,
        recipient_name=user.name, course_title=version.title, academy_name=terms.academy_name,
        credit_hours=terms.credit_hours, issued_at=now, expires_at=expires_at,
        renewal_due_at=expires_at - timedelta(days=terms.renewal_window_days) if expires_at else None,
        subject_salt=salt, subject_hash=identity_hash,
        modules=[{"slug": m.slug, "title": m.title, "score": scores.get(m.slug)} for m in version.modules],
    )


def find_certificate(session: Session, typed_serial: str) -> Certificate | None:
    """The certificate with this serial (typed in any reasonable form). Raises SerialError."""
    serial = normalise_serial(typed_serial)
    return session.scalar(select(Certificate).where(Certificate.serial == serial))


def revoke_certificate(session: Session, certificate: Certificate, admin: User, public_reason: str,
                       internal_note: str, now: datetime | None = None) -> None:
    """Revoke `certificate` at once; the public reason shows on the verify page, the note stays internal.

    A conditional UPDATE makes a double submit (or two admins at once) revoke only once.
    """
    public_reason, internal_note = public_reason.strip(), internal_note.strip()
    result = session.execute(
        update(Certificate).where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(revoked_at=now or utcnow(), revocation_reason=public_reason, revocation_note=internal_note,
                revoked_by_id=admin.id)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise RevocationError(_l("This certificate was already revoked."))
    touch(session, certificate.user_id)  # core.standings
    session.refresh(certificate)
    record_event(session, admin, "certificate.revoked", "certificate", certificate.serial,
                 public_reason=public_reason, internal_note=internal_note, holder_id=certificate.user_id)
    report_revoked(session, certificate)
    session.flush()


def certificate_events(session: Session, certificate: Certificate, limit: int = 50) -> tuple[list, dict[int, User]]:
    """The certificate's latest audit events, newest first, and their actors by id (two queries)."""
    events = list(session.scalars(
        select(AuditEvent).where(AuditEvent.target_type == "certificate", AuditEvent.target_id == certificate.serial)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)))
    actor_ids = {event.actor_id for event in events if event.actor_id}
    return events, {user.id: user for user in session.scalars(select(User).where(User.id.in_(actor_ids)))}
