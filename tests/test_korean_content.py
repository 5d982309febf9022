"""The course's own words in Korean: module titles, objectives, scenarios, the glossary and the certificate."""

import re
import shutil

import pytest

from tests.certificate_steps import earn_certificate
from tests.conftest import FIXTURE_CONTENT, post_form, signed_in
from tests.test_certificates_pdf import pdf_text
from tests.test_parity import translate_everything


@pytest.fixture
def korean_site(app, make_app, tmp_path):  # after `app`, which make_user uses: both share one database
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    translate_everything(root)
    return make_app(content_dir=root)


def in_korean(app, make_user):
    client = signed_in(app, make_user())
    post_form(client, "/language", {"locale": "ko", "next": "/"}, form_url="/")
    return client


def test_a_korean_trainee_reads_the_modules_objectives_and_glossary_in_korean(korean_site, make_user):
    client = in_korean(korean_site, make_user)
    dashboard = client.get("/").get_data(as_text=True)
    assert "한국어: Basics" in dashboard
    module = client.get("/modules/basics").get_data(as_text=True)
    assert '<h1 lang="ko">한국어: Basics</h1>' in module
    assert "한국어: Identify the first thing." in module
    glossary = client.get("/glossary").get_data(as_text=True)
    assert "한국어: Removing content from a platform." in glossary
    english = signed_in(korean_site, make_user()).get("/modules/basics").get_data(as_text=True)
    assert '<h1 lang="en">Basics</h1>' in english
    assert "한국어:" not in english


def test_a_korean_trainee_plays_the_scenario_in_korean_and_is_graded_the_same(korean_site, make_user):
    client = in_korean(korean_site, make_user)
    start = post_form(client, "/modules/practice/scenario/start", form_url="/modules/practice/scenario")
    assert start.status_code == 302
    step = client.get(start.headers["Location"]).get_data(as_text=True)
    assert '<div class="prose" lang="ko"><p>한국어: The first situation.</p>' in step
    assert "한국어: Listen" in step


def test_the_certificate_names_the_course_in_the_readers_language(korean_site, make_user, auth):
    user = make_user()
    client = korean_site.test_client()
    from tests.conftest import AuthActions
    AuthActions(client).login(user.email)
    cert = earn_certificate(client, korean_site)
    _reader, english = pdf_text(client.get(f"/certificates/{cert.serial}/certificate.pdf"))
    assert "Test Course" in english
    post_form(client, "/language", {"locale": "ko", "next": "/"}, form_url="/")
    _reader, korean = pdf_text(client.get(f"/certificates/{cert.serial}/certificate.pdf"))
    flat = re.sub(r"[\s\x00]", "", korean)
    assert "한국어:TestCourse" in flat
    assert "한국어:Basics" in flat
