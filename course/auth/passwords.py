"""Password rules per NIST SP 800-63B: a minimum length, no composition rules, no common passwords."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

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
