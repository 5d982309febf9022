"""Browser fixtures: the app served by a real server thread, seeded accounts, and headless Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from course import create_app
from course.config import testing_config
from course.content.publish import sync_content
from course.core.accounts import create_user
from course.extensions import alembic, db
from course.models import CohortMember, Role, User
from tests.conftest import FIXTURE_CONTENT, PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SCREENSHOTS_TAKEN: list[Path] = []

def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser carries the `browser` marker."""
    for item in items:
        if "tests/browser/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass(frozen=True)
class Account:
    """A seeded account: who they are and how to sign in."""

    id: int
    email: str
    name: str
    role: Role


@dataclass
class LiveServer:
    """The running app: its base URL and the Flask app object (for seeding and inspection)."""

    url: str
    app: object
    counter: Iterator[int]

    def make_user(self, role: Role = Role.TRAINEE, name: str | None = None) -> Account:
        """Create an account directly in the database."""
        return self.run(self._make_user, role, name)

    def _make_user(self, role: Role, name: str | None) -> Account:
        n = next(self.counter)
        with self.app.app_context():
            user = create_user(db.session, email=f"{role.value}{n}@browser.example",
                               name=name or f"Browser {role.value.title()} {n}", password=PASSWORD, role=role)
            db.session.commit()
            return Account(user.id, user.email, user.name, role)

    def make_cohort(self, trainer: Account, members: list[Account], name: str, due_on: date | None = None) -> int:
        """A cohort created by `trainer` with `members` enrolled; returns its id."""
        return self.run(self._make_cohort, trainer, members, name, due_on)

    def _make_cohort(self, trainer: Account, members: list[Account], name: str, due_on: date | None) -> int:
        from course.trainer.services import create_cohort

        with self.app.app_context():
            creator = db.session.get(User, trainer.id)
            cohort = create_cohort(db.session, creator, name=name, description="Browser test cohort",
                                   starts_on=date.today() - timedelta(days=60), due_on=due_on)
            for member in members:
                db.session.add(CohortMember(cohort_id=cohort.id, user_id=member.id))
            db.session.commit()
            return cohort.id

    def run(self, function: Callable, *args):
        """Run seeding code in a plain thread: Playwright's event loop owns the test thread."""
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(function, *args).result()


def _chromium_or_skip() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(message)


def serve(tmp_path_factory, content_dir: Path) -> Iterator[LiveServer]:
    """The app on its own migrated database with `content_dir` published, served on a free localhost port."""
    _chromium_or_skip()
    from werkzeug.serving import make_server

    config = {**testing_config(tmp_path_factory.mktemp("browser-db"), content_dir), "RATELIMIT_ENABLED": False}
    app = create_app(config)
    with app.app_context():
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        alembic.upgrade()
        sync_content(db.session, content_dir)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app, iter(range(1, 1_000_000)))
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the fixture course, served on a free localhost port (a test module may serve another)."""
    yield from serve(tmp_path_factory, FIXTURE_CONTENT)


@pytest.fixture(scope="module")
def browser(live_server):
    """Headless Chromium from the system package, driven by Playwright.

    Module scope: Playwright's sync API runs an event loop in the test thread, which must be gone before the
    rest of the suite runs (Flask's async helpers refuse to run beside it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    """Where screenshots go; printed so a person can look at them."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS_TAKEN.append(ARTIFACTS)
    return ARTIFACTS


def pytest_terminal_summary(terminalreporter) -> None:
    """Print where the screenshots are, past pytest's output capture."""
    for folder in SCREENSHOTS_TAKEN[:1]:
        terminalreporter.write_sep("-", f"browser screenshots: {folder}")


def sign_in(page, base_url: str, account: Account) -> None:
    """Sign in through the real form."""
    page.goto(f"{base_url}/login")
    page.fill("#email", account.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit], main form input[type=submit]").first.click()
    page.wait_for_url(lambda url: "/login" not in url)


@pytest.fixture
def new_context(browser, live_server) -> Iterator[Callable]:
    """Factory: a fresh browser context (language, viewport, JavaScript), signed in as `account` if given."""
    contexts = []

    def factory(account: Account | None = None, lang: str = "en", viewport: dict = DESKTOP,
                javascript: bool = True, color_scheme: str = "light"):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, locale=lang,
                                      extra_http_headers={"Accept-Language": lang},
                                      java_script_enabled=javascript, color_scheme=color_scheme)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if account is not None:
            sign_in(context.new_page(), live_server.url, account)
        return context

    yield factory
    for context in contexts:
        context.close()
