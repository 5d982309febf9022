"""Certificates of completion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow
from course.models.catalogue import ContentVersion
from course.models.users import User


class Certificate(Model):
    """A certificate, frozen at issue time so it stays provable years later."""

    __tablename__ = "certificates"
    # `sequence` numbers a trainee's certificates; the constraint stops a double issue.
    __table_args__ = (UniqueConstraint("user_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    sequence: Mapped[int]
    content_version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id"))
    recipient_name: Mapped[str] = mapped_column(String(120))
    course_title: Mapped[str] = mapped_column(String(200))
    academy_name: Mapped[str] = mapped_column(String(200))
    credit_hours: Mapped[float | None]
    modules: Mapped[list]  # [{slug, title, score}]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
    content_version: Mapped[ContentVersion] = relationship()

    def status_at(self, moment: datetime) -> str:
        """`valid`, `expired` or `revoked` at `moment`."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and moment >= self.expires_at:
            return "expired"
        return "valid"
