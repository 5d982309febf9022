"""One-time, expiring password links. Only a SHA-256 of each token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.models import PasswordToken, User, utcnow

SET_PASSWORD_DAYS = 14


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_password_token(user_id: int, purpose: str = "set", created_by: User | None = None,
                       now: datetime | None = None, days: int = SET_PASSWORD_DAYS) -> tuple[str, PasswordToken]:
    """A fresh token (returned once, in clear) and its row to add to the session."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = PasswordToken(user_id=user_id, token_hash=_digest(token), purpose=purpose, created_at=now,
                        expires_at=now + timedelta(days=days), created_by_id=created_by.id if created_by else None)
    return token, row


def find_usable_token(session: Session, token: str, now: datetime | None = None) -> PasswordToken | None:
    """The unused, unexpired token row for `token`, or None."""
    now = now or utcnow()
    row = session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def use_token(session: Session, row: PasswordToken, now: datetime | None = None) -> bool:
    """Mark the token used; False if another request used it first (single use under races)."""
    used = session.execute(
        update(PasswordToken).where(PasswordToken.id == row.id, PasswordToken.used_at.is_(None))
        .values(used_at=now or utcnow()).execution_options(synchronize_session=False)
    ).rowcount
    return used == 1


def spend_password_links(session: Session, user_id: int, now: datetime | None = None) -> int:
    """Mark every unused link of the user used: a password set or changed ends all the others."""
    return session.execute(
        update(PasswordToken).where(PasswordToken.user_id == user_id, PasswordToken.used_at.is_(None))
        .values(used_at=now or utcnow()).execution_options(synchronize_session=False)
    ).rowcount


def issue_password_link(session: Session, actor: User, user: User, days: int = SET_PASSWORD_DAYS) -> str:
    """Give `user` a one-time link (set, or reset if they have a password), audited; returns the token."""
    token, row = new_password_token(user.id, "reset" if user.has_password else "set", actor, days=days)
    session.add(row)
    record_event(session, actor, "user.password_link_issued", "user", user.id, purpose=row.purpose)
    return token


def reissue_set_links(session: Session, actor: User | None, user_ids: list[int],
                      now: datetime | None = None) -> dict[int, str]:
    """New one-time set-password links for `user_ids`, ending every earlier unused link of theirs (so a lost or
    leaked list stops working). Two statements, however many users; returns user id -> token in clear."""
    now = now or utcnow()
    if not user_ids:
        return {}
    session.execute(
        update(PasswordToken).where(PasswordToken.user_id.in_(user_ids), PasswordToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)
    )
    tokens = {user_id: secrets.token_urlsafe(32) for user_id in user_ids}
    session.execute(insert(PasswordToken), [
        {"user_id": user_id, "token_hash": _digest(token), "purpose": "set", "created_at": now,
         "expires_at": now + timedelta(days=SET_PASSWORD_DAYS), "created_by_id": actor.id if actor else None}
        for user_id, token in tokens.items()])
    return tokens
