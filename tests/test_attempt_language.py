"""Attempts keep the language they were taken in; item statistics pool both languages of the same question."""

import re

from sqlalchemy import select

from course.extensions import db
from course.models import AttemptItem, Cohort, Module, QuizAttempt, Role, ScenarioRun
from course.trainer.items import item_analysis
from tests.conftest import attempt_answers, post_form, signed_in
from tests.test_i18n import with_korean_questions
from tests.test_korean_content import korean_site  # noqa: F401  (a fixture, used by name)


def choose_language(client, locale: str, next_url: str = "/"):
    return post_form(client, "/language", {"locale": locale, "next": next_url}, form_url=next_url)


def take_quiz(app, client, correct: bool = True) -> int:
    """Start the basics quiz and submit it answered right (or wrong); the attempt's id."""
    response = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    answers = {**attempt_answers(app, attempt_id, correct=correct), "action": "submit"}
    graded = post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/basics/quiz")
    assert graded.status_code == 302
    return attempt_id


def drawn_questions(app, attempt_id: int) -> list[dict]:
    with app.app_context():
        return [item.question.data for item in db.session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id).order_by(AttemptItem.position))]


def test_an_attempt_taken_in_korean_is_reviewed_in_korean_with_the_interface_in_english(make_app, make_user,
                                                                                       tmp_path):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    client = signed_in(app, make_user())
    choose_language(client, "ko")
    attempt_id = take_quiz(app, client, correct=False)
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).language == "ko"
    drawn = drawn_questions(app, attempt_id)
    choose_language(client, "en", f"/attempts/{attempt_id}/result")
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Question by question" in page  # the interface in English
    for data in drawn:
        assert f'<h3 class="review-prompt" lang="ko">문제: {data["prompt"]}</h3>' in page
        assert f"<h3 class=\"review-prompt\" lang=\"en\">{data['prompt']}</h3>" not in page
    assert "피드백: " in page  # the feedback on the choices given, as taken
    # The attempt list links to the attempt, and in-progress pages keep the language too.
    open_id = int(re.search(r"/attempts/(\d+)", post_form(
        client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz").headers["Location"]).group(1))
    with app.app_context():
        db.session.get(QuizAttempt, open_id).language = "ko"
        db.session.commit()
    resumed = client.get(f"/attempts/{open_id}").get_data(as_text=True)
    assert "문제: " in resumed
    assert '<fieldset class="question" id="q1" lang="ko">' in resumed


def test_an_attempt_taken_in_english_stays_english_for_a_reader_in_korean(make_app, make_user, tmp_path):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    client = signed_in(app, make_user())
    attempt_id = take_quiz(app, client)
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).language == "en"
    choose_language(client, "ko")
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert '<html lang="ko"' in page
    assert "문제: " not in page
    assert "해설: " not in page
    assert f'lang="en">{drawn_questions(app, attempt_id)[0]["prompt"]}</h3>' in page


def test_older_attempts_without_a_language_show_the_course_s_default_language(make_app, make_user, tmp_path):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    client = signed_in(app, make_user())
    choose_language(client, "ko")
    attempt_id = take_quiz(app, client)
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).language = None  # as migrated: recorded before languages were
        db.session.commit()
    page = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "문제: " not in page
    assert f'lang="en">{drawn_questions(app, attempt_id)[0]["prompt"]}</h3>' in page


def test_a_trainer_sees_a_trainee_s_attempt_as_the_trainee_saw_it(make_app, make_user, make_cohort, tmp_path,
                                                                 count_queries):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    trainee, trainer, stranger = make_user(), make_user(Role.TRAINER), make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainee)
    choose_language(client, "ko")
    attempt_id = take_quiz(app, client, correct=False)
    drawn = drawn_questions(app, attempt_id)
    staff = signed_in(app, trainer)
    record = staff.get(f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}").get_data(as_text=True)
    url = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}/attempts/{attempt_id}"
    assert f'href="{url}"' in record
    with count_queries() as statements:
        page = staff.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="en"' in html
    assert "Taken in 한국어." in html
    for data in drawn:
        assert f'<h2 class="review-prompt" lang="ko">문제: {data["prompt"]}</h2>' in html
    assert "선택지: " in html
    # The same page with one attempt item or four: the queries do not grow with the questions.
    assert len(statements) <= 12, statements
    # Another cohort's trainer cannot see it; nor can it be reached through the wrong trainee.
    assert signed_in(app, stranger).get(url).status_code == 404
    other = make_user()
    make_cohort(trainer, [other], name="Other intake")
    assert staff.get(f"/trainer/cohorts/{cohort.id}/trainees/{other.id}/attempts/{attempt_id}").status_code == 404
    assert signed_in(app, trainee).get(url).status_code in (403, 404)


