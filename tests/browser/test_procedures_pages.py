"""The procedures, job aids and pause pages pass axe-core at phone and desktop widths, light and dark, with slots
both filled and unfilled; screenshots (and each job aid's PDF as a PNG) are kept for a person to look at."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from course.core.procedures import save_procedure
from course.extensions import db
from course.learn.services import pause_module
from course.models import Role, User
from tests.browser.conftest import DESKTOP, PHONE, serve
from tests.browser.test_accessibility import axe_violations, describe
from tests.test_procedures import FILLED, SLUGS, with_slots

LEFT_EMPTY = ("takedown_unit", "crisis_referral")  # so that the "not set yet" notice is on the pages too


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve(tmp_path_factory, with_slots(tmp_path_factory.mktemp("procedures") / "content"))


def _seed(server):
    trainee = server.make_user(Role.TRAINEE, name="Tess Trainee")
    trainer = server.make_user(Role.TRAINER, name="Tara Trainer")
    admin = server.make_user(Role.ADMIN, name="Ada Admin")
    cohort = server.make_cohort(trainer, [trainee], "Spring intake")
    with server.app.app_context():
        actor = db.session.get(User, admin.id)
        for name, text in FILLED.items():
            if name not in LEFT_EMPTY:
                save_procedure(db.session, actor, name, "en", text)
        save_procedure(db.session, actor, "media_office", "ko", "본청 홍보실, 평일 주간")
        pause_module(db.session, db.session.get(User, trainee.id), "practice")
        db.session.commit()
    pages = {
        "trainee": [("job-aids", "/job-aids"), *((f"job-aid-{slug}", f"/job-aids/{slug}") for slug in SLUGS),
                    ("content-note-slots", "/modules/basics/lessons/first"),
                    ("lesson-slots", "/modules/basics/lessons/first?note=read"),
                    ("pause", "/modules/basics/pause"), ("module-paused", "/modules/practice"),
                    ("dashboard-paused", "/")],
        "trainer": [("trainee-record-paused", f"/trainer/cohorts/{cohort}/trainees/{trainee.id}")],
        "admin": [("admin-todo", "/admin/"), ("procedures", "/admin/procedures"),
                  ("lesson-admin-notice", "/modules/basics/lessons/first?note=read")],
    }
    return {Role.TRAINEE: trainee, Role.TRAINER: trainer, Role.ADMIN: admin}, pages


@pytest.fixture(scope="module")
def site(live_server):
    return live_server.run(_seed, live_server)


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("role", ["trainee", "trainer", "admin"])
def test_new_pages_have_no_axe_violations_and_fit_a_phone(new_context, site, screenshots_dir, role, lang):
    accounts, pages = site
    page = new_context(accounts[Role(role)], lang=lang).new_page()
    problems: list[str] = []
    for name, path in pages[role]:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang") == lang
        for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > viewport["width"]:
                problems.append(f"{name} [{lang} {label}] the page scrolls sideways ({width}px wide)")
            for scheme in ("light", "dark") if lang == "en" else ("light",):
                page.emulate_media(color_scheme=scheme)
                problems += [f"{name} [{lang} {label} {scheme}] {line}" for line in describe(axe_violations(page))]
                shot = screenshots_dir / f"{role}-{name}-{lang}-{viewport['width']}-{scheme}.png"
                page.screenshot(path=str(shot), full_page=True)
    assert not problems, "\n".join(problems)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) is not installed")
def test_each_job_aid_pdf_is_one_page_and_saved_as_an_image(new_context, site, screenshots_dir):
    accounts, _pages = site
    for lang in ("en", "ko"):
        request = new_context(accounts[Role.TRAINEE], lang=lang).request
        for slug in SLUGS:
            response = request.get(f"/job-aids/{slug}.pdf")
            assert response.ok
            assert response.headers["content-type"] == "application/pdf"
            pdf = screenshots_dir / f"job-aid-{slug}-{lang}.pdf"
            pdf.write_bytes(response.body())
            subprocess.run(["pdftoppm", "-png", "-r", "70", str(pdf), str(pdf.with_suffix(""))],  # noqa: S603, S607
                           check=True)
            pages = sorted(screenshots_dir.glob(f"job-aid-{slug}-{lang}-*.png"))
            assert [p.name for p in pages] == [f"job-aid-{slug}-{lang}-1.png"]
