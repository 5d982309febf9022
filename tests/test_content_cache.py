"""The live course cached per process (core/catalogue.py): new versions picked up at once, one language's words
never shown in another, cached objects never in a session, and the trainee's pages in a fixed, small number of
queries however much progress there is."""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import inspect, select

from course import create_app
from course.admin.services import activate_version
from course.config import testing_config as config_for_tests
from course.content.publish import sync_content
from course.core.catalogue import CACHE_KEY, load_live_version
from course.core.markdown import render_markdown
from course.extensions import db
from course.models import ContentVersion, Role, User
from tests.conftest import FIXTURE_CONTENT, attempt_answers, post_form

LESSON = "/modules/basics/lessons/first"
ENGLISH, KOREAN = "This lesson teaches the first thing.", "이 강의는 첫 번째 내용을 다룹니다."
REVISED = "This lesson now teaches a revised first thing."


def revised_content(tmp_path):
    root = tmp_path / "revised"
    shutil.copytree(FIXTURE_CONTENT, root)
    lesson = root / "01-basics" / "lessons" / "01-first.md"
    lesson.write_text(lesson.read_text().replace(ENGLISH, REVISED))
    return root


@pytest.fixture
def other_worker(database_dir):
    """Another gunicorn worker: its own app, engine, session and cache, on the same database."""
    apps = []

    def factory(content_dir=FIXTURE_CONTENT):
        other = create_app(config_for_tests(database_dir, content_dir))
        apps.append(other)
        return other

    yield factory
    for other in apps:
        with other.app_context():
            db.engine.dispose()


def body(client, url=LESSON, language="en") -> str:
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_version_made_live_by_another_worker_is_shown_on_the_next_request(client, trainee, other_worker,
                                                                             make_user, tmp_path):
    assert ENGLISH in body(client)  # this worker now holds the first version
    other = other_worker()
    with other.app_context():
        result = sync_content(db.session, revised_content(tmp_path))
        db.session.commit()
        revised_hash = result.version.content_hash
    html = body(client)
    assert REVISED in html
    assert ENGLISH not in html
    # An admin in another worker rolls back to the first version (same slugs, its own id and hash): shown at once.
    admin = make_user(Role.ADMIN)
    with other.app_context():
        first = db.session.scalar(select(ContentVersion).where(ContentVersion.content_hash != revised_hash))
        assert activate_version(db.session, db.session.get(User, admin.id), first)
        db.session.commit()
    html = body(client)
    assert ENGLISH in html
    assert REVISED not in html


def test_the_cache_keeps_only_the_live_version_keyed_by_id_hash_and_language(app, client, trainee, other_worker,
                                                                            tmp_path):
    body(client)
    body(client, language="ko")
    with app.app_context():
        live = load_live_version(db.session)
        keys = set(app.extensions[CACHE_KEY])
    assert keys == {(live.id, live.content_hash, None), (live.id, live.content_hash, "ko")}
    with other_worker().app_context():
        sync_content(db.session, revised_content(tmp_path))
        db.session.commit()
    body(client)
    with app.app_context():
        revised = load_live_version(db.session)
    assert revised.content_hash != live.content_hash
    assert set(app.extensions[CACHE_KEY]) == {(revised.id, revised.content_hash, None)}  # the old one is dropped


def test_one_languages_words_never_show_in_another(client, trainee):
    for language, shown, hidden in [("ko", KOREAN, ENGLISH), ("en", ENGLISH, KOREAN), ("ko", KOREAN, ENGLISH),
                                    ("en", ENGLISH, KOREAN)]:
        html = body(client, language=language)
        assert shown in html, language
        assert hidden not in html, language
        assert f'lang="{language}"' in html
    # The dashboard's next step names the lesson: in the page's language only, whichever language came first.
    for language, shown, hidden in [("ko", "첫 번째 강의", "First lesson"), ("en", "First lesson", "첫 번째 강의")]:
        html = body(client, "/", language)
        assert shown in html, language
        assert hidden not in html, language


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_worker_renders_the_lessons_when_it_loads_the_course_not_when_each_is_first_read(app, client, trainee,
                                                                                         language):
    """A worker that loads the live course (here on the dashboard) renders every lesson's Markdown then, in the language
    it loaded: the first reader of each lesson waits for no rendering, and the lesson shows as before."""
    app.extensions.pop(CACHE_KEY, None)  # a worker that has not loaded the course yet
    render_markdown.cache_clear()
    body(client, "/", language)
    rendered = render_markdown.cache_info()
    assert rendered.misses >= 2  # both fixture lessons with text
    html = body(client, LESSON, language)
    assert (KOREAN if language == "ko" else ENGLISH) in html
    after = render_markdown.cache_info()
    assert after.misses == rendered.misses, "the lesson's Markdown was rendered on its first view"
    assert after.hits > rendered.hits


