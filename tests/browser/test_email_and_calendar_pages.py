"""The pages of the academy's week: set-password links, the email log (trainer and admin) and the trainee's
calendar page have no axe violations, fit a phone, work in Korean, and are photographed for a person to check."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import insert

from course.extensions import db
from course.models import Notice, NoticeKind, NoticeStatus, Role, utcnow
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import axe_violations, describe
from tests.conftest import post_form, signed_in


def seed(server):
    """A cohort with members still to set a password, emails sent, failed and waiting, and a trainee."""
    app = server.app
    app.config.update(MAIL_SERVER="127.0.0.1", PUBLIC_BASE_URL=server.url)  # shows the email choice
    trainee = server.make_user(Role.TRAINEE, name="Tess Trainee")
    trainer = server.make_user(Role.TRAINER, name="Tara Trainer")
    admin = server.make_user(Role.ADMIN, name="Ada Admin")
    cohort = server.make_cohort(trainer, [trainee], "Spring intake", due_on=date.today() + timedelta(days=5))
    roster = "".join(f"officer{n}@police.example,Officer {n}\n" for n in range(3)).encode()
    app.config["MAIL_SERVER"] = ""  # the import itself sends nothing here
    response = post_form(signed_in(app, trainer), f"/trainer/cohorts/{cohort}/import",
                         {"file": (io.BytesIO(roster), "r.csv"), "output": "page"}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    app.config["MAIL_SERVER"] = "127.0.0.1"
    with app.app_context():
        due = (date.today() + timedelta(days=5)).isoformat()
        db.session.execute(insert(Notice), [
            {"user_id": trainee.id, "kind": NoticeKind.DUE_SOON, "subject": due, "cohort_id": cohort,
             "status": NoticeStatus.SENT, "attempts": 1, "sent_at": utcnow()},
            {"user_id": trainee.id, "kind": NoticeKind.INVITATION, "subject": str(cohort), "cohort_id": cohort,
             "status": NoticeStatus.FAILED, "attempts": 2, "last_error": "550 5.1.1 Mailbox unavailable"},
            {"user_id": trainee.id, "kind": NoticeKind.CERTIFICATE_ISSUED, "subject": "1", "cohort_id": None,
             "status": NoticeStatus.PENDING, "attempts": 0},
        ])
        db.session.commit()
    return {Role.TRAINEE: trainee, Role.TRAINER: trainer, Role.ADMIN: admin}, {
        Role.TRAINER: [("pending-links", f"/trainer/cohorts/{cohort}/pending"),
                       ("cohort-emails", f"/trainer/cohorts/{cohort}/emails")],
        Role.ADMIN: [("all-emails", "/admin/emails"), ("failed-emails", "/admin/emails?status=failed")],
        Role.TRAINEE: [("calendar", "/calendar")],
    }


@pytest.fixture(scope="module")
def site(live_server):
    return live_server.run(seed, live_server)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER, Role.ADMIN])
def test_new_pages_have_no_axe_violations_and_fit_a_phone(new_context, site, screenshots_dir, role, lang):
    accounts, pages = site
    page = new_context(accounts[role], lang=lang).new_page()
    problems: list[str] = []
    for name, path in pages[role]:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == lang
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{name} [{lang} {label}] the page scrolls sideways ({width}px wide)")
            problems += [f"{name} [{lang} {label}] {line}" for line in describe(axe_violations(page))]
            page.screenshot(path=str(screenshots_dir / f"week-{name}-{lang}-{viewport['width']}.png"), full_page=True)
    assert not problems, "\n".join(problems)


def test_a_trainee_makes_a_calendar_url_with_the_keyboard(new_context, site):
    accounts, _pages = site
    page = new_context(accounts[Role.TRAINEE]).new_page()
    page.goto("/calendar")
    page.get_by_role("button", name="Make my calendar address").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    url = page.locator("#feed-url").input_value()
    assert "/calendar/" in url
    assert url.endswith(".ics")
    assert not describe(axe_violations(page))
    assert page.get_by_role("button", name="Stop my calendar address").is_visible()
