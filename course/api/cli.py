"""`flask --app app api-tokens …`: create (shown once), list and revoke the API's tokens."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from course.core.api_tokens import TokenError, all_tokens, create_token, revoke_token
from course.extensions import db
from course.models import ApiScope

tokens_cli = AppGroup("api-tokens", help="Tokens for the JSON API (docs/api.md).")


@tokens_cli.command("create")
@click.option("--name", required=True, help="Who or what uses the token, e.g. 'HR system'.")
@click.option("--scope", type=click.Choice(ApiScope.ALL), required=True, help="read, or write (which also reads).")
@click.option("--cohort", "cohort_id", type=click.IntRange(1, 2**31 - 1), help="Limit the token to this cohort.")
def tokens_create(name: str, scope: str, cohort_id: int | None) -> None:
    """Create a token and print it once: only its hash is kept."""
    try:
        token, row = create_token(db.session, None, name=name, scope=scope, cohort_id=cohort_id)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(token)
    click.echo(f"Token {row.id} ({scope}{f', cohort {cohort_id}' if cohort_id else ''}) created. "
               "Copy it now: it is not shown again.", err=True)


@tokens_cli.command("list")
def tokens_list() -> None:
    """Every token: id, prefix, scope, cohort, last use, revoked."""
    for row in all_tokens(db.session):
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "never used"
        state = f"revoked {row.revoked_at.isoformat(timespec='seconds')}" if row.revoked_at else "active"
        cohort = f"cohort {row.cohort_id}" if row.cohort_id else "all cohorts"
        click.echo(f"{row.id}\t{row.prefix}…\t{row.scope}\t{cohort}\t{used}\t{state}\t{row.name}")


@tokens_cli.command("revoke")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def tokens_revoke(token_id: int) -> None:
    """Revoke a token at once."""
    try:
        revoke_token(db.session, None, token_id)
    except TokenError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Token {token_id} revoked.")
