"""`flask --app app reminders send [--dry-run]`: the emails that are due, for cron or a systemd timer."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from course.core.mail import mail_configured
from course.extensions import db
from course.reminders.deliver import dry_run, send_due

reminders_cli = AppGroup("reminders", help="Send the emails that are due (reminders, links, certificates).")


@reminders_cli.command("send")
@click.option("--dry-run", "dry_run_only", is_flag=True, help="List what would be sent; send and record nothing.")
def send(dry_run_only: bool) -> None:
    """Queue and send every due email once: safe to run again, or twice at the same moment."""
    if not mail_configured():
        raise click.ClickException("Set MAIL_SERVER and PUBLIC_BASE_URL first (docs/operations.md).")
    # Links in emails are built on PUBLIC_BASE_URL. The context is a POST so the run's transactions start as
    # writers (on SQLite, a reader that later writes fails at once when another run committed meanwhile).
    with current_app.test_request_context("/", base_url=current_app.config["PUBLIC_BASE_URL"], method="POST"):
        if dry_run_only:
            count = 0
            for email, kind, subject, status in dry_run(db.session):
                click.echo(f"{kind}\t{email}\t{subject}\t{status}")
                count += 1
            click.echo(f"{count} email(s) would be sent.")
            return
        report = send_due(db.session, batch_size=current_app.config.get("MAIL_BATCH_SIZE", 100))
    queued = ", ".join(f"{kind} {n}" for kind, n in report.queued.items() if n) or "none"
    click.echo(f"Queued: {queued}. Sent {report.sent}, failed {report.failed} (retried next run), "
               f"skipped {report.skipped}.")
    for error in report.errors:
        click.echo(f"SMTP: {error}", err=True)
    if report.errors:
        raise SystemExit(1)
