"""`flask --app app procedures list|set`: fill in the academy's procedures from a setup script."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from course.core.procedures import LOCALES, SLOTS, ProcedureError, procedure_values, save_procedure
from course.extensions import db
from course.models import Role, User

procedures_cli = AppGroup("procedures", help="Fill in the academy's procedures (the slots lessons and job aids show).")


@procedures_cli.command("list")
def list_procedures() -> None:
    """Each slot and the languages it is filled in (or 'not set')."""
    values = procedure_values(db.session)
    for name in SLOTS:
        filled = ", ".join(locale for locale in LOCALES if values.get(name, {}).get(locale))
        click.echo(f"{name}: {filled or 'not set'}")


@procedures_cli.command("set")
@click.argument("name")
@click.option("--lang", "locale", type=click.Choice(LOCALES), default="en", show_default=True)
@click.option("--value", help="The text (Markdown). An empty value clears the slot in this language.")
@click.option("--file", "path", type=click.File(encoding="utf-8"), help="Read the text from this file ('-': stdin).")
@click.option("--as", "admin_email", help="The admin recorded in the audit log (default: the first admin).")
def set_procedure(name: str, locale: str, value: str | None, path, admin_email: str | None) -> None:
    """Set slot NAME in one language, from --value or --file."""
    if (value is None) == (path is None):
        raise click.UsageError("Give exactly one of --value and --file.")
    query = select(User).where(User.role == Role.ADMIN.value, User.active).order_by(User.id)
    admin = db.session.scalar(query.where(User.email == admin_email.strip().lower()) if admin_email else query)
    if admin is None:
        raise click.ClickException("No active admin account to record the change against; create one first.")
    try:
        changed = save_procedure(db.session, admin, name, locale, path.read() if path else value)
    except ProcedureError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{name} ({locale}): {'saved' if changed else 'unchanged'}.")
