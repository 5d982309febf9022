"""Reader connections: autocommit connections a request that only reads borrows for its reads.

`course.database.read` lends one to a GET request at its first prepared read, before its session has begun a
transaction, and binds the session to it (so the ORM's queries run there too); the request gives it back at its end.
Tracking whether a session holds a connection, and whether its commit has anything to do, lives here too.
"""

from __future__ import annotations

import os

from flask import g
from sqlalchemy import event
from sqlalchemy.engine import Engine

HOLDS_CONNECTION = "dignity_holds_connection"  # session.info: its transaction has begun on a connection
READER = "dignity_reader"  # session.info: the reader connection this request reads on, once chosen


def install_readers(engine: Engine) -> None:
    """Give `engine` its list of idle reader connections (closed when the engine is disposed)."""
    engine.dignity_readers = [os.getpid(), []]  # the process and its idle reader connections
    event.listen(engine, "engine_disposed", _close_idle_readers)


def lend_reader(engine: Engine):
    """An autocommit connection to `engine` for a request that only reads, from the engine's idle ones (given back
    at the end of the request by `give_back_readers`).

    Each statement on it sees what was committed when it started: PostgreSQL's READ COMMITTED, which every request
    there has anyway; on SQLite, each statement's own snapshot instead of one for the request. A request that may
    write, or whose session has begun a transaction on a pooled connection, reads in that transaction instead, so it
    sees its own changes and a writer's reads stay inside its lock. Beginning, committing and closing a transaction,
    and taking a pooled connection and giving it back, were about a seventh of a lesson page; a list's pop and append
    are not. A lost connection is closed rather than lent again; a forked process makes its own (the parent's are
    left alone); disposing of the engine closes the idle ones. Each request that reads this way holds one connection
    besides any its session takes from the pool."""
    idle = idle_readers(engine)
    while True:
        try:
            connection = idle.pop()
        except IndexError:
            connection = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            break
        if not connection.invalidated and not connection.closed:
            break
        connection.close()
    g.setdefault("dignity_readers", []).append((engine, connection))
    return connection


def give_back_readers(_error=None) -> None:
    """At the end of a request (teardown): its reader connections become idle again, or are closed if lost."""
    for engine, connection in g.pop("dignity_readers", ()):
        if connection.invalidated or connection.closed:
            connection.close()
            continue
        if connection.in_transaction():  # a session not closed yet: its transaction (SQLAlchemy's alone) ends here
            connection.rollback()
        idle_readers(engine).append(connection)


def idle_readers(engine: Engine) -> list:
    """The reader connections to `engine` not lent to a request now (they stay checked out of its pool)."""
    kept = engine.dignity_readers
    if kept[0] != os.getpid():  # forked: the parent's connections are not this process's to use or close
        kept[:] = [os.getpid(), []]
    return kept[1]


def _close_idle_readers(engine: Engine) -> None:
    """After `engine.dispose()`: close the idle readers for good (given back, they would join the old pool and
    stay open, as a restore that replaces SQLite's file must not find them)."""
    idle, engine.dignity_readers = idle_readers(engine), [os.getpid(), []]
    for connection in idle:
        connection.detach()
        connection.close()


def has_work(session) -> bool:
    """Whether ending the session's transaction has anything to do: changes not yet flushed, or a transaction on a
    pooled connection. A request that only read, on a reader connection (its session's queries included: their
    transaction there is SQLAlchemy's alone, the connection being in autocommit), has neither and skips the commit;
    closing the session at the end of the request ends it."""
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.info.get(HOLDS_CONNECTION)) and session.bind is not session.info.get(READER)


def track_connections(session_factory) -> None:
    """Note in `session.info` whether the session's transaction holds a connection (for `read`)."""

    @event.listens_for(session_factory, "after_begin")
    def _begun(session, _transaction, _connection) -> None:
        session.info[HOLDS_CONNECTION] = True

    @event.listens_for(session_factory, "after_transaction_end")
    def _ended(session, transaction) -> None:
        if transaction.parent is None:
            session.info.pop(HOLDS_CONNECTION, None)

