"""SQLite's write lock as writers take it (course/database.py `begin_immediate`): a writer waits for the one holding
it in short steps and goes on once it is free, gives up with "database is locked" after its timeout, and leaves the
connection's busy timeout as it found it. Plain driver connections on a file: the database the suite runs on does
not matter."""

import sqlite3
import threading
import time

import pytest

from course.database import BUSY_TIMEOUT_MS, begin_immediate


def connect(path):
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return connection


@pytest.fixture
def pair(tmp_path):
    holder, waiter = connect(tmp_path / "lock.sqlite"), connect(tmp_path / "lock.sqlite")
    holder.execute("CREATE TABLE t (x INTEGER)")
    yield holder, waiter
    holder.close()
    waiter.close()


def test_a_writer_waits_for_the_lock_and_takes_it_once_the_holder_commits(pair):
    holder, waiter = pair
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")

    def commit_later():
        time.sleep(0.05)  # the waiter is waiting by then (its first try failed); the order is checked below
        holder.execute("COMMIT")

    thread = threading.Thread(target=commit_later)
    thread.start()
    begin_immediate(waiter)
    thread.join()
    # It holds the lock only after the holder's commit: it sees that row, and its own write commits.
    assert waiter.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    waiter.execute("INSERT INTO t VALUES (2)")
    waiter.execute("COMMIT")
    assert holder.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS


def test_a_writer_gives_up_with_database_is_locked_after_its_timeout(pair):
    holder, waiter = pair
    holder.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        begin_immediate(waiter, timeout=0.05)
    assert not waiter.in_transaction
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
    holder.execute("COMMIT")
    begin_immediate(waiter)  # free now: taken at once
    assert waiter.in_transaction
    waiter.execute("ROLLBACK")


def test_other_errors_are_not_waited_on(pair):
    _holder, waiter = pair
    waiter.execute("BEGIN")  # already in a transaction: an error of another kind, raised at once
    with pytest.raises(sqlite3.OperationalError, match="within a transaction"):
        begin_immediate(waiter)
    assert waiter.execute("PRAGMA busy_timeout").fetchone()[0] == BUSY_TIMEOUT_MS
