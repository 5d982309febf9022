"""Finding people by what a user types: a name, an email or a badge number, any case, in SQL."""

from __future__ import annotations

from sqlalchemy import func, or_

MAX_SEARCH = 200  # characters of a search that are used; longer input is cut here, not refused


def like_pattern(text: str) -> str:
    """`%text%` for LIKE, in lower case, with LIKE's own wildcards in `text` matched literally (escape `\\`)."""
    needle = text.strip().lower()[:MAX_SEARCH]
    return "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def text_match(text: str, *columns):
    """A condition: any of `columns` contains `text`, ignoring case (the columns may be NULL)."""
    pattern = like_pattern(text)
    return or_(*(func.lower(column).like(pattern, escape="\\") for column in columns))
