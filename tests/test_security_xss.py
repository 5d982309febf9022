"""Script payloads in names, cohort names, descriptions, settings and CSV rows render as inert text."""

from __future__ import annotations

import io
from html.parser import HTMLParser

from sqlalchemy import select

from course.extensions import db
from course.models import Cohort, Role
from tests.conftest import PASSWORD, post_form, signed_in

PAYLOADS = ['<script>alert("x")</script>', '"><img src=x onerror=alert(1)>', "<svg/onload=alert(1)>",
            "javascript:alert(1)//", "{{ 7*7 }}"]


class LiveMarkup(HTMLParser):
    """Collects anything a browser would run: script elements, event handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "img", "iframe", "object", "embed") or (tag == "svg" and attrs and "onload" in attrs[0]):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"{tag}[{name}]")


def live_markup(page: str) -> list[str]:
    parser = LiveMarkup()
    parser.feed(page)
    return parser.found


def assert_inert(client, urls, shown=()):
    """No live markup on any of `urls`; on those in `shown` the payload appears, escaped."""
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert live_markup(page) == [], url
        if url in shown:
            assert "&lt;script&gt;" in page or "&lt;img" in page, url


def test_a_hostile_trainee_name_is_inert_everywhere(app, make_user, make_cohort):
    name = " ".join(PAYLOADS)
    trainee = make_user(name=name)
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    cohort = make_cohort(trainer, members=[trainee])
    account = signed_in(app, trainee).get("/account").get_data(as_text=True)
    assert "{{ 7*7 }}" in account  # not evaluated as a template
    assert_inert(signed_in(app, trainee), ["/", "/account"], shown={"/account"})
    assert_inert(signed_in(app, trainer), [f"/trainer/cohorts/{cohort.id}"], shown={f"/trainer/cohorts/{cohort.id}"})
    assert_inert(signed_in(app, admin), ["/admin/users"], shown={"/admin/users"})


def test_hostile_cohort_names_descriptions_and_settings_are_inert(app, make_user):
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    staff = signed_in(app, trainer)
    response = post_form(staff, "/trainer/cohorts/new", {"name": PAYLOADS[0], "description": "\n".join(PAYLOADS),
                                                          "starts_on": "2026-01-05"})
    assert response.status_code == 302
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        stored = (cohort.name, cohort.description, cohort.id, cohort.invite_code)
    assert stored[0] == PAYLOADS[0]  # kept as typed; escaped only on output
    pages = ["/trainer", f"/trainer/cohorts/{stored[2]}", f"/trainer/cohorts/{stored[2]}/edit"]
    assert_inert(staff, pages, shown=set(pages))
    visitor = make_user()
    assert_inert(signed_in(app, visitor), [f"/join/{stored[3]}"], shown={f"/join/{stored[3]}"})
    admin_client = signed_in(app, admin)
    assert post_form(admin_client, "/admin/settings", {"academy_name": PAYLOADS[1]}).status_code == 302
    assert_inert(admin_client, ["/admin/settings", "/", "/account"], shown={"/", "/account"})
    assert_inert(app.test_client(), ["/login", "/verify"], shown={"/login", "/verify"})


def test_hostile_csv_rows_are_inert_in_the_import_report_and_cohort(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    staff = signed_in(app, trainer)
    roster = ('email,name,badge_number\nnew@academy.example,"<script>alert(""x"")</script>",'
              '"<img src=x onerror=alert(1)>"\n')
    response = post_form(staff, f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(roster.encode()), "roster.csv"), "output": "page"},
                         form_url=f"/trainer/cohorts/{cohort.id}/import", content_type="multipart/form-data")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert live_markup(page) == []
    assert "&lt;script&gt;" in page
    assert_inert(staff, [f"/trainer/cohorts/{cohort.id}"], shown={f"/trainer/cohorts/{cohort.id}"})
    bad = "email,name\nnot-an-email<script>alert(1)</script>,X\n"
    rejected = post_form(staff, f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(bad.encode()), "roster.csv"), "output": "page"},
                         form_url=f"/trainer/cohorts/{cohort.id}/import", content_type="multipart/form-data")
    assert rejected.status_code == 422
    assert live_markup(rejected.get_data(as_text=True)) == []


def test_the_password_is_never_echoed_back(client):
    response = post_form(client, "/register", {"name": "X", "email": "bad", "password": PASSWORD,
                                               "confirm": PASSWORD})
    assert response.status_code == 422
    assert PASSWORD not in response.get_data(as_text=True)
