"""People who use the platform and their roles."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String
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
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.TRAINEE.value)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped when a password changes or an admin signs a user out: older sessions stop working.
    session_version: Mapped[int] = mapped_column(default=1)

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot sign in
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def has_role(self, *roles: Role) -> bool:
        """Whether the user holds one of `roles`."""
        return self.role in {r.value for r in roles}

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"
