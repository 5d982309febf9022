"""The outbox table as a queue: write once per fact, claim without double delivery, record each outcome.

Claiming: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED` lets several workers take disjoint batches; on SQLite
the claim runs in a `BEGIN IMMEDIATE` transaction, so claims are serialised. A claim moves `next_attempt_at` to
the end of a lease: if the worker dies, its messages come due again and another worker sends them (the receiver
dedupes by the fixed id, so that is still once from its point of view).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from course.database import dialect_insert, writer_transaction
from course.models import MessageStatus, OutboxMessage, WebhookEndpoint, utcnow

FIRST_RETRY_SECONDS = 10
MAX_RETRY_SECONDS = 3600


def enqueue(session: Session, kind: str, message_id: str, dedupe_key: str, event: str, payload: dict,
            endpoint_id: int | None = None) -> None:
    """Add a message in the caller's transaction; a fact already written (same `dedupe_key`) is left alone."""
    session.execute(dialect_insert(session)(OutboxMessage).values(
        kind=kind, message_id=message_id, dedupe_key=dedupe_key[:255], event=event, payload=payload,
        endpoint_id=endpoint_id, status=MessageStatus.PENDING, attempts=0, created_at=utcnow(),
        next_attempt_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["dedupe_key"]))


def retry_delay(attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off after `attempts` failures: 10 s, 20 s, 40 s … capped at an hour, with ±10% jitter."""
    seconds = min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), MAX_RETRY_SECONDS)
    return timedelta(seconds=seconds * (rng or random.SystemRandom()).uniform(0.9, 1.1))


@dataclass(frozen=True)
class Claimed:
    """A claimed message as plain values: nothing lazy-loads while the worker talks to the receiver."""

    id: int
    kind: str
    message_id: str
    event: str
    payload: dict
    attempts: int
    endpoint_url: str | None
    endpoint_secret: str | None
    endpoint_active: bool


def claim(session: Session, worker: str, limit: int, lease: timedelta, now: datetime | None = None
          ) -> list[Claimed]:
    """Take up to `limit` due messages for `worker` and commit the claim; they are ours until the lease ends."""
    now = now or utcnow()
    with writer_transaction(session):
        query = (select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.PENDING,
                                                OutboxMessage.next_attempt_at <= now)
                 .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if ids:
            session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                            .values(claimed_by=worker, next_attempt_at=now + lease)
                            .execution_options(synchronize_session=False))
        rows = session.execute(
            select(OutboxMessage, WebhookEndpoint).outerjoin(WebhookEndpoint)
            .where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all() if ids else []
        claimed = [Claimed(m.id, m.kind, m.message_id, m.event, m.payload, m.attempts,
                           e.url if e else None, e.secret if e else None, bool(e and e.active)) for m, e in rows]
    session.commit()
    return claimed


def record_delivered(session: Session, message: Claimed, worker: str, already_there: bool,
                     now: datetime | None = None) -> None:
    """The receiver has the message: mark it delivered (if our claim still holds) and commit."""
    now = now or utcnow()
    _finish(session, message, worker, status=MessageStatus.DELIVERED, delivered_at=now, last_attempt_at=now,
            attempts=OutboxMessage.attempts + 1, redelivered=already_there, claimed_by=None, last_error=None)


def record_failure(session: Session, message: Claimed, worker: str, error: str, max_attempts: int,
                   now: datetime | None = None) -> None:
    """The attempt failed: schedule the next one with back-off, or give up after `max_attempts`; commit."""
    now = now or utcnow()
    attempts = message.attempts + 1
    status = MessageStatus.DEAD if attempts >= max_attempts else MessageStatus.PENDING
    _finish(session, message, worker, status=status, attempts=attempts, last_attempt_at=now,
            last_error=error[:2000], next_attempt_at=now + retry_delay(attempts), claimed_by=None)


def _finish(session: Session, message: Claimed, worker: str, **values) -> None:
    """Write an outcome only while `worker` still holds the claim (a lease that ran out went to another)."""
    with writer_transaction(session):
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.id == message.id, OutboxMessage.claimed_by == worker,
                               OutboxMessage.status == MessageStatus.PENDING)
                        .values(**values).execution_options(synchronize_session=False))
    session.commit()


def send_again(session: Session, message_id: int) -> bool:
    """An admin's retry of a dead message: pending again, due now, attempts counted afresh. Flushes."""
    result = session.execute(update(OutboxMessage)
                             .where(OutboxMessage.id == message_id, OutboxMessage.status == MessageStatus.DEAD)
                             .values(status=MessageStatus.PENDING, attempts=0, next_attempt_at=utcnow())
                             .execution_options(synchronize_session=False))
    return result.rowcount == 1
