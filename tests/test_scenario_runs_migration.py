"""Upgrading scenario runs: no stored choice order, no flags, and finished runs judged against the pass score."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from course import create_app
from course.config import testing_config as config_for_tests
from course.extensions import alembic, db
from tests.conftest import FIXTURE_CONTENT

BEFORE = "1795573000"
T0 = datetime(2026, 6, 1, 9, 0)


def test_existing_runs_upgrade_to_the_pass_score_rule(tmp_path):
    config = {**config_for_tests(tmp_path, FIXTURE_CONTENT),
              "SQLALCHEMY_ENGINES": {"default": f"sqlite:///{tmp_path / 'before.db'}"}}
    app = create_app(config)
    with app.app_context():
        alembic.upgrade(BEFORE)
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO content_versions (id, content_hash, synced_at, is_live, title, summary, credit_hours,"
                " renewal_window_days, glossary) VALUES (1, 'c', :t, 1, 'Course', '', 1, 60, '[]')"), {"t": T0})
            connection.execute(sa.text(
                "INSERT INTO users (id, email, name, password_hash, role, active, created_at, session_version,"
                " failed_logins) VALUES (1, 'a@b.example', 'A', 'x', 'trainee', 1, :t, 1, 0)"), {"t": T0})
            connection.execute(sa.text(
                "INSERT INTO modules (id, version_id, slug, position, title, summary, minutes, objectives, sources,"
                " quiz_settings, scenario, scenario_required) VALUES (1, 1, 'm', 1, 'M', '', 5, '[]', '[]', '{}',"
                " '{}', 1)"))
            for number, score, finished in ((1, 90.0, T0), (2, 40.0, T0), (3, None, None)):
                connection.execute(sa.text(
                    "INSERT INTO scenario_runs (user_id, module_id, module_slug, number, started_at, finished_at,"
                    " current_step, path, points, score) VALUES (1, 1, 'm', :n, :t, :f, 'one', '[]', 0, :s)"),
                    {"n": number, "t": T0, "f": finished, "s": score})
        alembic.upgrade()
        with db.engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT number, passed, flags, choice_orders FROM scenario_runs ORDER BY number")).all()
        db.engine.dispose()
    assert [(n, None if p is None else bool(p), f, c) for n, p, f, c in rows] == [
        (1, True, "[]", None), (2, False, "[]", None), (3, None, "[]", None)]
