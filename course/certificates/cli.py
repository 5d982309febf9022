"""`flask --app app keys …`: list and rotate the keys that sign certificate credentials."""

from __future__ import annotations

import getpass

import click
from flask.cli import AppGroup

from course.certificates.keys import key_store
from course.core.accounts import find_user_by_email
from course.core.audit import record_event
from course.extensions import db
from course.models import Role


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, e.g. in some containers
        return "unknown"


keys_cli = AppGroup("keys", help="Signing keys of the Open Badges credentials.")


@keys_cli.command("list")
def keys_list() -> None:
    """Show every published key id; the current signing key is marked."""
    store = key_store()
    current = store.current_kid()
    if current is None:
        click.echo(f"No key yet in {store.directory}; one is made when the first credential is signed.")
        return
    for kid in store.public_keys():
        click.echo(f"{kid}  {'current (signs new credentials)' if kid == current else 'retired (still published)'}")


@keys_cli.command("rotate")
@click.option("--by", "by_email", help="Email of the admin who asked for the rotation (for the audit log).")
def keys_rotate(by_email: str | None) -> None:
    """Make a new signing key. Old public keys stay in /.well-known/jwks.json, so old credentials verify."""
    actor = find_user_by_email(db.session, by_email) if by_email else None
    if by_email and (actor is None or not actor.has_role(Role.ADMIN)):
        raise click.ClickException(f"No admin account with the email {by_email}.")
    old, new = key_store().rotate()
    record_event(db.session, actor, "signing_key.rotated", "signing_key", new, previous_kid=old,
                 via="command line", os_user=_os_user())
    db.session.commit()
    click.echo(f"New signing key {new}." + (f" Key {old} is retired and stays published." if old else ""))
