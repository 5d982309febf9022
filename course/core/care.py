"""Modules a trainee has paused because the material affects them: read by the trainee's pages and their trainers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from course.database import read
from course.models import ModulePause, User
from course.prepared import Prepared

PAUSES_QUERY = Prepared(select(ModulePause.module_slug, ModulePause.requested_at)  # read on most pages
                        .where(ModulePause.user_id == bindparam("user_id")))


def paused_modules(session: Session, user: User | int) -> dict[str, datetime]:
    """{module slug: when the trainee asked} for every module `user` has paused (one query)."""
    user_id = user if isinstance(user, int) else user.id
    return dict(read(session, PAUSES_QUERY, {"user_id": user_id}).all())
