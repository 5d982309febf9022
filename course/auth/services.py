"""Signing in and out: passwords checked with lockout and rehashing, sessions tied to a version, new passwords."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from course.auth.lockout import clear_lockout, is_locked, record_failure
from course.core.accounts import DUMMY_HASH, find_user_by_email, hash_password, needs_rehash, verify_password
from course.core.audit import record_event
from course.core.kept import keep
from course.core.password_links import spend_password_links
from course.core.sso import password_sign_in_allowed
from course.database import read
from course.models import PasswordToken, User, utcnow
from course.prepared import Prepared


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if `password` is theirs and the account is active; None otherwise.

    Rehashes the password when the hashing parameters have changed since it was stored.
    A paused account (see `lockout`) is refused without checking the password; a wrong password
    counts towards the pause. The caller cannot tell these cases apart, so neither can the visitor.
    """
    user = find_user_by_email(session, email)
    stored_hash = user.password_hash if user is not None else DUMMY_HASH
    refused = user is None or is_locked(user)
    directory_only = not refused and not password_sign_in_allowed(session, user)
    # End the read before the deliberately slow hash, so no database lock (SQLite takes its write lock at
    # the start of a POST) is held while hashing. Nothing has been written yet; `user` reloads on use.
    session.rollback()
    matches = verify_password(stored_hash, password)
    if refused or not matches or not user.active or directory_only:
        reason = "unknown_email" if user is None else (
            "paused" if refused else ("wrong_password" if not matches else (
                "deactivated" if not user.active else "directory_only")))
        if user is not None and not refused and not matches:
            record_failure(session, user)
        record_sign_in_failure(session, user, reason)
        return None
    clear_lockout(user)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    record_event(session, user, "auth.signed_in", "user", user.id)
    return user


def record_sign_in_failure(session: Session, user: User | None, reason: str) -> None:
    """Audit a refused sign-in: the account if the email named one, and why; never the password or the email typed.

    Only admins read the audit log; the visitor sees the same answer whatever the reason. The caller commits,
    since the refusal's 422 response would otherwise roll it back.
    """
    record_event(session, None, "auth.sign_in_failed", "user", user.id if user is not None else "", reason=reason)
    session.flush()


_COLUMNS = tuple(prop.key for prop in inspect(User).column_attrs)
USER_ROW = Prepared(select(*(getattr(User, key) for key in _COLUMNS)).where(User.id == bindparam("user_id")))
KEPT_USERS = "dignity.signed_in_users"
KEPT_LIMIT = 4096  # accounts kept per process (one small object each); all forgotten when full


def user_for_session(session: Session, session_id: str) -> User | None:
    """The user a session names as "id:version", if that is still the account's session version.

    Every signed-in request reads the account's row afresh (one prepared query), so a change made anywhere (a role,
    a deactivation, a new session version) counts at once. Building the ORM object from it through a query cost a
    fifth of a lesson page; instead the process keeps one detached copy per account, made from the row, and the
    session takes it in with `merge(load=False)` while the row is the same, which costs a sixth as much. A row that
    changed makes a new copy. The user is an ordinary persistent object of `session` either way.
    """
    ident, _sep, version = session_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    row = read(session, USER_ROW, {"user_id": int(ident)}).first()
    if row is None or row.session_version != int(version):
        return None
    kept: dict = current_app.extensions.setdefault(KEPT_USERS, {}) if has_app_context() else {}
    copy = kept.get(row.id)
    if copy is None or copy[0] != row:
        template = User(**row._asdict())
        make_transient_to_detached(template)  # as if loaded: every column present, no changes pending
        copy = keep(kept, row.id, (tuple(row), template), KEPT_LIMIT)
    return session.merge(copy[1], load=False)


def end_sessions(session: Session, user: User) -> None:
    """Make every session and remember-me cookie of `user` stop working (its session version moves on)."""
    session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(user, ["session_version"])


def set_new_password(session: Session, user: User, password: str, via: str | None = None) -> User:
    """Give `user` a new password (from a link `via` its purpose, or changed on the account page).

    Every other session of the account stops working, every unused password link of it is spent, and any
    sign-in pause is lifted. Audited; flushes.
    """
    user.password_hash = hash_password(password)
    spend_password_links(session, user.id)
    end_sessions(session, user)
    clear_lockout(user)
    if via is None:
        record_event(session, user, "user.password_changed", "user", user.id)
    else:
        record_event(session, user, "user.password_set", "user", user.id, via=via)
    return user


def recent_resets(session: Session, user: User) -> int:
    """Self-service reset links sent to this account in the last hour (stored: every worker sees the same count).

    Links an admin or trainer issued (created_by set) do not count: they are not emailed by the form.
    """
    since = utcnow() - timedelta(hours=1)
    return session.scalar(select(func.count()).select_from(PasswordToken).where(
        PasswordToken.user_id == user.id, PasswordToken.purpose == "reset", PasswordToken.created_by_id.is_(None),
        PasswordToken.created_at > since))
