"""Upgrading a database that holds real data from the first release keeps every row intact."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from course import create_app
from course.config import testing_config as config_for_tests
from course.core.accounts import hash_password
from course.extensions import alembic, db
from tests.conftest import FIXTURE_CONTENT, PASSWORD, post_form

FIRST_RELEASE = "1795568180"
T0 = datetime(2026, 3, 2, 8, 30)


def _first_release_rows(password_hash: str) -> dict[str, list[dict]]:
    common = {"objectives": ["o1"], "sources": ["s1"]}
    return {
        "content_versions": [dict(id=1, content_hash="c" * 64, synced_at=T0, is_live=True, title="Dignity course",
                                  summary="Survivor-centred policing", validity_months=24, renewal_window_days=45,
                                  credit_hours=6.5)],
        "users": [dict(id=1, email="officer@academy.example", name="Officer Kim", password_hash=password_hash,
                       role="trainee", active=True, created_at=T0, session_version=3),
                  dict(id=2, email="admin@academy.example", name="Admin Lee", password_hash=password_hash,
                       role="admin", active=False, created_at=T0, session_version=1)],
        "modules": [dict(id=1, version_id=1, slug="consent", position=1, title="Consent", summary="Why",
                         minutes=30, quiz_settings={"pass_mark": 80}, scenario=None, scenario_required=False,
                         **common)],
        "lessons": [dict(id=1, module_id=1, slug="intro", position=1, title="Introduction", minutes=10,
                         content_note="Sensitive", body_markdown="# Hello\n\nText <b>with</b> markup.", **common)],
        "questions": [dict(id=1, module_id=1, key="q1", position=1, type="single", objective="o1",
                           data={"prompt": "Which?", "choices": [{"text": "A", "correct": True}, {"text": "B"}]})],
        "lesson_progress": [dict(id=1, user_id=1, module_slug="consent", lesson_slug="intro", visited_at=T0,
                                 completed_at=T0 + timedelta(minutes=9))],
        "quiz_attempts": [dict(id=1, user_id=1, module_id=1, module_slug="consent", number=1, status="submitted",
                               started_at=T0, submitted_at=T0 + timedelta(minutes=5), score=100.0, passed=True,
                               pass_mark=80)],
        "attempt_items": [dict(id=1, attempt_id=1, position=1, question_id=1, choice_order=[1, 0], response=[1],
                               credit=1.0)],
        "certificates": [dict(id=1, serial="ABCD-EFGH-JKLM-NPQR-S", user_id=1, sequence=1, content_version_id=1,
                              recipient_name="Officer Kim", course_title="Dignity course", academy_name="Academy",
                              credit_hours=6.5, modules=[{"slug": "consent", "title": "Consent"}], issued_at=T0,
                              expires_at=T0 + timedelta(days=730), revoked_at=None, revocation_reason=None)],
        "audit_events": [dict(id=1, at=T0, actor_id=2, action="certificate.issued", target_type="certificate",
                              target_id="1", details={"serial": "ABCD-EFGH-JKLM-NPQR-S"})],
    }


def _lost_or_changed(connection, rows: dict[str, list[dict]]) -> dict[str, str]:
    """Per table, what differs from the rows written under the first release's schema."""
    problems = {}
    for name, values in rows.items():
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        stored = connection.execute(sa.select(table).order_by(table.c.id)).mappings().all()
        if len(stored) != len(values):
            problems[name] = f"{len(values)} rows written, {len(stored)} after upgrade"
            continue
        for before, after in zip(values, stored, strict=True):
            for column, value in before.items():
                got = after[column]
                if isinstance(value, datetime) and isinstance(got, datetime):
                    got = got.replace(tzinfo=None)
                if got != value:
                    problems[name] = f"{column}: {value!r} became {got!r}"
    return problems


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """A first-release database with realistic rows, upgraded to the newest schema."""
    tmp_path = tmp_path_factory.mktemp("upgrade")
    # Its own SQLite file, whatever DATABASE_URL says: this test starts from the first release's schema.
    config = {**config_for_tests(tmp_path, FIXTURE_CONTENT),
              "SQLALCHEMY_ENGINES": {"default": f"sqlite:///{tmp_path / 'first-release.db'}"}}
    app = create_app(config)
    with app.app_context():
        alembic.upgrade(FIRST_RELEASE)
        rows = _first_release_rows(hash_password(PASSWORD))
        with db.engine.begin() as connection:
            for name, values in rows.items():
                table = sa.Table(name, sa.MetaData(), autoload_with=connection)
                connection.execute(table.insert(), values)
        alembic.upgrade()
        with db.engine.connect() as connection:
            problems = _lost_or_changed(connection, rows)
            lockout = connection.execute(sa.text("SELECT failed_logins, locked_until FROM users WHERE id = 1")).one()
    yield app, problems, tuple(lockout)
    with app.app_context():
        db.engine.dispose()


def test_first_release_rows_survive_every_migration(upgraded):
    _app, problems, lockout = upgraded
    assert {k: v for k, v in problems.items() if k != "attempt_items"} == {}
    assert lockout == (0, None)


def test_first_release_answers_survive_every_migration(upgraded):
    _app, problems, _lockout = upgraded
    assert "attempt_items" not in problems, problems.get("attempt_items")


def test_a_migrated_account_still_signs_in(upgraded):
    app, _problems, _lockout = upgraded
    client = app.test_client()
    assert post_form(client, "/login", {"email": "officer@academy.example", "password": PASSWORD}).status_code == 302
    assert client.get("/account").status_code == 200
