"""Certificates of completion."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow
from course.models.catalogue import ContentVersion
from course.models.users import User


class CertificateStatus:
    """What a certificate says at a given moment; also used as CSS classes and in tests."""

    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"


class Certificate(Model):
    """A certificate, frozen at issue time so it stays provable years later.

    Its status is derived, not stored: revoked and superseded are recorded facts, expired is a date.
    """

    __tablename__ = "certificates"
    # `sequence` numbers a trainee's certificates; the constraint stops a double issue or renewal.
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
    # When "renewal due" starts showing: expiry minus the course's renewal window at issue time.
    renewal_due_at: Mapped[datetime | None]
    # The Open Badges credential names the trainee by sha256(email + salt), never by plain email.
    subject_salt: Mapped[str] = mapped_column(String(32), server_default=text("''"))
    subject_hash: Mapped[str] = mapped_column(String(80), server_default=text("''"))
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    superseded_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(Text)  # public: shown on the verify page
    revocation_note: Mapped[str | None] = mapped_column(Text)  # internal: admins and the audit log only
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Bumped by every change (revocation, supersession); expiry is a date, so the API also reads expires_at.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])
    content_version: Mapped[ContentVersion] = relationship()
    superseded_by: Mapped[Certificate | None] = relationship(remote_side=[id], foreign_keys=[superseded_by_id])

    def status_at(self, moment: datetime) -> str:
        """`valid`, `expired`, `revoked` or `superseded` at `moment`."""
        if self.revoked_at is not None:
            return CertificateStatus.REVOKED
        if self.superseded_by_id is not None:
            return CertificateStatus.SUPERSEDED
        if self.expires_at is not None and moment >= self.expires_at:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        """The status now."""
        return self.status_at(utcnow())

    @property
    def reissued(self) -> bool:
        """Superseded by a reissue after a correction of the holder's name or email, not by a renewal.

        A reissue keeps the expiry of the certificate it replaces; a renewal always starts a new validity.
        """
        return self.superseded_by is not None and self.superseded_by.expires_at == self.expires_at

    def renewal_due(self, moment: datetime | None = None) -> bool:
        """Whether the trainee should renew now: inside the renewal window or past expiry."""
        moment = moment or utcnow()
        return (self.renewal_due_at is not None and moment >= self.renewal_due_at
                and self.status_at(moment) in (CertificateStatus.VALID, CertificateStatus.EXPIRED))
