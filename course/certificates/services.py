"""Issuing certificates the moment a trainee completes the course."""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.audit import record_event
from course.certificates.serials import new_serial, normalise_serial
from course.learn.services import CourseProgress
from course.models import Certificate, User, utcnow


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def latest_certificate(session: Session, user: User) -> Certificate | None:
    """The trainee's most recent certificate."""
    return session.scalar(select(Certificate).where(Certificate.user_id == user.id)
                          .order_by(Certificate.sequence.desc()).limit(1))


def issue_certificate_if_complete(session: Session, user: User, progress: CourseProgress,
                                  academy_name: str, now: datetime | None = None) -> Certificate | None:
    """Issue a certificate if `progress` shows the course complete and none was issued yet.

    Safe under races: the (user, sequence) unique constraint lets only one request issue it.
    """
    if not progress.is_complete or latest_certificate(session, user) is not None:
        return None
    now = now or utcnow()
    version = progress.version
    certificate = Certificate(
        serial=new_serial(), user_id=user.id, sequence=1, content_version_id=version.id,
        recipient_name=user.name, course_title=version.title, academy_name=academy_name,
        credit_hours=version.credit_hours, issued_at=now,
        expires_at=add_months(now, version.validity_months) if version.validity_months else None,
        modules=[{"slug": m.module.slug, "title": m.module.title, "score": m.quiz.best_score}
                 for m in progress.modules],
    )
    try:
        with session.begin_nested():
            session.add(certificate)
    except IntegrityError:
        return latest_certificate(session, user)
    record_event(session, user, "certificate.issued", "certificate", certificate.serial,
                 content_version=version.short_hash)
    return certificate


def find_certificate(session: Session, typed_serial: str) -> Certificate | None:
    """The certificate with this serial (typed in any reasonable form). Raises SerialError."""
    serial = normalise_serial(typed_serial)
    return session.scalar(select(Certificate).where(Certificate.serial == serial))
