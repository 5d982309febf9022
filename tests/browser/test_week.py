"""The academy's week in Chromium: no page logs a console error (the favicon), and the admin's user table keeps
its row borders."""

from __future__ import annotations

import pytest

from course.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.pages import seed_site


@pytest.fixture(scope="module")
def site(live_server):
    return live_server.run(seed_site, live_server)


@pytest.mark.parametrize("role", ["visitor", "trainee", "trainer", "admin"])
def test_no_page_logs_a_console_error_or_a_failed_request(new_context, site, role):
    account = None if role == "visitor" else site.accounts[Role(role)]
    page = new_context(account).new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status == 404 else None)
    for name, path in site.pages[role]:
        if path.endswith("#submit") or "not-found" in name:  # those answer 404 on purpose
            continue
        page.goto(path)
        page.wait_for_load_state("networkidle")
    assert errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_each_row_of_the_users_table_ends_on_one_border(new_context, site, live_server, viewport):
    for n in range(3):  # rows with long names wrap their action buttons on a phone
        live_server.make_user(Role.TRAINEE, name=f"A very long name for wrapping number {n} Kim Minji-Seoyeon")
    page = new_context(site.accounts[Role.ADMIN], viewport=viewport).new_page()
    page.goto("/admin/users")
    assert page.evaluate("getComputedStyle(document.querySelector('td.actions')).display") == "table-cell"
    bottoms = page.evaluate("""[...document.querySelectorAll('main tbody tr')].map(row =>
        [...row.children].map(cell => Math.round(cell.getBoundingClientRect().bottom)))""")
    assert len(bottoms) >= 4
    assert all(len(set(row)) == 1 for row in bottoms), bottoms
