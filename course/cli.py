"""Command-line interface: `flask --app app content|users|setup …` (migrations are `flask db …`)."""

from __future__ import annotations

import random
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from course.api.cli import tokens_cli
from course.backup import backup_command
from course.certificates.cli import keys_cli
from course.content.checks import check_course
from course.content.curriculum import render_curriculum
from course.content.gift_cli import export_gift_command, import_gift_command
from course.content.publish import ContentInvalid, sync_content
from course.core.accounts import AccountError, create_user, find_user_by_email, name_problem, normalise_email
from course.core.catalogue import load_live_version
from course.core.passwords import password_problem
from course.core.standings import rebuild
from course.demo import seed_demo_cohort
from course.extensions import alembic, db
from course.lti.cli import lti_cli
from course.models import UNUSABLE_PASSWORD, Role, User
from course.outbox.cli import outbox_cli
from course.procedures.cli import procedures_cli
from course.reminders.cli import reminders_cli

DEMO_ACCOUNTS = [
    ("admin@academy.example", "Alex Admin", Role.ADMIN),
    ("trainer@academy.example", "Tae-yang Trainer", Role.TRAINER),
    ("trainee1@academy.example", "Min-ji Park", Role.TRAINEE),
    ("trainee2@academy.example", "Sam Rivera", Role.TRAINEE),
    ("trainee3@academy.example", "Jordan Lee", Role.TRAINEE),
]

content_cli = AppGroup("content", help="Check and publish the course files in modules/.")
content_cli.add_command(import_gift_command)
content_cli.add_command(export_gift_command)
users_cli = AppGroup("users", help="Manage user accounts.")


@content_cli.command("check")
def content_check() -> None:
    """Validate modules/ and report every problem with file, line and reason."""
    root = Path(current_app.config["CONTENT_DIR"])
    course = check_course(root)
    for problem in course.problems:
        click.echo(str(problem), err=True)
    if course.problems:
        raise click.ClickException(f"{len(course.problems)} problem(s) found in {root}.")
    lessons = sum(len(m.lessons) for m in course.modules)
    questions = sum(len(m.questions) for m in course.modules)
    exam = sum(len(m.exam_questions) for m in course.modules)
    click.echo(f"OK: {len(course.modules)} modules, {lessons} lessons, {questions} quiz questions, "
               f"{exam} exam questions (content version {course.content_hash[:10]}).")
    for parity in course.parity.values():
        click.echo(parity.summary())
    if course.drafts:
        click.echo(f"{len(course.drafts)} draft question(s) waiting in drafts.yaml (never drawn until completed "
                   "and moved into quiz.yaml):")
    for draft in course.drafts:
        click.echo(f"  {draft.path}:{draft.line}: {draft.id}: {'; '.join(draft.lacks) or 'marked as a draft'}")


@content_cli.command("curriculum")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file, not stdout.")
def content_curriculum(output: str | None) -> None:
    """Render the curriculum map (docs/curriculum.md) from modules/."""
    course = check_course(Path(current_app.config["CONTENT_DIR"]))
    if course.problems:
        raise click.ClickException("Fix the problems 'content check' reports first.")
    text = render_curriculum(course)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}.")
    else:
        click.echo(text, nl=False)


@content_cli.command("sync")
def content_sync() -> None:
    """Publish modules/ into the database (idempotent)."""
    _sync()


def _sync() -> None:
    root = Path(current_app.config["CONTENT_DIR"])
    try:
        result = sync_content(db.session, root)
    except ContentInvalid as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Content not published: fix the problems above "
                                   "('flask --app app content check').") from exc
    db.session.commit()
    state = "published" if result.created else ("made live" if result.activated else "already live")
    if result.pinned is not None:
        state = ("published, not made live" if result.created else "not made live") + (
            f": an admin pinned version {result.pinned.short_hash} (Admin > Content: follow new content"
            " automatically)")
    click.echo(f"Content version {result.version.short_hash} {state}.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.TRAINEE.value, show_default=True)
def users_create(email: str, name: str, role: str) -> None:
    """Create an account. The password is asked for, or read from the first line of stdin."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = name_problem(name) or password_problem(password, (email, name))
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_user(db.session, email=email, name=name, password=password, role=Role(role))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Migrate the database, publish modules/ and create demo accounts on first run."""
    alembic.upgrade()
    click.echo("Database is up to date.")
    _sync()
    if db.session.scalar(select(func.count(User.id))):
        click.echo(f"Accounts exist already. Demo passwords, if any, are in {_demo_file()}.")
        return
    lines = []
    for email, name, role in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(12)
        create_user(db.session, email=email, name=name, password=password, role=role)
        lines.append(f"{role.value:8} {email:28} {password}")
    db.session.commit()
    _demo_file().write_text("\n".join(lines) + "\n", encoding="utf-8")
    _demo_file().chmod(0o600)
    click.echo("Demo accounts (also saved in instance/demo-accounts.txt):")
    for line in lines:
        click.echo("  " + line)


def _demo_file() -> Path:
    return Path(current_app.instance_path) / "demo-accounts.txt"


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app's `flask` command."""
    app.cli.add_command(content_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(lti_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(procedures_cli)
    app.cli.add_command(setup)
    app.cli.add_command(demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(standings_cli)


@click.command("demo")
@click.option("--trainees", default=25, show_default=True, type=click.IntRange(1, 100_000),
              help="How many trainees the demo cohort has.")
@click.option("--trainer", "trainer_email", default="trainer@academy.example", show_default=True,
              help="Email of the trainer who runs the cohort (created if missing, without a password).")
@click.option("--seed", type=int, help="Random seed, for a repeatable cohort.")
@with_appcontext
def demo(trainees: int, trainer_email: str, seed: int | None) -> None:
    """Seed a realistic demo cohort with varied progress, attempts, scores and certificates."""
    version = load_live_version(db.session)
    if version is None:
        raise click.ClickException("Publish the course first: flask --app app content sync")
    trainer = find_user_by_email(db.session, trainer_email)
    if trainer is None:
        trainer = User(email=normalise_email(trainer_email), name="Demo Trainer", password_hash=UNUSABLE_PASSWORD,
                       role=Role.TRAINER.value)
        db.session.add(trainer)
        db.session.flush()
    rng = random.Random(seed)  # noqa: S311 - demo data, not secrets
    cohort = seed_demo_cohort(db.session, version, trainer, trainees, rng)
    db.session.commit()
    click.echo(f"Created '{cohort.name}' (id {cohort.id}) for {trainer.email}: /trainer/cohorts/{cohort.id}")


standings_cli = AppGroup("standings", help="The summaries the cohort pages read (docs/performance.md).")


@standings_cli.command("rebuild")
@with_appcontext
def rebuild_standings() -> None:
    """Work out every trainee's standing in the live course again from their records (safe at any time)."""
    version = load_live_version(db.session)
    if version is None:
        raise click.ClickException("Publish the course first: flask --app app content sync")
    ids = list(db.session.scalars(select(User.id).where(User.role == Role.TRAINEE.value).order_by(User.id)))
    written = 0
    for start in range(0, len(ids), 2000):  # a transaction per batch: other writers are not held up for long
        written += rebuild(db.session, version, ids[start:start + 2000])
        db.session.commit()
    click.echo(f"Rebuilt the standings of {written:,} trainees against content version {version.content_hash[:12]}.")
