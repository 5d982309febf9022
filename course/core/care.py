"""Modules a trainee has paused because the material affects them: read by the trainee's pages and their trainers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.models import ModulePause, User


def paused_modules(session: Session, user: User | int) -> dict[str, datetime]:
    """{module slug: when the trainee asked} for every module `user` has paused (one query)."""
    user_id = user if isinstance(user, int) else user.id
    rows = session.execute(select(ModulePause.module_slug, ModulePause.requested_at)
                           .where(ModulePause.user_id == user_id))
    return dict(rows.all())
