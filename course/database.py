"""Engine behaviour per backend: SQLite pragmas and write transactions that do not deadlock."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

from flask import has_request_context, request
from sqlalchemy import JSON, event
from sqlalchemy.engine import Engine

from course.models.base import UTCDateTime

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def configure_engine(engine: Engine) -> None:
    """Set up SQLite for concurrent use; PostgreSQL needs nothing extra."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A request that may write takes the write lock up front. A deferred transaction that
        # reads and then writes can fail with SQLITE_BUSY when another writer got in between;
        # BEGIN IMMEDIATE waits its turn (busy_timeout) instead.
        writing = has_request_context() and request.method not in SAFE_METHODS
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def render_migration_item(type_: str, obj, autogen_context):
    """Render our column types as plain SQLAlchemy types in generated migrations."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_server_default(context, inspected_column, metadata_column, inspected_default, metadata_default,
                           rendered_metadata_default):
    """Skip JSON columns when migrations are compared with the models: PostgreSQL has no `=` for json.

    Returns None elsewhere, which keeps Alembic's own comparison.
    """
    if isinstance(metadata_column.type, JSON):
        return False
    return None


@contextmanager
def sqlite_foreign_keys_suspended(connection):
    """For a migration that rebuilds a table on SQLite: suspend foreign-key enforcement meanwhile.

    SQLite rebuilds a table by copying it and dropping the original; with foreign keys on, the drop
    cascades into child tables and deletes their rows. `PRAGMA foreign_keys` only changes outside a
    transaction, so the migration's transaction is committed around it, and integrity is checked
    (`PRAGMA foreign_key_check`) before enforcement returns. Other databases: does nothing.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.exec_driver_sql("BEGIN")
    yield  # on an exception Alembic rolls back; the failed connection is not reused by the upgrade
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
    connection.exec_driver_sql("COMMIT")
    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    connection.exec_driver_sql("BEGIN")
