"""`flask backup`: a consistent SQLite copy taken while the app writes, and a restore that brings data back."""

from __future__ import annotations

import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from course.backup import sqlite_path
from course.extensions import db
from course.models import User
from tests.conftest import post_form

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


@pytest.fixture
def sqlite_app(app):
    with app.app_context():
        if sqlite_path() is None:
            pytest.skip("SQLite only; PostgreSQL is backed up with pg_dump")
    return app


def test_backup_then_restore_brings_the_data_back(sqlite_app, make_user, tmp_path):
    app = sqlite_app
    kept = make_user(email="kept@academy.example")
    target = tmp_path / "copy.db"
    result = app.test_cli_runner().invoke(args=["backup", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT email FROM users").fetchall() == [("kept@academy.example",)]

    make_user(email="later@academy.example")  # changes after the backup...
    with app.app_context():
        db.session.delete(db.session.get(User, kept.id))
        db.session.commit()
        live = sqlite_path()
        db.engine.dispose()  # ...then restore as docs/operations.md says: stop the app, replace the file
    for suffix in ("-wal", "-shm"):
        live.with_name(live.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(target, live)

    with app.app_context():
        emails = db.session.scalars(select(User.email)).all()
    assert emails == ["kept@academy.example"]
    assert post_form(app.test_client(), "/login", {"email": "kept@academy.example",
                                                    "password": "correct horse battery staple"}).status_code == 302


def test_a_backup_taken_during_writes_is_consistent(sqlite_app, make_user, tmp_path):
    stop = threading.Event()

    def writer():
        n = 0
        while not stop.is_set():
            make_user(email=f"busy{n}@academy.example")
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        runner = sqlite_app.test_cli_runner()
        results = [runner.invoke(args=["backup", "--output", str(tmp_path / f"b{i}.db")]) for i in range(3)]
    finally:
        stop.set()
        thread.join()
    for i, result in enumerate(results):
        assert result.exit_code == 0, result.output
        with sqlite3.connect(tmp_path / f"b{i}.db") as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            emails = [e for (e,) in copy.execute("SELECT email FROM users ORDER BY id")]
        assert emails == [f"busy{n}@academy.example" for n in range(len(emails))]  # a prefix: no torn writes


def test_backup_refuses_to_overwrite(sqlite_app, tmp_path):
    target = tmp_path / "exists.db"
    target.write_text("keep me")
    result = sqlite_app.test_cli_runner().invoke(args=["backup", "--output", str(target)])
    assert result.exit_code != 0
    assert "already exists" in result.output
    assert target.read_text() == "keep me"


def test_on_postgresql_backup_explains_pg_dump(app):
    with app.app_context():
        if sqlite_path() is not None:
            pytest.skip("PostgreSQL only")
    result = app.test_cli_runner().invoke(args=["backup"])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
