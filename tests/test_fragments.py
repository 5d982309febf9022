"""The page frame and lesson articles kept per process (core/fragments.py): each shows only what its key holds."""

from __future__ import annotations

import re

from course.core import fragments
from course.models import Role
from tests.conftest import CSRF, post_form, signed_in

LESSON = "/modules/basics/lessons/first?note=read"


def nav(html: str) -> str:
    return re.search(r'<nav aria-label="[^"]+">\s*<ul class="nav-list">(.*?)</ul>', html, re.S).group(1)


def test_the_frame_follows_each_reader_s_role_language_and_the_academy_s_name(app, make_user):
    trainee, trainer, admin = make_user(Role.TRAINEE), make_user(Role.TRAINER), make_user(Role.ADMIN)
    as_trainee, as_trainer, as_admin = (signed_in(app, user) for user in (trainee, trainer, admin))
    pages = {name: nav(client.get("/glossary").get_data(as_text=True))
             for name, client in (("trainee", as_trainee), ("trainer", as_trainer), ("admin", as_admin))}
    assert ">Cohorts<" not in pages["trainee"]
    assert ">Admin<" not in pages["trainee"]
    assert ">Cohorts<" in pages["trainer"]
    assert ">Admin<" not in pages["trainer"]
    assert ">Cohorts<" in pages["admin"]
    assert ">Admin<" in pages["admin"]
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    assert ">Register<" in nav(anonymous)
    assert ">Sign out<" not in nav(anonymous)

    # The academy renames itself: every reader's header and footer say so at once.
    post_form(as_admin, "/admin/settings", {"academy_name": "Seoul Police Academy", "validity_months": "",
                                            "credit_hours": "", "renewal_window_days": ""})
    for client in (as_trainee, as_admin, app.test_client()):
        html = client.get("/glossary").get_data(as_text=True)
        assert html.count("Seoul Police Academy") >= 3  # title, brand, footer

    # One reader switches to Korean; the other still reads English.
    post_form(as_trainee, "/language", {"locale": "ko", "next": "/glossary"}, form_url="/glossary")
    korean, english = (client.get("/glossary").get_data(as_text=True) for client in (as_trainee, as_trainer))
    assert "용어집" in nav(korean)
    assert ">Glossary<" not in nav(korean)
    assert ">Glossary<" in nav(english)
    assert 'value="ko" lang="ko" selected' in korean
    assert 'value="en" lang="en" selected' in english


def test_the_current_section_is_marked_on_its_pages_only(app, make_user):
    client = signed_in(app, make_user(Role.ADMIN))
    expected = {"/": "/", "/glossary": "/glossary", "/review": "/review", "/account": "/account",
                "/admin/": "/admin/", "/admin/users": "/admin/", "/trainer": "/trainer", "/job-aids": None}
    for url, current in expected.items():
        marked = re.findall(r'<a href="([^"]+)" aria-current="page">', nav(client.get(url).get_data(as_text=True)))
        assert marked == ([current] if current else []), (url, marked)


def test_the_frame_s_forms_carry_each_session_s_own_token_and_page(app, make_user):
    first, second = (signed_in(app, make_user(Role.TRAINEE)) for _ in range(2))
    one, other = (client.get("/glossary?q=x").get_data(as_text=True) for client in (first, second))
    assert CSRF.findall(one)
    assert set(CSRF.findall(one)).isdisjoint(CSRF.findall(other))
    assert 'name="next" value="/glossary?q=x"' in one
    assert 'name="next" value="/account"' in first.get("/account").get_data(as_text=True)
    # The sign-out form in the header works with the token it carries.
    token = CSRF.search(first.get("/").get_data(as_text=True)).group(1)
    assert first.post("/logout", data={"csrf_token": token}).status_code == 302
    assert first.get("/account").status_code == 302  # signed out


def test_a_lesson_shows_its_procedures_as_they_are_now_and_its_own_completion(app, client, trainee, make_user):
    html = client.get(LESSON).get_data(as_text=True)
    assert 'action="/modules/basics/lessons/first/complete"' in html
    assert post_form(client, "/modules/basics/lessons/first/complete", form_url=LESSON).status_code == 302
    html = client.get(LESSON).get_data(as_text=True)
    assert "/complete" not in html
    assert "You completed this lesson." in html
    other = signed_in(app, make_user(Role.TRAINEE)).get(LESSON).get_data(as_text=True)
    assert "/complete" in other  # the kept article is shared; each reader's completion is not


def test_kept_fragments_are_bounded(app, client, trainee, monkeypatch):
    monkeypatch.setattr(fragments, "LIMIT", 3)
    for url in ("/", "/glossary", "/review", "/account", LESSON):
        assert client.get(url).status_code == 200
    assert len(app.extensions[fragments.EXTENSION_KEY]) <= 3
    assert ">My course<" in client.get("/").get_data(as_text=True)  # rebuilt as needed


def badges(html: str) -> list[str]:
    return re.findall(r'<span class="badge badge-(\w+)">([^<]+)</span>', html)


def test_status_badges_and_progress_bars_are_kept_yet_follow_each_trainee_and_language(app, make_user, monkeypatch):
    from tests.test_certificates import complete_module

    done, fresh = make_user(Role.TRAINEE), make_user(Role.TRAINEE)
    as_done, as_fresh = signed_in(app, done), signed_in(app, fresh)
    complete_module(as_done, app, "basics", ["first", "second"])
    first = as_done.get("/").get_data(as_text=True)
    assert ("completed", "Completed") in badges(first)
    assert re.search(r'<progress max="100" value="100" aria-label="Progress in [^"]+">100%</progress>', first)

    renders = []
    original = app.jinja_env.get_template

    def counted(name, *args, **kwargs):
        renders.append(name) if name == fragments.KEPT_MACROS else None
        return original(name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "get_template", counted)
    assert badges(as_done.get("/").get_data(as_text=True)) == badges(first)
    assert renders == []  # every badge and bar of a page seen before: kept, no macro rendered
    other = as_fresh.get("/").get_data(as_text=True)
    assert ("completed", "Completed") not in badges(other)
    assert ("not_started", "Not started") in badges(other)
    assert 'value="100"' not in other
    post_form(as_fresh, "/language", {"locale": "ko", "next": "/"}, form_url="/")
    korean = as_fresh.get("/").get_data(as_text=True)
    assert ("not_started", "Not started") not in badges(korean)  # the language is part of the key
    assert any(kind == "not_started" for kind, _text in badges(korean))
    assert renders  # the Korean badge was rendered, once


def test_kept_macros_are_bounded(app, client, trainee, monkeypatch):
    monkeypatch.setattr(fragments, "MACROS_LIMIT", 2)
    page = client.get("/").get_data(as_text=True)
    assert len(app.extensions[fragments.MACROS_KEY]) <= 2
    assert client.get("/").get_data(as_text=True).count('class="badge badge-') == page.count('class="badge badge-')
