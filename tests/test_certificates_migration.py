"""The certificates migration gives certificates issued before it a credential subject and a renewal date."""

import hashlib
from datetime import datetime, timedelta

import sqlalchemy as sa

from course import create_app
from course.config import testing_config as config_for_tests
from course.extensions import alembic, db
from tests.conftest import FIXTURE_CONTENT

BEFORE, REVISION = "1795568934", "1795569268"


def test_existing_certificates_are_backfilled_and_the_migration_reverses(tmp_path):
    # Its own SQLite file, whatever DATABASE_URL says: this test walks the schema up and down.
    config = {**config_for_tests(tmp_path, FIXTURE_CONTENT),
              "SQLALCHEMY_ENGINES": {"default": f"sqlite:///{tmp_path / 'migration.db'}"}}
    app = create_app(config)
    issued = datetime(2026, 1, 10, 9, 0)
    with app.app_context():
        alembic.upgrade(BEFORE)
        with db.engine.begin() as connection:
            tables = {name: sa.Table(name, sa.MetaData(), autoload_with=connection)
                      for name in ("users", "content_versions", "certificates")}
            connection.execute(tables["users"].insert().values(
                id=1, email="old@academy.example", name="Old Hand", password_hash="x", role="trainee", active=True,
                created_at=issued, session_version=1))
            connection.execute(tables["content_versions"].insert().values(
                id=1, content_hash="a" * 64, synced_at=issued, is_live=True, title="Course", summary="",
                validity_months=24, renewal_window_days=45, credit_hours=8, glossary=[]))
            connection.execute(tables["certificates"].insert().values(
                id=1, serial="0000-0000-0000-0000-0", user_id=1, sequence=1, content_version_id=1,
                recipient_name="Old Hand", course_title="Course", academy_name="Academy", credit_hours=8,
                modules=[], issued_at=issued, expires_at=issued + timedelta(days=730)))
        alembic.upgrade(REVISION)
        with db.engine.connect() as connection:
            row = connection.execute(sa.text(
                "SELECT subject_salt, subject_hash, renewal_due_at, superseded_by_id FROM certificates")).one()
        salt, identity_hash, renewal_due_at, superseded_by_id = row
        assert len(salt) == 32
        assert identity_hash == "sha256$" + hashlib.sha256(("old@academy.example" + salt).encode()).hexdigest()
        assert str(renewal_due_at).startswith(str((issued + timedelta(days=730 - 45)).date()))
        assert superseded_by_id is None
        alembic.downgrade(BEFORE)
        with db.engine.connect() as connection:
            columns = {c["name"] for c in sa.inspect(connection).get_columns("certificates")}
        assert "subject_hash" not in columns
        assert "revocation_reason" in columns
        db.engine.dispose()
