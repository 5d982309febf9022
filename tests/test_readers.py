"""Read-only requests read on a borrowed autocommit connection and never begin a transaction; requests that may
write read inside their own transaction (course/readers.py)."""

import os
import sqlite3
import threading

import pytest
from flask import g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from course.core.catalogue import LIVE
from course.database import read
from course.extensions import db
from course.models import ContentVersion
from course.readers import give_back_readers, idle_readers
from tests.conftest import csrf_token, signed_in

LESSON = "/modules/basics/lessons/first"


@pytest.fixture
def reader_client(app, make_user):
    client = signed_in(app, make_user())
    assert client.get(LESSON + "?note=read").status_code == 200  # the visit is recorded: later views only read
    for _ in range(2):  # the first pages after signing in may still settle the session (a new cookie)
        client.get("/modules/basics")
    return client


class Watch:
    """The transactions sessions begin, and the connection each statement runs on, while it is active."""

    def __init__(self, app):
        self.begun, self.connections = 0, []
        with app.app_context():
            self.engine, self.sessionmaker = db.engine, db.sessionmaker

    def _begun(self, *_args):
        self.begun += 1

    def _statement(self, connection, _cursor, statement, *_args):
        self.connections.append((connection, statement.lstrip().split(None, 1)[0].upper()))

    def __enter__(self):
        event.listen(self.sessionmaker, "after_begin", self._begun)
        event.listen(self.engine, "before_cursor_execute", self._statement)
        return self

    def __exit__(self, *_exc):
        event.remove(self.sessionmaker, "after_begin", self._begun)
        event.remove(self.engine, "before_cursor_execute", self._statement)


@pytest.mark.parametrize("url", [LESSON, "/modules/basics"])
def test_a_page_that_only_reads_begins_no_transaction(app, reader_client, url):
    with Watch(app) as watch:
        page = reader_client.get(url)
    assert page.status_code == 200
    assert "Sign out" in page.text
    assert watch.begun == 0  # no session transaction: nothing to begin, commit or close
    readers = {connection for connection, _kind in watch.connections}
    assert len(readers) == 1
    assert readers <= set(idle_readers(watch.engine))  # read on the reader, which is idle again
    [reader] = readers
    driver = reader.connection.driver_connection
    if reader.dialect.name == "postgresql":
        assert driver.info.transaction_status == 0  # psycopg's IDLE: autocommit, no transaction left open
    else:
        assert not driver.in_transaction


def test_a_page_with_orm_queries_runs_them_on_its_reader_too(app, reader_client):
    with Watch(app) as watch:
        page = reader_client.get("/")  # the dashboard: certificates, cohorts, invitations through the ORM
    assert page.status_code == 200
    assert "Sign out" in page.text
    assert watch.begun == 1  # the session's transaction, begun on the reader: no pooled connection taken
    readers = {connection for connection, _kind in watch.connections}
    assert len(readers) == 1
    assert readers <= set(idle_readers(watch.engine))
    [reader] = readers
    assert not reader.in_transaction()  # given back after the session that read on it was closed
    driver = reader.connection.driver_connection
    if reader.dialect.name == "postgresql":
        assert driver.info.transaction_status == 0
    else:
        assert not driver.in_transaction


def test_a_request_that_may_write_reads_in_its_own_transaction(app, make_user):
    client = signed_in(app, make_user())
    client.get(LESSON + "?note=read")
    token = csrf_token(client, LESSON)
    with Watch(app) as watch:
        done = client.post(LESSON + "/complete", data={"csrf_token": token})
    assert done.status_code == 302
    assert watch.begun == 1
    kinds = {connection: set() for connection, _kind in watch.connections}
    for connection, kind in watch.connections:
        kinds[connection].add(kind)
    assert len(kinds) == 1  # its reads and writes on one connection: the session's, in one transaction
    assert not set(kinds) & set(idle_readers(watch.engine))
    # It read its own write: the lesson shows as completed on the module page.
    assert "✓ Completed" in client.get("/modules/basics").text


def test_a_first_visit_writes_in_a_writer_transaction_and_the_page_then_reads_it(app, make_user):
    client = signed_in(app, make_user())
    with Watch(app) as watch:
        assert client.get(LESSON + "?note=read").status_code == 200
    assert watch.begun == 1  # the visit's short writer transaction only
    assert "Started" in client.get("/modules/basics").text


def test_readers_are_reused_and_as_many_as_requests_at_once(app, reader_client, make_user):
    for _ in range(5):
        assert reader_client.get(LESSON).status_code == 200
    assert len(idle_readers(Watch(app).engine)) == 1
    clients = [signed_in(app, make_user()) for _ in range(3)]
    barrier, failures = threading.Barrier(3), []

    def read(client):
        barrier.wait()
        for _ in range(5):
            if client.get("/modules/basics").status_code != 200:
                failures.append(client)

    threads = [threading.Thread(target=read, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert 1 <= len(idle_readers(Watch(app).engine)) <= 3


def test_a_lost_reader_is_not_lent_again(app, reader_client):
    engine = Watch(app).engine
    [lost] = idle_readers(engine)
    lost.invalidate()  # as after the database server restarted
    page = reader_client.get(LESSON)
    assert page.status_code == 200
    assert idle_readers(engine)
    assert lost not in idle_readers(engine)


def test_disposing_of_the_engine_closes_the_idle_readers(app, reader_client):
    engine = Watch(app).engine
    [idle] = idle_readers(engine)
    driver = idle.connection.driver_connection
    engine.dispose()
    assert idle.closed
    if idle.dialect.name == "postgresql":
        assert driver.closed  # closed for good, not given back to the old pool
    else:
        with pytest.raises(sqlite3.ProgrammingError, match="closed"):
            driver.execute("SELECT 1")
    assert idle_readers(engine) == []
    assert reader_client.get(LESSON).status_code == 200


def test_a_forked_process_does_not_use_its_parents_readers(app, reader_client):
    engine = Watch(app).engine
    assert idle_readers(engine)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report how many readers it may use, and leave without cleaning up the parent's
        os.write(write, str(len(idle_readers(engine))).encode())
        os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 16) == b"0"
    assert idle_readers(engine)  # the parent's are still its own


def test_readers_are_given_back_after_the_sessions_that_read_on_them_are_closed(app, reader_client, monkeypatch):
    engine = Watch(app).engine
    idle_at_close = []
    close = Session.close

    def closing(session):
        idle_at_close.append(len(idle_readers(engine)))
        return close(session)

    monkeypatch.setattr(Session, "close", closing)
    assert reader_client.get("/").status_code == 200  # the dashboard: ORM queries on the reader
    assert idle_at_close[0] == 0  # still lent while the session closed: no other request could take it meanwhile
    assert len(idle_readers(engine)) == 1


def test_a_reader_given_back_while_a_session_still_reads_on_it_is_left_without_a_transaction(app, reader_client):
    engine = Watch(app).engine
    with app.test_request_context("/"):
        assert read(db.session, LIVE).first() is not None  # a GET's first read: the session is bound to it
        db.session.execute(select(ContentVersion.id)).all()  # and the session's transaction begun there
        [reader] = [connection for _engine, connection in g.get("dignity_readers")]
        assert reader.in_transaction()
        give_back_readers()
        assert reader in idle_readers(engine)
        assert not reader.in_transaction()
