"""Incremental sync: `updated_since` and keyset pages on (updated_at, id) that stay correct while rows change.

A changed row moves to the end of the order, so a sync that is paging meets it again rather than missing it.
Rows changed in the last few seconds (API_SYNC_SETTLE_SECONDS) wait for the next sync: a transaction that
stamped a row a moment ago may not have committed yet, and a client that moved past its time would miss it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, literal, or_, type_coerce
from sqlalchemy.orm import Session

from course.api.schemas import ListQuery
from course.models import utcnow
from course.models.base import UTCDateTime

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(stamp: datetime, row_id: int) -> str:
    """The last row's (updated_at, id) as `<microseconds since 1970>_<id>`: treat it as opaque."""
    return f"{(stamp - EPOCH) // timedelta(microseconds=1)}_{row_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The (updated_at, id) a cursor carries (its pattern is checked with the other query parameters)."""
    micros, row_id = cursor.split("_")
    return EPOCH + timedelta(microseconds=int(micros)), int(row_id)


def as_stamp(expression) -> ColumnElement:
    """`expression` compared and read as a UTC time on every database."""
    return type_coerce(expression, UTCDateTime())


def keyset_page(session: Session, query: Select, stamp, key, params: ListQuery) -> tuple[list, str | None]:
    """Rows of `query` (each with its stamp and key appended) changed since `params.updated_since`, after
    `params.cursor`, settled, oldest first; and the cursor of the next page (None on the last)."""
    stamp = as_stamp(stamp)
    settle = timedelta(seconds=current_app.config.get("API_SYNC_SETTLE_SECONDS", 2))
    conditions = [stamp <= literal(utcnow() - settle, UTCDateTime())]
    if params.updated_since is not None:
        conditions.append(stamp >= literal(params.updated_since, UTCDateTime()))
    if params.cursor:
        after, after_id = decode_cursor(params.cursor)
        after_stamp = literal(after, UTCDateTime())
        conditions.append(or_(stamp > after_stamp, and_(stamp == after_stamp, key > after_id)))
    rows = session.execute(query.add_columns(stamp.label("sync_stamp"), key.label("sync_key")).where(*conditions)
                           .order_by(stamp, key).limit(params.limit + 1)).all()
    if len(rows) <= params.limit:
        return rows, None
    rows = rows[:params.limit]
    return rows, encode_cursor(rows[-1][-2], rows[-1][-1])
