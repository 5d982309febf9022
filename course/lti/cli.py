"""`flask --app app lti …`: register platforms, send queued grades, sync course rosters, print the tool's URLs."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup

from course.extensions import db
from course.lti.grades import next_due_score
from course.lti.platforms import PlatformError, PlatformFields, all_platforms, register_platform, tool_urls
from course.models import LtiPlatform, utcnow

lti_cli = AppGroup("lti", help="LTI 1.3: learning platforms that place Dignity in their courses.")


def _public(endpoint: str) -> str:
    base = current_app.config.get("PUBLIC_BASE_URL") or "https://dignity.example"
    with current_app.test_request_context():
        return base.rstrip("/") + url_for(endpoint)


@lti_cli.command("urls")
def urls() -> None:
    """Print the addresses to paste into the platform (from PUBLIC_BASE_URL)."""
    for name, url in tool_urls(_public).items():
        click.echo(f"{name:10} {url}")


@lti_cli.command("add-platform")
@click.option("--name", default="", help="A name for admins, e.g. 'Academy Moodle'.")
@click.option("--issuer", required=True, help="The platform's issuer (Moodle: its address; Canvas: https://canvas.instructure.com).")
@click.option("--client-id", required=True, help="The client ID the platform gave Dignity.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authentication URL.")
@click.option("--auth-token-url", required=True, help="The platform's access token URL.")
@click.option("--key-set-url", required=True, help="The platform's public keyset (JWKS) URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, required=True, help="A deployment ID (repeatable).")
@click.option("--match-email/--no-match-email", default=False, show_default=True,
              help="Link a first launch to an account with the same email (only if the platform's emails are trusted).")
def add_platform(name, issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployment_ids,
                 match_email) -> None:
    """Register a learning platform (or update the one with this issuer and client ID)."""
    fields = PlatformFields(name, issuer, client_id, auth_login_url, auth_token_url, key_set_url,
                            tuple(deployment_ids), match_email)
    try:
        platform, created = register_platform(db.session, fields)
    except PlatformError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{'Registered' if created else 'Updated'} platform {platform.id}: {platform.name} "
               f"(deployments: {', '.join(platform.deployment_ids)}).")


@lti_cli.command("list-platforms")
def list_platforms() -> None:
    """List the registered platforms."""
    for p in all_platforms(db.session):
        state = "active" if p.active else "paused"
        click.echo(f"{p.id}\t{p.name}\t{p.issuer}\t{p.client_id}\t{','.join(p.deployment_ids)}\t{state}")


@lti_cli.command("send-grades")
@click.option("--limit", default=500, show_default=True, type=click.IntRange(1, 100_000))
def send_grades(limit: int) -> None:
    """Post queued scores to the platforms' gradebooks; failures are retried later (run it every minute)."""
    # Imported here, not above: the LTI library (with requests, ~15 MB) loads only for the commands that use it,
    # not in every serving worker (create_app registers these commands).
    from course.lti.sending import http_session, send_score
    from course.lti.storage import forget_expired

    sent = failed = 0
    http = http_session()
    for _ in range(limit):
        score = next_due_score(db.session, utcnow())
        if score is None:
            break
        ok = send_score(db.session, score, http, utcnow())
        db.session.commit()  # each score on its own: a crash halfway loses nothing and resends nothing sent
        sent, failed = sent + ok, failed + (not ok)
    forget_expired(db.session)
    db.session.commit()
    click.echo(f"{sent} score(s) sent, {failed} to retry.")


@lti_cli.command("sync-rosters")
@click.option("--platform", "platform_id", type=int, help="Only this platform's courses.")
def sync_rosters(platform_id: int | None) -> None:
    """Read every course roster (Names and Role Provisioning) into its cohort."""
    # Imported here, not above: the LTI library (with requests, ~15 MB) loads only for the commands that use it,
    # not in every serving worker (create_app registers these commands).
    from course.lti.roster import RosterUnavailable, contexts_with_rosters, sync_roster
    from course.lti.sending import http_session

    if platform_id is not None and db.session.get(LtiPlatform, platform_id) is None:
        raise click.ClickException(f"No platform {platform_id}.")
    http, problems = http_session(), 0
    for context in contexts_with_rosters(db.session):
        if platform_id is not None and context.platform_id != platform_id:
            continue
        try:
            result = sync_roster(db.session, context, http)
        except RosterUnavailable as error:
            db.session.rollback()
            problems += 1
            click.echo(f"{context.title or context.context_id}: roster unavailable ({error})", err=True)
            continue
        db.session.commit()
        click.echo(f"{context.title or context.context_id}: {result.members} trainees, {result.trainers} trainers.")
    if problems:
        raise click.ClickException(f"{problems} roster(s) could not be read; try again later.")
