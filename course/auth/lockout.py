"""Per-account sign-in lockout with exponential back-off, capped so nobody is locked out for long."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from course.models import User, utcnow

FREE_FAILURES = 5  # consecutive failures allowed before any pause
FIRST_PAUSE = timedelta(seconds=30)  # doubles with each further failure...
LONGEST_PAUSE = timedelta(minutes=15)  # ...up to this: a lockout always ends soon


def pause_after(failures: int) -> timedelta | None:
    """How long sign-in pauses after `failures` consecutive failures; None while under the free allowance."""
    if failures < FREE_FAILURES:
        return None
    return min(FIRST_PAUSE * 2 ** min(failures - FREE_FAILURES, 16), LONGEST_PAUSE)


def is_locked(user: User, now: datetime | None = None) -> bool:
    """Whether sign-in for `user` is paused right now."""
    return user.locked_until is not None and user.locked_until > (now or utcnow())


def record_failure(session: Session, user: User, now: datetime | None = None) -> None:
    """Count a failed sign-in atomically and pause the account if the count calls for it. Flushes."""
    now = now or utcnow()
    session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(user, ["failed_logins"])
    pause = pause_after(user.failed_logins)
    if pause is not None:
        user.locked_until = now + pause
    session.flush()


def clear_lockout(user: User) -> None:
    """Forget failed sign-ins: after a successful sign-in or a password set through a one-time link."""
    user.failed_logins = 0
    user.locked_until = None
