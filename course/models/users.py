"""People who use the platform and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from course.models.base import Model, utcnow


class Role(enum.StrEnum):
    """What a person may do: trainees learn, trainers run cohorts, admins govern."""

    TRAINEE = "trainee"
    TRAINER = "trainer"
    ADMIN = "admin"


class User(UserMixin, Model):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    badge_number: Mapped[str | None] = mapped_column(String(40))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.TRAINEE.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every change to the row: the API's `updated_since`.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    # Bumped when a password changes or an admin signs a user out: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    # Sign-in lockout: consecutive failures and the time before which sign-in is refused (always time-bound).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    # The interface language the user chose with the language switch; None follows the browser.
    locale: Mapped[str | None] = mapped_column(String(8))
    # The IANA time zone the user chose (e.g. "Asia/Seoul"); None uses the academy's default time zone.
    time_zone: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds one of `roles`."""
        return self.role in {r.value for r in roles}

    @property
    def has_password(self) -> bool:
        """False for accounts created by a bulk import until their owner sets a password."""
        return self.password_hash != UNUSABLE_PASSWORD

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


# The academy-wide search (admin.services.find_users) finds an exact email or badge number through these.
Index("ix_users_email_lower", func.lower(User.email))
Index("ix_users_badge_number_lower", func.lower(User.badge_number))
Index("ix_users_name_lower", func.lower(User.name), User.id)  # lists by name: cohort pages, admin search

UNUSABLE_PASSWORD = "!"  # noqa: S105 - not a password: no Argon2 hash matches it, so nobody can sign in


class PasswordToken(Model):
    """A one-time, expiring link to set or reset a password. Only the token's hash is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "set" (new account) or "reset"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
