"""The JSON API's credentials and its record of answered write requests."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow
from course.models.cohorts import Cohort


class ApiScope:
    """What a token may do: read everything it can see, or also write."""

    READ = "read"
    WRITE = "write"
    ALL = (READ, WRITE)


class ApiToken(Model):
    """A bearer token for /api/v1. Only the SHA-256 of the token is stored; `prefix` lets people tell tokens apart."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(8))
    # A token limited to one cohort sees only that cohort and its trainees.
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    cohort: Mapped[Cohort | None] = relationship()

    @property
    def can_write(self) -> bool:
        return self.scope == ApiScope.WRITE

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotencyRecord(Model):
    """A write request answered under an Idempotency-Key: a retry with the same key gets the same answer."""

    __tablename__ = "api_idempotency_records"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_tokens.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))  # method, path and body, so a reused key is caught
    status_code: Mapped[int]
    response: Mapped[dict | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
