"""`flask --app app outbox deliver [--watch]`: the worker that sends statements and webhooks; `outbox status`."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.exc import InterfaceError, OperationalError

from course.extensions import db
from course.models import MessageStatus, OutboxMessage
from course.outbox.delivery import run_worker

outbox_cli = AppGroup("outbox", help="Deliver xAPI statements and webhooks waiting in the outbox.")


@outbox_cli.command("deliver")
@click.option("--watch", is_flag=True, help="Keep running: deliver what comes due until stopped (SIGTERM).")
@click.option("--poll", type=click.FloatRange(0.1, 3600), help="Seconds between passes with --watch.")
def deliver(watch: bool, poll: float | None) -> None:
    """Send every message that is due; several workers may run at once."""
    stopping = []
    if watch:
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    try:
        totals = run_worker(db.session, watch, poll or current_app.config["OUTBOX_POLL_SECONDS"],
                            stop=lambda: bool(stopping))
    except KeyboardInterrupt:
        click.echo("Stopped.")
        return
    except (OperationalError, InterfaceError) as error:
        raise click.ClickException(f"The database is unavailable: {error.orig or error}") from None
    click.echo(f"Delivered {totals.delivered}; {totals.failed} attempt(s) failed and will be retried.")


@outbox_cli.command("status")
def status() -> None:
    """How many messages are pending, delivered and given up (dead)."""
    counts = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    click.echo("  ".join(f"{name}: {counts.get(name, 0)}" for name in
                         (MessageStatus.PENDING, MessageStatus.DELIVERED, MessageStatus.DEAD)))
