"""English and Korean: choosing the language, the switch, dates per locale, content variants, the catalogue."""

import re
import shutil
from datetime import UTC
from pathlib import Path

import yaml
from babel.dates import format_datetime
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select

from course.config import PROJECT_ROOT
from course.content.checks import check_course
from course.extensions import db
from course.models import AttemptItem, ContentVersion, Question, Role, User
from tests.conftest import FIXTURE_CONTENT, PASSWORD, attempt_answers, post_form, signed_in

TRANSLATIONS = PROJECT_ROOT / "translations"
KO_PO = TRANSLATIONS / "ko" / "LC_MESSAGES" / "messages.po"
KO_MO = TRANSLATIONS / "ko" / "LC_MESSAGES" / "messages.mo"


def page_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def page_lang_of(html: str) -> str:
    return re.search(r'<html lang="([^"]+)"', html).group(1)


def switch_language(client, locale: str, next_url: str = "/login"):
    return post_form(client, "/language", {"locale": locale, "next": next_url}, form_url=next_url)


def test_the_interface_follows_the_browser_language(client):
    korean = client.get("/login", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"})
    assert page_lang(korean) == "ko"
    html = korean.get_data(as_text=True)
    assert "로그인" in html
    assert "본문으로 건너뛰기" in html
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert page_lang(english) == "en"
    assert "Skip to main content" in english.get_data(as_text=True)
    assert page_lang(client.get("/login", headers={"Accept-Language": "fr-FR"})) == "en"


def test_a_visitor_s_choice_is_kept_in_their_session(app, client):
    response = switch_language(client, "ko", "/login?next=/glossary")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/glossary"
    page = client.get("/login", headers={"Accept-Language": "en"})
    assert page_lang(page) == "ko"
    assert 'value="ko" lang="ko" selected' in page.get_data(as_text=True)
    assert page_lang(app.test_client().get("/login")) == "en"  # another visitor is unaffected


def test_the_switch_refuses_forgeries_unknown_languages_and_foreign_redirects(client):
    assert client.post("/language", data={"locale": "ko", "next": "/login"}).status_code == 400  # no CSRF token
    assert switch_language(client, "fr").status_code == 400
    response = post_form(client, "/language", {"locale": "ko", "next": "https://evil.example/"}, form_url="/login")
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_a_user_s_choice_is_remembered_across_sign_ins(app, make_user):
    user = make_user(Role.TRAINEE)
    first = signed_in(app, user)
    assert page_lang(first.get("/")) == "en"
    assert switch_language(first, "ko", "/").status_code == 302
    post_form(first, "/logout", form_url="/")
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "ko"
    elsewhere = signed_in(app, user)  # a new device whose browser asks for English
    page = elsewhere.get("/", headers={"Accept-Language": "en"})
    assert page_lang(page) == "ko"
    assert "나의 과정" in page.get_data(as_text=True)
    assert switch_language(elsewhere, "en", "/").status_code == 302
    assert page_lang(signed_in(app, user).get("/", headers={"Accept-Language": "ko"})) == "en"


def test_dates_are_formatted_for_the_locale(app, make_user):
    admin = signed_in(app, make_user(Role.ADMIN))
    with app.app_context():
        synced_at = db.session.scalar(select(ContentVersion.synced_at))
    korean = admin.get("/admin/content", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    english = admin.get("/admin/content", headers={"Accept-Language": "en"}).get_data(as_text=True)
    expected_ko = format_datetime(synced_at, "medium", tzinfo=UTC, locale="ko")
    expected_en = format_datetime(synced_at, "medium", tzinfo=UTC, locale="en_GB")  # British conventions
    assert expected_ko != expected_en
    assert expected_ko in korean
    assert f"{synced_at.year}." in expected_ko
    assert expected_en in english


def test_a_lesson_with_a_korean_variant_is_shown_in_korean(client, trainee):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ko"
    html = client.get("/modules/basics/lessons/first").get_data(as_text=True)
    assert "첫 번째 강의" in html
    assert "이 강의는 첫 번째 내용을 다룹니다." in html
    assert "This lesson teaches the first thing." not in html
    without_variant = client.get("/modules/basics/lessons/second").get_data(as_text=True)
    assert "다음 강의" not in without_variant or "Second" in without_variant
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get("/modules/basics/lessons/first").get_data(as_text=True)
    assert "This lesson teaches the first thing." in english
    assert "첫 번째 강의" not in english


def with_korean_questions(tmp_path) -> Path:
    """A copy of the fixture course in which every basics question has a Korean variant."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    quiz = root / "01-basics" / "quiz.yaml"
    bank = yaml.safe_load(quiz.read_text(encoding="utf-8"))
    for question in bank["questions"]:
        question["ko"] = {"prompt": f"문제: {question['prompt']}", "explanation": f"해설: {question['explanation']}",
                          "choices": [{"text": f"선택지: {c['text']}", "feedback": f"피드백: {c['feedback']}"}
                                      for c in question["choices"]]}
    quiz.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    return root


def test_a_question_with_a_korean_variant_is_shown_in_korean_and_graded_the_same(make_app, make_user, tmp_path):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    client = signed_in(app, make_user(Role.TRAINEE))
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ko"
    response = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        drawn = [item.question.data for item in db.session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))]
    for data in drawn:
        assert f"문제: {data['prompt']}" in html
        assert f"선택지: {data['choices'][0]['text']}" in html
    answers = {**attempt_answers(app, attempt_id, correct=True), "action": "submit"}
    result = post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/basics/quiz",
                       follow_redirects=True).get_data(as_text=True)
    assert "합격했습니다" in result
    assert f"해설: {drawn[0]['explanation']}" in result
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    english = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert page_lang_of(english) == "en"  # the interface follows the reader; the attempt keeps its language
    assert f"해설: {drawn[0]['explanation']}" in english


def test_the_fixture_course_s_korean_question_is_published_inside_its_data(app):
    with app.app_context():
        data = db.session.scalar(select(Question.data).where(Question.key == "basics-q04"))
    assert data["ko"]["prompt"] == "다음 단계를 순서대로 배열하십시오."
    assert len(data["ko"]["choices"]) == len(data["choices"])


def test_content_check_holds_variants_to_their_english_originals(tmp_path):
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    assert check_course(root).problems == []
    lessons = root / "01-basics" / "lessons"
    variant = lessons / "01-first.ko.md"
    variant.write_text(variant.read_text(encoding="utf-8").replace("[basics-one]", "[basics-two]"), encoding="utf-8")
    (lessons / "09-missing.ko.md").write_text(variant.read_text(encoding="utf-8"), encoding="utf-8")
    (lessons / "02-second.ko.md").write_text(
        (lessons / "02-second.md").read_text(encoding="utf-8").replace("---\n\n", "---\n\n1987년에 일어났습니다.\n", 1),
        encoding="utf-8")
    quiz = root / "01-basics" / "quiz.yaml"
    step = "        - {text: 지원 기관에 연계한다, feedback: 연계는 그 뒤에 이어집니다.}\n"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace(step, ""), encoding="utf-8")
    reasons = sorted(problem.reason for problem in check_course(root).problems)
    assert reasons == [
        "'1987' is not a figure listed in figures.yaml",
        "objectives must be the same as in the English lesson (ko variant)",
        "question basics-q04: ko.choices needs one entry per English choice (3)",
        "this translation has no English lesson of the same name",
    ]


def test_the_committed_catalogue_is_complete_and_matches_its_source(tmp_path):
    with KO_PO.open("rb") as fh:
        catalog = read_po(fh, locale="ko")
    untranslated = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string]))]
    assert untranslated == [], "translate these in messages.po, then run `make translations`"
    assert [(m.id, errors) for m, errors in catalog.check()] == []  # placeholders kept exactly
    compiled = tmp_path / "messages.mo"
    with compiled.open("wb") as fh:
        write_mo(fh, catalog)
    with compiled.open("rb") as fresh, KO_MO.open("rb") as committed:
        expected, actual = read_mo(fresh), read_mo(committed)
    assert [(m.id, m.string) for m in actual if m.id] == [(m.id, m.string) for m in expected if m.id], \
        "messages.mo is out of date: run `make translations`"


def test_every_interface_string_is_in_the_catalogue():
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    method_map = [("course/**.py", "python"), ("templates/**.html", "jinja2")]
    # Babel skips folders whose names start with "_" by default; templates/_macros holds interface strings too.
    found = {message if isinstance(message, str) else message[0]
             for _file, _line, message, _comments, _context in extract_from_dir(
                 Path(PROJECT_ROOT), method_map, keywords=keywords,
                 directory_filter=lambda path: not Path(path).name.startswith("."))}
    assert "Time taken" in found  # a string only templates/_macros/attempts.html has
    with KO_PO.open("rb") as fh:
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert sorted(found - known) == [], "new strings: run `make translations` and translate them"


def test_a_refusal_from_a_service_reaches_a_korean_trainee_in_korean(app, make_user):
    """Services raise their errors through the catalogue, so the page says why in the reader's language."""
    client = signed_in(app, make_user(Role.TRAINEE))
    assert switch_language(client, "ko", "/review").status_code == 302
    response = post_form(client, "/review/start", form_url="/review")
    assert response.status_code == 409
    assert "먼저 모듈을 완료하십시오." in response.get_data(as_text=True)
    assert "Complete a module first" not in response.get_data(as_text=True)


def test_the_language_chosen_before_signing_in_carries_into_the_account(app, client, make_user):
    user = make_user(Role.TRAINEE)
    assert switch_language(client, "ko", "/login").status_code == 302
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page_lang(page) == "ko"
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "ko"


def test_registering_in_korean_keeps_the_account_in_korean(app, client):
    assert switch_language(client, "ko", "/register").status_code == 302
    response = post_form(client, "/register", {"name": "김하늘", "email": "haneul@academy.example",
                                               "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert page_lang(client.get("/", headers={"Accept-Language": "en"})) == "ko"
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.email == "haneul@academy.example")) == "ko"


def test_wtforms_own_messages_follow_the_language_and_are_read_once_per_process(app, monkeypatch):
    """WTForms' built-in messages come in the reader's language; its catalogue file is not read again per request."""
    from babel import support
    from flask import request
    from flask_wtf.i18n import translations

    from course.core import i18n

    monkeypatch.setattr(i18n, "_WTFORMS_CATALOGUES", {})
    reads = []
    load = support.Translations.load
    monkeypatch.setattr(support.Translations, "load",
                        lambda *args, **kwargs: reads.append(kwargs.get("domain")) or load(*args, **kwargs))
    said = {}
    for language in ("ko", "en", "ko", "en", "ko"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            app.preprocess_request()
            said.setdefault(language, set()).add(translations.gettext("This field is required."))
            assert request.wtforms_translations in i18n._WTFORMS_CATALOGUES.values()
    assert said == {"ko": {"이 항목은 필수입니다."}, "en": {"This field is required."}}
    assert reads.count("wtforms") == 2  # once for each language


def test_kept_percentages_follow_the_language_they_were_formatted_in(app):
    """Templates' format_percent keeps what Babel formats, by value, pattern and locale: a value shown in one
    language is never shown with another's conventions."""
    from flask_babel import force_locale

    format_percent = app.jinja_env.globals["format_percent"]
    with app.test_request_context("/"):
        assert format_percent(0.5) == "50%"
        with force_locale("de"):
            assert format_percent(0.5) == "50\xa0%"
            assert format_percent(0.125, "#,##0.0%") == "12,5%"
        assert format_percent(0.125, "#,##0.0%") == "12.5%"
        assert format_percent(0.5) == "50%"
