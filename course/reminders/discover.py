"""Which emails are due now: each kind is one INSERT … SELECT that queues what has no notice yet."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, cast, exists, literal, null, or_, select
from sqlalchemy.orm import Session

from course.core.notices import NOTICE_COLUMNS, member_due_on, queue_notices
from course.models import (
    Certificate,
    Cohort,
    CohortInvitation,
    CohortMember,
    Notice,
    NoticeKind,
    NoticeStatus,
    User,
)

DUE_SOON_DAYS = 7  # "due in 7 days": from a week before the due date until the day before it
OVERDUE_DAYS = 30  # overdue reminders stop a month after the due date (a long-closed cohort sends nothing)
RECENT_DAYS = 30  # invitations and certificates newer than this; older ones predate the reminders run


def _row(user_id, kind: str, subject, cohort_id, now: datetime) -> Select:
    """A notice row in NOTICE_COLUMNS order, each column labelled with its name."""
    values = (user_id, literal(kind), subject, cohort_id, literal(NoticeStatus.PENDING), literal(0),
              literal(now, Notice.__table__.c.created_at.type))
    return select(*(value.label(name) for value, name in zip(values, NOTICE_COLUMNS, strict=True)))


def _has_valid_certificate(now: datetime):
    """The trainee holds a certificate in force: the course is done, so no due-date reminders."""
    return exists().where(Certificate.user_id == User.id, Certificate.revoked_at.is_(None),
                          Certificate.superseded_by_id.is_(None),
                          or_(Certificate.expires_at.is_(None), Certificate.expires_at > now))


def _due_rows(kind: str, today: date, now: datetime) -> Select:
    due = member_due_on()
    window = (and_(due > today, due <= today + timedelta(days=DUE_SOON_DAYS)) if kind == NoticeKind.DUE_SOON
              else and_(due < today, due >= today - timedelta(days=OVERDUE_DAYS)))
    return (_row(User.id, kind, cast(due, Notice.__table__.c.subject.type), Cohort.id, now)
            .select_from(CohortMember).join(Cohort, Cohort.id == CohortMember.cohort_id)
            .join(User, User.id == CohortMember.user_id)
            .where(window, User.active, ~_has_valid_certificate(now)))


def _invitation_rows(today: date, now: datetime) -> Select:
    return (_row(User.id, NoticeKind.INVITATION, cast(CohortInvitation.cohort_id, Notice.__table__.c.subject.type),
                 CohortInvitation.cohort_id, now)
            .select_from(CohortInvitation).join(User, User.id == CohortInvitation.user_id)
            .where(User.active, CohortInvitation.created_at >= now - timedelta(days=RECENT_DAYS)))


def _certificate_rows(kind: str, now: datetime) -> Select:
    moment = (Certificate.issued_at >= now - timedelta(days=RECENT_DAYS) if kind == NoticeKind.CERTIFICATE_ISSUED
              else and_(Certificate.renewal_due_at.is_not(None), Certificate.renewal_due_at <= now))
    return (_row(User.id, kind, cast(Certificate.id, Notice.__table__.c.subject.type), null(), now)
            .select_from(Certificate).join(User, User.id == Certificate.user_id)
            .where(moment, User.active, Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None)))


def due_queries(now: datetime) -> dict[str, Select]:
    """For each kind, the query of notices that are due now (some may exist already)."""
    today = now.date()
    return {
        NoticeKind.INVITATION: _invitation_rows(today, now),
        NoticeKind.DUE_SOON: _due_rows(NoticeKind.DUE_SOON, today, now),
        NoticeKind.OVERDUE: _due_rows(NoticeKind.OVERDUE, today, now),
        NoticeKind.CERTIFICATE_ISSUED: _certificate_rows(NoticeKind.CERTIFICATE_ISSUED, now),
        NoticeKind.RENEWAL_DUE: _certificate_rows(NoticeKind.RENEWAL_DUE, now),
    }


def queue_due_notices(session: Session, now: datetime) -> dict[str, int]:
    """Queue every notice that is due and not yet recorded; returns how many of each kind are new."""
    return {kind: queue_notices(session, query) for kind, query in due_queries(now).items()}


def unrecorded(query: Select) -> Select:
    """The rows of a due query that have no notice yet (for --dry-run, which writes nothing)."""
    rows = query.subquery()
    return select(*rows.c).where(~exists().where(Notice.user_id == rows.c.user_id, Notice.kind == rows.c.kind,
                                                 Notice.subject == rows.c.subject))

