"""Steps shared by the outbox tests: an app that writes statements, the worker, and the outbox's rows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from course.extensions import db
from course.models import OutboxMessage, utcnow
from course.outbox.delivery import RunTotals, deliver_due, worker_name

BASE_URL = "https://academy.example"


def deliver(app, batch: int | None = None, worker: str | None = None) -> RunTotals:
    """One pass of the outbox worker, as `flask outbox deliver` runs it."""
    with app.app_context():
        return deliver_due(db.session, worker or worker_name(), batch)


def messages(app, **where) -> list[OutboxMessage]:
    """The outbox rows (detached), oldest first."""
    with app.app_context():
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        rows = list(db.session.scalars(query))
        db.session.expunge_all()
        return rows


def make_due(app) -> None:
    """Let the back-off pass: every pending message is due now."""
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
