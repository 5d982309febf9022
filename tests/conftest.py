"""Fixtures: an app on a clean database (SQLite, or PostgreSQL when DATABASE_URL says so),
factories for users, an `auth` helper, CSRF-aware form posting and query counting."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, make_url, select, text
from sqlalchemy.engine import Engine

from course import create_app
from course.config import normalise_database_url, testing_config
from course.content.publish import sync_content
from course.core.accounts import create_user
from course.core.catalogue import load_live_version
from course.extensions import alembic, db
from course.models import AttemptItem, Model, QuizAttempt, Role
from tests.smtp_server import smtp_app, smtp_server  # noqa: F401 - fixtures: a real SMTP server per test

FIXTURE_CONTENT = Path(__file__).parent / "fixtures" / "content"
_WORKER_DATABASE: dict[str, str] = {}


def pytest_configure(config) -> None:
    """Under pytest-xdist on PostgreSQL, each worker gets a database of its own, made afresh (named after the one
    DATABASE_URL gives, which is kept for connecting); tests that read DATABASE_URL see the worker's."""
    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get("DATABASE_URL", "")
    if not worker or not url.startswith("postgresql"):
        return
    base = make_url(normalise_database_url(url))
    name = f"{base.database}_{worker}"
    with _admin_connection(base) as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    os.environ["DATABASE_URL"] = base.set(database=name).render_as_string(hide_password=False)
    _WORKER_DATABASE.update(base=base.render_as_string(hide_password=False), name=name)


def pytest_unconfigure(config) -> None:
    if _WORKER_DATABASE:
        with _admin_connection(make_url(_WORKER_DATABASE["base"])) as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{_WORKER_DATABASE["name"]}" WITH (FORCE)'))


@contextmanager
def _admin_connection(url):
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()
PASSWORD = "correct horse battery staple"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="session")
def database_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("db")


@pytest.fixture(scope="session")
def migrated(database_dir):
    """Run the migrations once per session, on a database with no tables."""
    app = create_app(testing_config(database_dir, FIXTURE_CONTENT))
    with app.app_context():
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        alembic.upgrade()
    return True


def _empty_all_tables() -> None:
    with db.engine.begin() as connection:
        tables = list(reversed(Model.metadata.sorted_tables))
        if connection.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def make_app(migrated, database_dir):
    """Factory: an app with extra config on the migrated database, content from `content_dir`."""
    apps = []

    def factory(content_dir: Path = FIXTURE_CONTENT, sync: bool = True, **config):
        app = create_app({**testing_config(database_dir, content_dir), **config})
        with app.app_context():
            _empty_all_tables()
            if sync:
                sync_content(db.session, content_dir)
                db.session.commit()
                # As a serving process after its first page: the live course is cached (core/catalogue.py), so
                # query counts measure what every later request runs (tests/test_content_cache.py covers the rest).
                load_live_version(db.session)
                db.session.commit()
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            _empty_all_tables()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_user(app):
    """Factory: create a user and return it (detached, ids loaded)."""
    counter = iter(range(1, 100000))

    def factory(role: Role = Role.TRAINEE, email: str | None = None, name: str | None = None,
                password: str = PASSWORD):
        n = next(counter)
        with app.app_context():
            user = create_user(db.session, email=email or f"{role.value}{n}@academy.example",
                               name=name or f"Test {role.value.title()} {n}", password=password, role=role)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return factory


def csrf_token(client, url: str) -> str:
    """The CSRF token from the form on `url`, as a browser would have it."""
    response = client.get(url)
    match = CSRF.search(response.get_data(as_text=True))
    assert match, f"no CSRF token on {url} (status {response.status_code})"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, form_url: str | None = None, **kwargs):
    """POST `data` to `url` with the CSRF token taken from `form_url` (default: `url`)."""
    payload = dict(data or {})
    payload["csrf_token"] = csrf_token(client, form_url or url)
    return client.post(url, data=payload, **kwargs)


class AuthActions:
    """Sign in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, next_url: str | None = None):
        url = "/login" + (f"?next={next_url}" if next_url else "")
        return post_form(self.client, url, {"email": email, "password": password})

    def logout(self):
        return post_form(self.client, "/logout", form_url="/")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def trainee(make_user, auth):
    """A signed-in trainee."""
    user = make_user(Role.TRAINEE)
    response = auth.login(user.email)
    assert response.status_code == 302
    return user


@pytest.fixture
def count_queries():
    """Context manager collecting the SQL statements run inside it, on any engine."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "SAVEPOINT", "RELEASE", "PRAGMA")):
                statements.append(statement)

        event.listen(Engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(Engine, "before_cursor_execute", before)

    return counter


def attempt_answers(app, attempt_id: int, correct: bool = True) -> dict:
    """Form data answering every question of an attempt right (or wrong), as a trainee would."""
    data: dict = {}
    with app.app_context():
        attempt = db.session.scalar(select(QuizAttempt).where(QuizAttempt.id == attempt_id))
        for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt.id)):
            question = item.question
            choices = question.data["choices"]
            name = f"q{item.position}"
            if question.type == "ordering":
                for shown, authored in enumerate(item.choice_order):
                    position = authored + 1 if correct else len(choices) - authored
                    data[f"{name}-{shown}"] = str(position)  # reversed order is wrong overall
            else:
                wanted = [i for i, c in enumerate(choices) if c.get("correct") == correct]
                shown = [str(item.choice_order.index(i)) for i in wanted]
                data[name] = shown if question.type == "multiple" else shown[0]
    return data


@pytest.fixture
def make_cohort(app):
    """Factory: a cohort trained by `trainer`, with `members` enrolled."""

    def factory(trainer, members=(), name="Spring intake", **dates):
        from datetime import date

        from course.models import CohortMember
        from course.trainer.services import create_cohort

        with app.app_context():
            trainer_row = db.session.get(type(trainer), trainer.id)
            cohort = create_cohort(db.session, trainer_row, name=name, description="",
                                   starts_on=dates.get("starts_on", date(2026, 1, 5)), due_on=dates.get("due_on"))
            for member in members:
                db.session.add(CohortMember(cohort_id=cohort.id, user_id=member.id))
            db.session.commit()
            db.session.refresh(cohort)
            db.session.expunge(cohort)
        return cohort

    return factory


def signed_in(app, user):
    """A new test client signed in as `user`."""
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                           "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def make_token(app):
    """Factory: an API token in clear with `scope`, optionally limited to `cohort` (tests/api_fixtures.py)."""
    from course.core.api_tokens import create_token

    def factory(scope: str = "read", cohort=None, name: str = "HR system") -> str:
        with app.app_context():
            token, _row = create_token(db.session, None, name=name, scope=scope,
                                       cohort_id=cohort.id if cohort is not None else None)
            db.session.commit()
        return token

    return factory
