"""Engine behaviour per backend: SQLite pragmas and write transactions that do not deadlock."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from flask import current_app, has_request_context, request
from sqlalchemy import JSON, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from course.models.base import UTCDateTime
from course.prepared import Prepared
from course.readers import HOLDS_CONNECTION, READER, install_readers, lend_reader

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WRITE_STATEMENTS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
View = TypeVar("View", bound=Callable)
log = logging.getLogger(__name__)
_writer_wanted: ContextVar[bool] = ContextVar("dignity_writer_wanted", default=False)
_writing_first: ContextVar[bool] = ContextVar("dignity_writing_first", default=False)


class UndeclaredWrite(RuntimeError):
    """A GET view wrote to the database without being declared with `writes_on_get` (raised when testing)."""


def writes_on_get(view: View) -> View:
    """Declare that a GET view writes (a lesson visit, an audited download), so its transaction starts as a writer.

    On SQLite a transaction that reads first and writes later cannot become a writer once another process has
    committed since its read began (a stale WAL snapshot): SQLite answers "database is locked" at once and
    busy_timeout never helps. Starting such requests with BEGIN IMMEDIATE makes them wait their turn instead.
    """
    view.writes_on_get = True
    return view


def request_may_write() -> bool:
    """Whether the current request may write: any unsafe method, or a GET view declared with `writes_on_get`."""
    if not has_request_context():
        return False
    if request.method not in SAFE_METHODS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "writes_on_get", False))


def read(session, statement, parameters: dict | None = None):
    """Run a SELECT of plain columns (no ORM entities) on the session's connection, in its transaction, after
    flushing pending changes as an ORM query would (unless the caller turned autoflush off).

    For the small queries every page runs (the live version, the settings, a trainee's progress): it skips the ORM's
    execution layer, about half the CPU of `session.execute` for such a query, and returns the same rows. A
    `Prepared` statement (course/prepared.py) also skips Core's per-execution work and runs on the driver's cursor;
    in a request that only reads, and before the session has begun a transaction, it runs on the worker's reader
    connection instead (course/readers.py), so a page whose reads are all prepared never begins or ends one."""
    if session.autoflush:
        session.flush()
    if isinstance(statement, Prepared):
        return statement.execute(_connection_for(session), parameters)
    return session.connection().execute(statement, parameters)


def _connection_for(session):
    info = session.info
    if info.get(HOLDS_CONNECTION):  # in a transaction (a writer's, or the session's own on the reader)
        return session.connection()
    connection = info.get(READER)
    if connection is None or connection.invalidated:  # lost midway: the error page reads on a new one
        engine = session.get_bind().engine
        if not has_request_context() or request_may_write() or not hasattr(engine, "dignity_readers"):
            return session.connection()
        # The session's own queries (the ORM's) run on it too: one connection for the request, in autocommit.
        connection = info[READER] = session.bind = lend_reader(engine)
    return connection


def dialect_insert(session):
    """The database's own INSERT, which can skip or update a row that exists (ON CONFLICT): PostgreSQL or SQLite."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        raise RuntimeError(f"INSERT … ON CONFLICT needs PostgreSQL or SQLite, not {dialect}")
    return (postgresql if dialect == "postgresql" else sqlite).insert


def configure_engine(engine: Engine) -> None:
    """Set up SQLite for concurrent use, and on every database refuse GET views that write undeclared."""
    event.listen(engine, "before_cursor_execute", _check_declared_write)
    install_readers(engine)
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        # A request that may write takes the write lock up front. A deferred transaction that
        # reads and then writes fails at once with SQLITE_BUSY when another writer committed
        # since its read began; BEGIN IMMEDIATE waits its turn (busy_timeout) instead.
        if connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
            return  # a reader connection (course/readers.py): each statement its own transaction
        writer = request_may_write() or _writer_wanted.get()
        # Straight to the driver: SQLAlchemy's statement layer (events, an execution context) for one BEGIN cost
        # about a twentieth of a signed-in page.
        driver = connection.connection.driver_connection
        if writer:
            begin_immediate(driver)
        else:
            driver.execute("BEGIN")


BUSY_TIMEOUT_MS = 10_000  # how long a statement waits for another connection's lock before "database is locked"


def begin_immediate(driver: sqlite3.Connection, timeout: float = BUSY_TIMEOUT_MS / 1000) -> None:
    """BEGIN IMMEDIATE: take SQLite's write lock, waiting up to `timeout` seconds for the writer holding it.

    SQLite's own busy handler (`busy_timeout`) waits in growing steps, 25 to 100 ms once a wait passes 40 ms, so
    under load a waiting worker sleeps on while the lock is free again after a few milliseconds, and the cores
    idle. Here the wait is short steps instead (at most 2 ms), the busy handler switched off for the attempt.
    """
    driver.execute("PRAGMA busy_timeout=0")
    try:
        deadline, pause = time.monotonic() + timeout, 0.0002
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.002)
    finally:
        driver.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


@contextmanager
def writer_transaction(session):
    """Outside a request (a worker): run the block in a transaction that starts as a writer.

    On SQLite that is BEGIN IMMEDIATE, taken before the block reads, so two workers claiming at once take turns
    instead of one failing with "database is locked". The session must not be in a transaction already.
    """
    if session.in_transaction():
        raise RuntimeError("writer_transaction needs a session outside any transaction")
    token = _writer_wanted.set(True)
    try:
        session.connection()  # begins the transaction now, as a writer
    finally:
        _writer_wanted.reset(token)
    yield


@contextmanager
def write_first(session):
    """Inside a GET request that mostly reads: end what was read, run the block in a transaction of its own that
    starts as a writer, commit it, and go on reading in a new transaction.

    For upkeep a page needs only now and then (a cohort page bringing stale summaries up to date): its other views
    read in a plain transaction and never take the write lock.
    """
    session.commit()
    token = _writing_first.set(True)
    reader = session.bind if isinstance(session.bind, Connection) else None
    session.bind = session.bind.engine  # a read-only request's session reads on a reader: write on a pooled connection
    try:
        with writer_transaction(session):
            yield
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        _writing_first.reset(token)
        if reader is not None:
            session.bind = reader


def _check_declared_write(_conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    """Catch a GET view that writes without `writes_on_get`: on SQLite it would fail under load.

    Raises while testing, so the suite finds every such view on either database; in production it logs.
    """
    if (has_request_context() and request.method in SAFE_METHODS and not _writing_first.get()
            and statement.lstrip()[:7].upper().startswith(WRITE_STATEMENTS) and not request_may_write()):
        message = f"GET view {request.endpoint} writes to the database; declare it with @writes_on_get"
        if current_app.testing:
            raise UndeclaredWrite(message)
        log.error(message)


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
