"""A trainee chooses a time zone on the account page, and a timed attempt then names its deadline in it: no axe
violations, no sideways scrolling on a phone, in English and Korean, photographed for a person to check."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import pytz
from babel.dates import format_time

from course.extensions import db
from course.models import QuizAttempt, Role, utcnow
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.test_accessibility import axe_violations, describe
from tests.conftest import post_form, signed_in


def seed(server) -> tuple:
    """A trainee in a cohort, with an open attempt whose time limit ends in 40 minutes."""
    trainee = server.make_user(Role.TRAINEE, name="Tess Trainee")
    trainer = server.make_user(Role.TRAINER, name="Tara Trainer")
    server.make_cohort(trainer, [trainee], "Spring intake", due_on=date.today() + timedelta(days=12))
    client = signed_in(server.app, trainee)
    response = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    deadline = (utcnow() + timedelta(minutes=40)).replace(second=0, microsecond=0)
    with server.app.app_context():
        db.session.get(QuizAttempt, attempt_id).deadline_at = deadline
        db.session.commit()
    return trainee, attempt_id, deadline


@pytest.fixture(scope="module")
def seeded(live_server):
    return live_server.run(seed, live_server)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_chosen_zone_names_the_attempt_s_deadline(new_context, seeded, screenshots_dir, lang):
    trainee, attempt_id, deadline = seeded
    page = new_context(trainee, lang=lang).new_page()
    zone = "Asia/Seoul" if lang == "ko" else "America/Vancouver"
    page.goto("/account")
    page.select_option("#time_zone", zone)
    page.locator("form[action='/account/time-zone'] [type=submit]").click()
    page.wait_for_url("**/account")
    assert zone in page.locator(".flash").inner_text()
    problems = []
    for name, path in (("account", "/account"), ("timed-attempt", f"/attempts/{attempt_id}"), ("dashboard", "/")):
        page.goto(path)
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{name} [{lang} {label}] scrolls sideways ({width}px)")
            problems += [f"{name} [{lang} {label}] {line}" for line in describe(axe_violations(page))]
            page.screenshot(path=str(screenshots_dir / f"time-zone-{name}-{lang}-{viewport['width']}.png"),
                            full_page=True)
        if name == "timed-attempt":
            timer = page.locator(".timer").inner_text()
            # pytz's zone data, as Flask-Babel uses (it may be newer than the system's: BC's permanent daylight time)
            shown = format_time(deadline, "short", tzinfo=pytz.timezone(zone), locale="ko" if lang == "ko" else "en_GB")
            assert shown in timer, timer
            assert zone in timer, timer
    assert not problems, "\n".join(problems)
