"""Accounts: creating users, finding them by email, hashing and checking passwords."""

from __future__ import annotations

import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.models import Role, User

# Argon2id with the library's RFC 9106 "low memory" defaults; tests use cheap parameters.
_HASHER = PasswordHasher()
_FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
# Checked against when an email is unknown, so sign-in takes as long either way.
DUMMY_HASH = _HASHER.hash("dummy-password-for-timing")


# Bidirectional embeddings, overrides and isolates, and the invisible marks: a name printed on a certificate
# or a public verify page must read as it is stored ("Kim" must not display as something else).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn", "Zl", "Zp"})  # controls, surrogates, unassigned, breaks


def name_problem(name: str) -> str | None:
    """What is wrong with `name` as a person's name, in the reader's language, or None (the one rule for forms,
    imports and the command line): no control, bidirectional-override or line-break characters."""
    if any(ch in BIDI_CONTROLS or unicodedata.category(ch) in REFUSED_CATEGORIES for ch in name):
        return _("Names may not contain control characters or text-direction overrides.")
    return None


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
        raise AccountError(_("An account with that email already exists."))
    user = User(email=normalise_email(email), name=name.strip(), password_hash=hash_password(password),
                role=Role(role).value)
    try:
        with session.begin_nested():  # another request may take the email between the check and the insert
            session.add(user)
    except IntegrityError:
        raise AccountError(_("An account with that email already exists.")) from None
    return user


def check_password(user: User, password: str) -> bool:
    """Whether `password` is the user's current password (for re-authentication on the account page)."""
    return verify_password(user.password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """Whether a stored hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches `password_hash` (False for a malformed hash)."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
