"""Certificate serials: 80 random bits in Crockford base32, grouped, with a check character.

`7KQ2-M9XD-4RTA-0PHW-Q`: sixteen characters in four groups and a Luhn mod 32 check character,
so any single mistyped character, and any two swapped neighbours except the pair "0Z", is caught
before any lookup.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
BODY_LENGTH = 16
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


class SerialError(ValueError):
    """A serial that cannot be right, with a message for the person who typed it."""


def check_character(body: str) -> str:
    """Luhn mod N check character over `body` (characters of ALPHABET)."""
    factor, total, n = 2, 0, len(ALPHABET)
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_serial() -> str:
    """A fresh random serial, formatted."""
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return format_serial(body + check_character(body))


def format_serial(compact: str) -> str:
    """`7KQ2M9XD4RTA0PHWQ` → `7KQ2-M9XD-4RTA-0PHW-Q`."""
    groups = [compact[i:i + 4] for i in range(0, BODY_LENGTH, 4)]
    return "-".join([*groups, compact[BODY_LENGTH:]])


def normalise_serial(typed: str) -> str:
    """The canonical form of a typed serial: any case, spaces or dashes, O for 0, I or L for 1.

    Raises SerialError when it cannot be a serial.
    """
    compact = re.sub(r"[\s-]", "", typed or "").upper().translate(_CONFUSABLE)
    if len(compact) != BODY_LENGTH + 1 or any(c not in ALPHABET for c in compact):
        raise SerialError(_l("A certificate serial has 17 letters and digits, like 7KQ2-M9XD-4RTA-0PHW-Q."))
    if check_character(compact[:BODY_LENGTH]) != compact[BODY_LENGTH]:
        raise SerialError(_l("This serial has a typing mistake: its last character does not match. "
                             "Please check it against the certificate."))
    return format_serial(compact)