def test_item_statistics_pool_an_item_answered_in_english_and_in_korean(make_app, make_user, make_cohort,
                                                                        tmp_path):
    app = make_app(content_dir=with_korean_questions(tmp_path))
    english, korean, trainer = make_user(), make_user(), make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [english, korean])
    en_attempt = take_quiz(app, signed_in(app, english))
    ko_client = signed_in(app, korean)
    choose_language(ko_client, "ko")
    ko_attempt = take_quiz(app, ko_client)
    with app.app_context():
        languages = {a.id: a.language for a in db.session.scalars(select(QuizAttempt))}
        keys = {attempt_id: {item.question.key for item in db.session.scalars(
            select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))}
            for attempt_id in (en_attempt, ko_attempt)}
        module = db.session.scalar(select(Module).where(Module.slug == "basics"))
        statistics, reports = item_analysis(db.session, module, db.session.get(Cohort, cohort.id))
    assert languages == {en_attempt: "en", ko_attempt: "ko"}
    shared = keys[en_attempt] & keys[ko_attempt]  # 4 of 7 questions each: at least one drawn in both
    assert shared
    by_key = {r.key: r for r in reports}
    assert len(reports) == len(keys[en_attempt] | keys[ko_attempt])  # one entry per question, not per language
    for key in shared:
        assert by_key[key].stats.n == 2
    for key in keys[en_attempt] ^ keys[ko_attempt]:
        assert by_key[key].stats.n == 1
    # The page names each question in the trainer's own language.
    staff = signed_in(app, trainer)
    page = staff.get(f"/trainer/cohorts/{cohort.id}/items?module=basics").get_data(as_text=True)
    assert "문제: " not in page
    assert '<h2 class="review-prompt" lang="en">' in page
    choose_language(staff, "ko", f"/trainer/cohorts/{cohort.id}/items?module=basics")
    korean_page = staff.get(f"/trainer/cohorts/{cohort.id}/items?module=basics").get_data(as_text=True)
    assert '<h2 class="review-prompt" lang="ko">문제: ' in korean_page
    assert korean_page.count('class="review-prompt"') == page.count('class="review-prompt"') == len(reports)


def test_a_scenario_run_records_the_language_it_was_played_in(request, make_user):
    site = request.getfixturevalue("korean_site")  # every text of the fixture course has a Korean variant
    for locale in ("ko", "en"):
        client = signed_in(site, make_user())
        choose_language(client, locale)
        start = post_form(client, "/modules/practice/scenario/start", form_url="/modules/practice/scenario")
        assert start.status_code == 302
        with site.app_context():
            run = db.session.scalars(select(ScenarioRun).order_by(ScenarioRun.id.desc())).first()
        assert run.language == locale


def test_a_scenario_run_is_shown_in_the_language_it_started_in(request, make_user):
    site = request.getfixturevalue("korean_site")
    client = signed_in(site, make_user())
    choose_language(client, "ko")
    korean_run = post_form(client, "/modules/practice/scenario/start",
                           form_url="/modules/practice/scenario").headers["Location"]
    choose_language(client, "en", korean_run)
    page = client.get(korean_run).get_data(as_text=True)
    assert '<html lang="en"' in page
    assert '<div class="prose" lang="ko"><p>한국어: The first situation.</p>' in page
    english = signed_in(site, make_user())
    english_run = post_form(english, "/modules/practice/scenario/start",
                            form_url="/modules/practice/scenario").headers["Location"]
    choose_language(english, "ko", english_run)
    page = english.get(english_run).get_data(as_text=True)
    assert '<html lang="ko"' in page
    assert '<div class="prose" lang="en"><p>The first situation.</p>' in page
