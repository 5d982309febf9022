"""One page of a long list: the page number from the request, and the rows of that page in one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from sqlalchemy import Select
from sqlalchemy.orm import Session

MAX_PAGE = 100_000  # beyond any real list; keeps OFFSET within what every database accepts


@dataclass
class Page:
    """The rows of one page, its number, and whether another follows."""

    items: list[Any]
    number: int
    has_more: bool


def page_number() -> int:
    """The `page` query argument, from 1 to MAX_PAGE (anything else is page 1 or the last allowed)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)


def paginate(session: Session, query: Select, number: int, size: int, rows: bool = False) -> Page:
    """Page `number` of `query`, `size` rows a page: reads one row more to know whether another page follows.

    `rows=True` for a query that selects several entities (rows of tuples) rather than one.
    """
    limited = query.offset((number - 1) * size).limit(size + 1)
    found = list(session.execute(limited).all() if rows else session.scalars(limited).all())
    return Page(found[:size], number, len(found) > size)
