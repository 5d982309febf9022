"""`flask backup`: a consistent copy of the database while the app keeps running."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from course.extensions import db

PG_DUMP_HELP = """This database is PostgreSQL: back it up with pg_dump, which takes a consistent snapshot
while the app runs:

    pg_dump --format=custom --file=dignity-$(date -u +%Y%m%dT%H%M%SZ).dump "$DATABASE_URL"

(use a postgresql:// URL, without "+psycopg"). Restore into an empty database with:

    pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" dignity-....dump

See docs/operations.md."""


def sqlite_path() -> Path | None:
    """The file of the SQLite database, or None for any other database."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy `source` to `target` with SQLite's online backup API; returns the number of pages copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(target)
    src, dst = sqlite3.connect(source, timeout=30), sqlite3.connect(target)
    try:
        src.backup(dst)  # one consistent snapshot, even while requests write (they wait or retry)
        pages = dst.execute("PRAGMA page_count").fetchone()[0]
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        src.close()
        dst.close()
    if check != "ok":
        raise RuntimeError(f"The backup failed its integrity check: {check}")
    return pages


@click.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the copy (default: <instance>/backups/dignity-<UTC time>.db).")
@with_appcontext
def backup_command(output: Path | None) -> None:
    """Write a consistent copy of the SQLite database (for PostgreSQL, explains pg_dump)."""
    source = sqlite_path()
    if source is None:
        raise click.ClickException(PG_DUMP_HELP)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = output or Path(current_app.instance_path) / "backups" / f"dignity-{stamp}.db"
    try:
        pages = backup_sqlite(source, target)
    except FileExistsError as exc:
        raise click.ClickException(f"{exc} already exists; choose another --output.") from exc
    click.echo(f"Backed up {source} to {target} ({pages} pages). Restore: see docs/operations.md.")
