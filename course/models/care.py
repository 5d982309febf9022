"""Care for trainees: a module a trainee has paused because the material affects them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from course.models.base import Model, utcnow


class ModulePause(Model):
    """A trainee paused a module and asked their trainers for an alternative arrangement.

    Deliberately no reason: a trainer sees only that the trainee asked, and when. Resuming deletes the row
    (the audit log keeps that it happened).
    """

    __tablename__ = "module_pauses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