def test_cached_objects_are_never_in_a_session_nor_expired_by_a_commit(app, client, trainee):
    # Pages that read the course and pages that write (a lesson visit, a quiz started from the cached questions).
    body(client)
    body(client, "/modules/basics/lessons/second?note=read")
    start = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz")
    assert start.status_code == 302
    body(client, start.headers["Location"])
    with app.app_context():
        version = load_live_version(db.session)
        assert load_live_version(db.session) is version  # from the cache: the same objects every request
        db.session.commit()
        objects = [version, *version.modules]
        for module in version.modules:
            objects += [*module.lessons, *module.questions, *module.exam_questions]
        assert len(objects) > 10
        for obj in objects:
            state = inspect(obj)
            assert state.detached, obj
            assert not state.expired_attributes, obj
            assert obj not in db.session
        lesson = version.modules[0].lessons[0]
        assert lesson.module is version.modules[0]  # followed without a session
        assert version.modules[0].questions[0].module is version.modules[0]
        assert version.modules[0].version is version
    assert version.modules[0].lessons[0].body_markdown  # still readable after the app context ended


def page_queries(client, url, count_queries) -> int:
    body(client, url)  # the first request of a process loads the course into its cache
    with count_queries() as statements:
        body(client, url)
    return len(statements)


PAGES = {  # user, the live version's id and hash, progress (one query), then the page's own, then the settings
    "lesson": (LESSON, 4),
    "dashboard": ("/", 7),  # + certificate, cohorts, paused modules
    "module": ("/modules/basics", 6),  # + objective mastery, paused modules
    "quiz": (None, 4),  # user, the attempt with its items (one query), the live version (questions cached), settings
}


@pytest.mark.parametrize("page", PAGES)
def test_the_trainees_pages_run_a_fixed_small_number_of_queries(app, client, trainee, count_queries, page):
    url, expected = PAGES[page]
    body(client, LESSON + "?note=read")
    quiz_url = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]
    url = url or quiz_url
    little = page_queries(client, url, count_queries)
    # Much more progress: every lesson done, quizzes submitted and open, a scenario played.
    for module, lesson in [("basics", "first"), ("basics", "second"), ("practice", "only")]:
        lesson_url = f"/modules/{module}/lessons/{lesson}"
        post_form(client, f"{lesson_url}/complete", form_url=lesson_url + "?note=read")
    attempt_id = int(re.search(r"/attempts/(\d+)", quiz_url).group(1))
    post_form(client, f"/attempts/{attempt_id}", {**attempt_answers(app, attempt_id, False), "action": "submit"},
              form_url="/modules/basics/quiz")
    post_form(client, "/modules/practice/quiz/start", form_url="/modules/practice/quiz")
    post_form(client, "/modules/practice/scenario/start", form_url="/modules/practice/scenario")
    if page == "quiz":
        url = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]
    much = page_queries(client, url, count_queries)
    assert little == much == expected, (little, much)


@pytest.mark.parametrize(("lock", "content"), [(False, False), (False, True), (True, False), (True, True)])
def test_loading_an_attempt_reads_only_its_own_items(app, client, trainee, lock, content):
    """The attempt's items (and their questions) are found through indexes: SQLite once materialised every attempt's
    items for a nested join, work that grew with every quiz anyone had taken."""
    from sqlalchemy import event

    from course.quiz.services import load_attempt

    url = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("reads SQLite's query plan")
        seen = []
        listener = lambda _c, _cur, statement, parameters, *_: seen.append((statement, parameters))  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert load_attempt(db.session, int(url.rsplit("/", 1)[1]), lock, content).items
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        connection = db.session.connection().connection.driver_connection
        for statement, parameters in seen:
            plan = " | ".join(row[-1] for row in connection.execute("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "SCAN" not in plan, plan
            assert "MATERIALIZE" not in plan, plan


def submit(client, url: str, answers: dict) -> str:
    submitted = post_form(client, url, {**answers, "action": "submit"}, form_url=url)
    assert submitted.status_code == 302, submitted.status_code
    return submitted.headers["Location"]


def test_saving_grading_and_the_results_take_the_questions_from_the_cached_course(app, client, trainee,
                                                                                    count_queries):
    """A quiz's save, its submission and its results page read no question from the database: the cached live
    course's copies grade it and show it."""
    url = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]
    answers = attempt_answers(app, int(url.rsplit("/", 1)[1]), True)
    with count_queries() as statements:
        saved = post_form(client, url, {"action": "next"}, form_url=url)
        result = body(client, submit(client, url, answers))
    assert saved.status_code == 302
    assert "100%" in result
    assert result.count("✓ Correct") == 4
    assert not [s for s in statements if re.search(r"\b(FROM|JOIN) questions\b", s)], "a question was read"


def test_an_attempt_on_an_earlier_version_is_graded_and_shown_on_its_own_questions(app, client, trainee, other_worker,
                                                                                   tmp_path):
    url = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]
    with other_worker().app_context():  # a revised course goes live while the attempt is open
        sync_content(db.session, revised_content(tmp_path))
        db.session.commit()
    assert REVISED in body(client)  # this worker now caches the revised version
    result = body(client, submit(client, url, attempt_answers(app, int(url.rsplit("/", 1)[1]), False)))
    assert "0%" in result
    assert result.count("✗ Not correct") == 4
