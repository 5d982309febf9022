"""Accounts: creating users, hashing and checking passwords."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.auth.lockout import clear_lockout, is_locked, record_failure
from course.models import Role, User

# Argon2id with the library's RFC 9106 "low memory" defaults; tests use cheap parameters.
_HASHER = PasswordHasher()
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Checked against when an email is unknown, so sign-in takes as long either way.
_DUMMY_HASH = _HASHER.hash("dummy-password-for-timing")


class AccountError(ValueError):
    """A request about an account that cannot be carried out, with a message for the user."""


def _hasher() -> PasswordHasher:
    return _FAST_HASHER if current_app.config.get("PASSWORD_HASH_FAST") else _HASHER


def hash_password(password: str) -> str:
    """An Argon2id hash of `password`."""
    return _hasher().hash(password)


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return email.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    """The user with `email`, if any."""
    return session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def create_user(session: Session, *, email: str, name: str, password: str,
                role: Role = Role.TRAINEE) -> User:
    """Create an account. Raises AccountError if the email is taken. Flushes, does not commit."""
    if find_user_by_email(session, email) is not None:
        raise AccountError("An account with that email already exists.")
    user = User(email=normalise_email(email), name=name.strip(), password_hash=hash_password(password),
                role=Role(role).value)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if `password` is theirs and the account is active; None otherwise.

    Rehashes the password when the hashing parameters have changed since it was stored.
    A paused account (see `lockout`) is refused without checking the password; a wrong password
    counts towards the pause. The caller cannot tell these cases apart, so neither can the visitor.
    """
    user = find_user_by_email(session, email)
    stored_hash = user.password_hash if user is not None else _DUMMY_HASH
    refused = user is None or is_locked(user)
    # End the read before the deliberately slow hash, so no database lock (SQLite takes its write lock at
    # the start of a POST) is held while hashing. Nothing has been written yet; `user` reloads on use.
    session.rollback()
    matches = _verify(stored_hash, password)
    if refused:
        return None
    if not matches:
        record_failure(session, user)
        return None
    if not user.active:
        return None
    clear_lockout(user)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the user's current password (for re-authentication on the account page)."""
    return _verify(user.password_hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
