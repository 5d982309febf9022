"""Emails the academy sends on its own (reminders, links, certificates) and the secret calendar feed URLs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from course.models.base import Model, utcnow


class NoticeKind:
    """What an email is about; `subject` on the row says which one (a due date, a cohort, a certificate)."""

    INVITATION = "invitation"  # subject: the cohort id
    PASSWORD_LINK = "password_link"  # noqa: S105 - not a secret. subject: when a trainer asked (minute)
    DUE_SOON = "due_soon"  # subject: the due date
    OVERDUE = "overdue"  # subject: the due date
    CERTIFICATE_ISSUED = "certificate_issued"  # subject: the certificate id
    RENEWAL_DUE = "renewal_due"  # subject: the certificate id

    ALL = (INVITATION, PASSWORD_LINK, DUE_SOON, OVERDUE, CERTIFICATE_ISSUED, RENEWAL_DUE)


class NoticeStatus:
    """Where a notice is: waiting, claimed by a run that is sending it, sent, failed (retried next run) or skipped."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing left to say (they set a password, the cohort was deleted): not sent


class Notice(Model):
    """One email to one recipient about one thing. The unique constraint is what makes sending idempotent:
    a second or concurrent run cannot create, and so cannot send, the same notice twice."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("user_id", "kind", "subject", name="uq_notices_user_id_kind_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(64))
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(32))  # the run sending it now
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]


class CalendarFeed(Model):
    """A trainee's secret calendar URL. Only a SHA-256 of the token is stored; deleting the row revokes it."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
