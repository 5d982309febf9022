"""What the admin pages read: one page of the queue, newest first, by keyset (no work grows with rows not shown)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.models import MessageStatus, OutboxMessage, WebhookEndpoint

QUEUE_PAGE_SIZE = 50
VIEWS = (MessageStatus.PENDING, MessageStatus.DEAD, MessageStatus.DELIVERED)


@dataclass
class QueuePage:
    """The messages shown, and the id to continue from (None on the last page)."""

    rows: list[tuple[OutboxMessage, WebhookEndpoint | None]]
    next_before: int | None


def queue_page(session: Session, status: str, before: int | None, size: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """Messages in `status` with ids below `before`, newest first: one indexed range read of size + 1 rows."""
    query = (select(OutboxMessage, WebhookEndpoint).outerjoin(WebhookEndpoint)
             .where(OutboxMessage.status == status).order_by(OutboxMessage.id.desc()).limit(size + 1))
    if before:
        query = query.where(OutboxMessage.id < before)
    rows = [tuple(row) for row in session.execute(query).all()]
    more = len(rows) > size
    rows = rows[:size]
    return QueuePage(rows, rows[-1][0].id if more else None)
