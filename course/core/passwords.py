"""Password rules per NIST SP 800-63B: a minimum length, no composition rules, no common passwords."""

from __future__ import annotations

import gzip
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from flask_babel import gettext as _

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
# 20,000 common passwords from Django (BSD licence; see NOTICE-common-passwords.txt).
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, lower-cased."""
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    """Whether `password` (ignoring case and surrounding spaces) is on the common-password list."""
    return password.strip().lower() in common_passwords()


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def is_context_word(password: str, context: Iterable[str]) -> bool:
    """Whether `password` is one of the account's own words (its email, the email's name part, the person's
    name), ignoring case and spaces: the context-specific words NIST SP 800-63B asks services to refuse."""
    words = set()
    for word in context:
        if word:
            words.update({_folded(word), _folded(word.partition("@")[0]) if "@" in word else _folded(word)})
    return _folded(password) in words - {""}


def password_problem(password: str, context: Iterable[str] = ()) -> str | None:
    """What is wrong with `password` as a new password, in the reader's language, or None: the one rule for
    every place a password is chosen (forms and the command line). `context`: the account's email and name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)
    if is_common_password(password):
        return _("This password is too common and easy to guess. Choose another.")
    if is_context_word(password, context):
        return _("Do not use your email address or your name as your password. Choose something else.")
    return None
