"""End-to-end journeys in Chromium: a trainee by keyboard only, a trainer enrolling by CSV; with and without
JavaScript."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from course.models import Role
from tests.browser.conftest import PHONE, sign_in
from tests.browser.keyboard import activate, answer_quiz, tab_to, type_into
from tests.conftest import PASSWORD, signed_in
from tests.test_certificates import complete_course

JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])


def complete_module_by_keyboard(page, module: str, lessons: int) -> None:
    """From the module page: read every lesson, then fail the quiz once and pass it, all by keyboard."""
    activate(page, page.locator("main a[href*='/lessons/']").first)
    for _ in range(lessons):
        note = page.get_by_role("link", name="Continue to the lesson")
        if note.count():
            activate(page, note)
        activate(page, page.get_by_role("button", name="Mark as complete and continue"))
    activate(page, page.locator(f"main a[href$='/modules/{module}/quiz']").first)
    activate(page, page.locator("main form button[type=submit]").first)
    answer_quiz(page, module, right=False)
    assert page.get_by_role("heading", name="What to review").count() == 1, "the quiz was failed"
    remediation = page.get_by_role("link", name=re.compile("^Review: "))
    assert remediation.count() >= 1, "a failed quiz links to the lessons to review"
    activate(page, page.get_by_role("link", name="Try again"))
    activate(page, page.locator("main form button[type=submit]").first)
    answer_quiz(page, module, right=True)
    assert page.get_by_role("heading", name="What to review").count() == 0


@JAVASCRIPT
def test_a_new_trainee_earns_a_certificate_by_keyboard_only(new_context, live_server, javascript):
    page = new_context(javascript=javascript).new_page()
    page.goto("/register")
    tab_to(page, page.get_by_role("link", name="Skip to main content"))
    type_into(page, page.get_by_label("Name"), "Kim Keyboard")
    email = f"keyboard-{'js' if javascript else 'nojs'}@browser.example"
    type_into(page, page.get_by_label("Email"), email)
    type_into(page, page.get_by_label("Password", exact=True), PASSWORD)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)  # the confirmation field follows the password
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "password", "Shift+Tab goes back to the password"
    tab_to(page, page.get_by_role("button", name="Create account"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("link", name=re.compile("Continue where you left off")).count() == 1

    activate(page, page.get_by_role("link", name=re.compile("Continue where you left off")))
    page.goto("/modules/basics")
    complete_module_by_keyboard(page, "basics", lessons=2)
    page.goto("/modules/practice")
    complete_module_by_keyboard(page, "practice", lessons=1)

    page.goto("/")
    activate(page, page.get_by_role("link", name="View certificate"))
    serial = re.search(r"/certificates/([^/]+)$", page.url).group(1)
    activate(page, page.locator(f"main a[href$='/verify/{serial}']").first)
    assert page.url.endswith(f"/verify/{serial}")
    assert page.get_by_text("Kim Keyboard").count() >= 1
    assert page.get_by_text(re.compile("valid", re.I)).count() >= 1


@JAVASCRIPT
def test_a_trainer_enrols_by_csv_and_finds_the_overdue_trainee(new_context, live_server, javascript, tmp_path):
    tag = "js" if javascript else "nojs"
    trainer = live_server.make_user(Role.TRAINER, name=f"Trainer {tag}")
    done = live_server.make_user(Role.TRAINEE, name=f"Dana Done {tag}")
    live_server.run(lambda: complete_course(signed_in(live_server.app, done), live_server.app))
    page = new_context(javascript=javascript, viewport=PHONE).new_page()
    sign_in(page, live_server.url, trainer)

    page.goto("/trainer")
    page.get_by_role("link", name="New cohort").click()
    page.get_by_label("Cohort name").fill(f"Autumn intake {tag}")
    page.get_by_label("Start date").fill((date.today() - timedelta(days=30)).isoformat())
    page.get_by_label(re.compile("Due date")).fill((date.today() - timedelta(days=1)).isoformat())
    with page.expect_navigation():
        page.locator("main form [type=submit]").last.click()
    assert page.get_by_role("heading", level=1, name=f"Autumn intake {tag}").count() == 1

    roster = tmp_path / "roster.csv"
    roster.write_text(f"email,name\n{done.email},{done.name}\nlate-{tag}@browser.example,Lee Late {tag}\n")
    page.get_by_role("link", name="Enrol from CSV").click()
    page.get_by_label("CSV file").set_input_files(str(roster))
    with page.expect_navigation():
        page.get_by_role("button", name="Import").click()
    assert page.get_by_role("status").filter(has_text="Imported 2 rows").count() == 1

    page.get_by_role("link", name=f"Autumn intake {tag}").first.click()
    page.get_by_label("Show").select_option("overdue")
    with page.expect_navigation():
        page.get_by_role("button", name="Apply").click()
    matrix = page.locator("main table").first
    assert matrix.get_by_text(f"Lee Late {tag}").count() == 1
    assert matrix.get_by_text(f"Dana Done {tag}").count() == 0
    assert page.get_by_role("status").filter(has_text="1 trainees shown").count() == 1
