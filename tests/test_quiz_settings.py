"""Module quiz settings as a trainee meets them: pages, time limit, cooldown, attempt limit, review policy;
and what the engine teaches back: mastery per objective and spaced review rounds."""

import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from course.core.accounts import create_user
from course.extensions import db
from course.models import AttemptItem, QuizAttempt
from course.quiz.practice import choose_objectives
from tests.conftest import FIXTURE_CONTENT, PASSWORD, attempt_answers, post_form
from tests.test_certificates import complete_module

QUIZ = "/modules/basics/quiz"


@pytest.fixture
def configure(make_app, tmp_path):
    """Factory: an app whose basics quiz has the given settings, and a signed-in trainee's client."""

    def factory(**settings):
        root = tmp_path / "content"
        shutil.copytree(FIXTURE_CONTENT, root)
        module = root / "01-basics" / "module.yaml"
        extra = "".join(f"  {key}: {value}\n" for key, value in settings.items())
        module.write_text(module.read_text().replace("  questions_per_attempt: 4\n",
                                                     "  questions_per_attempt: 4\n" + extra))
        app = make_app(content_dir=root)
        with app.app_context():
            create_user(db.session, email="t@academy.example", name="Trainee T", password=PASSWORD)
            db.session.commit()
        client = app.test_client()
        post_form(client, "/login", {"email": "t@academy.example", "password": PASSWORD})
        return app, client

    return factory


def start(client):
    response = post_form(client, f"{QUIZ}/start", form_url=QUIZ)
    match = re.search(r"/attempts/(\d+)", response.headers.get("Location", ""))
    return (int(match.group(1)) if match else None), response


def submit(app, client, attempt_id, correct=True, page=1):
    data = {**attempt_answers(app, attempt_id, correct), "action": "submit", "page": str(page)}
    return post_form(client, f"/attempts/{attempt_id}", data, form_url=QUIZ)


def get_attempt(app, attempt_id):
    with app.app_context():
        return db.session.get(QuizAttempt, attempt_id)


def test_questions_are_shown_a_page_at_a_time_and_saved_on_each_move(configure):
    app, client = configure(questions_per_page=1)
    attempt_id, _ = start(client)
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Question 1 of 4" in html
    assert "Question 2 of 4" not in html
    assert "Page 1 of 4" in html
    answers = attempt_answers(app, attempt_id)
    page_one = {k: v for k, v in answers.items() if k == "q1" or k.startswith("q1-")}
    response = post_form(client, f"/attempts/{attempt_id}", {**page_one, "action": "next", "page": "1"})
    assert response.headers["Location"].endswith("page=2")
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Question 2 of 4" in html
    assert "1 of 4 answered" in html
    # Closing the browser and coming back loses nothing.
    with app.app_context():
        first = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id,
                                                            AttemptItem.position == 1))
        assert first.response is not None
        assert first.saved_at is not None


def test_submitting_from_the_last_page_grades_every_saved_answer(configure):
    app, client = configure(questions_per_page=2)
    attempt_id, _ = start(client)
    answers = attempt_answers(app, attempt_id)
    first = {k: v for k, v in answers.items() if k.split("-")[0] in ("q1", "q2")}
    second = {k: v for k, v in answers.items() if k.split("-")[0] in ("q3", "q4")}
    post_form(client, f"/attempts/{attempt_id}", {**first, "action": "next", "page": "1"}, form_url=QUIZ)
    post_form(client, f"/attempts/{attempt_id}", {**second, "action": "submit", "page": "2"}, form_url=QUIZ)
    assert get_attempt(app, attempt_id).score == 100.0


def test_time_limit_grades_only_what_was_saved_in_time(configure):
    app, client = configure(time_limit_minutes=10)
    attempt_id, _ = start(client)
    assert "Time limit: ends at" in client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    wrong = attempt_answers(app, attempt_id, correct=False)
    post_form(client, f"/attempts/{attempt_id}", {**wrong, "action": "save"}, form_url=QUIZ)
    with app.app_context():  # the clock runs out
        db.session.get(QuizAttempt, attempt_id).deadline_at = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    response = submit(app, client, attempt_id, correct=True)
    attempt = get_attempt(app, attempt_id)
    assert attempt.late
    assert attempt.score == 0.0
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Time ran out" in html


def expired_attempt(configure):
    """A trainee's attempt whose five minutes ran out a minute ago, unsubmitted: (app, client, attempt id)."""
    app, client = configure(time_limit_minutes=5)
    attempt_id, _ = start(client)
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).deadline_at = datetime.now(UTC) - timedelta(minutes=1)
        db.session.commit()
    return app, client, attempt_id


def test_an_expired_attempt_is_graded_when_the_trainee_returns(configure):
    app, client, attempt_id = expired_attempt(configure)
    response = client.get(f"/attempts/{attempt_id}")
    assert response.headers["Location"] == f"/attempts/{attempt_id}/result"
    assert get_attempt(app, attempt_id).is_submitted


def test_an_expired_attempt_is_graded_when_its_results_are_opened(configure):
    app, client, attempt_id = expired_attempt(configure)
    response = client.get(f"/attempts/{attempt_id}/result")
    assert response.status_code == 200
    assert "Quiz results" in response.get_data(as_text=True)
    assert get_attempt(app, attempt_id).is_submitted
    assert get_attempt(app, attempt_id).late


def test_cooldown_refuses_a_new_attempt_with_a_clear_message(configure):
    app, client = configure(cooldown_minutes=60)
    attempt_id, _ = start(client)
    submit(app, client, attempt_id, correct=False)
    second, response = start(client)
    assert second is None
    assert response.status_code == 409
    assert "You can start another attempt at" in response.get_data(as_text=True)


def test_max_attempts_refuses_another_and_then_reveals_answers(configure):
    app, client = configure(max_attempts=1)
    attempt_id, _ = start(client)
    submit(app, client, attempt_id, correct=False)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "You have used all your attempts" in html
    assert "The correct answer:" in html or "The correct order:" in html  # out of attempts: revealed
    second, response = start(client)
    assert second is None
    assert response.status_code == 409
    assert "You have used all 1 attempts" in response.get_data(as_text=True)


@pytest.mark.parametrize(("policy", "revealed"), [("always", True), ("never", False), ("when_passed", False)])
def test_review_policy_controls_revealing_correct_answers_after_a_fail(configure, policy, revealed):
    app, client = configure(review_correct_answers=policy)
    attempt_id, _ = start(client)
    submit(app, client, attempt_id, correct=False)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert ("The correct answer:" in html or "The correct order:" in html) == revealed
    assert ("Why:" in html) == revealed  # explanations name the answer, so they follow the same policy


def test_mastery_per_objective_shows_best_and_latest(client, app, trainee):
    attempt_id, _ = start(client)
    submit(app, client, attempt_id, correct=True)
    second, _ = start(client)
    submit(app, client, second, correct=False)
    html = client.get("/modules/basics").get_data(as_text=True)
    row = re.search(r"Identify the first thing\.</th>\s*<td>(\d+)%</td>\s*<td>(\d+)%", html)
    assert row
    assert row.groups() == ("100", "0")


def test_review_rounds_draw_from_completed_modules_only_and_do_not_count(client, app, trainee):
    assert "Complete a module first" in client.get("/review").get_data(as_text=True)
    complete_module(client, app, "basics", ["first", "second"])
    response = post_form(client, "/review/start", form_url="/review")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.is_practice
        assert {item.question.module.slug for item in attempt.items} == {"basics"}
        assert {item.question.objective for item in attempt.items} == {"basics-one", "basics-two"}
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "Review round" in html
    assert "Why:" not in html
    submit(app, client, attempt_id, correct=False)
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Review round results" in result
    assert "The correct answer" in result
    dashboard = client.get("/").get_data(as_text=True)
    assert "best quiz score 100%" in dashboard  # practice did not lower or count as the module quiz


def test_review_picks_the_weakest_then_the_longest_unseen_objectives():
    now = datetime.now(UTC)
    history = {"a": (now, 1.0), "b": (now - timedelta(days=9), 1.0), "c": (now, 0.2), "d": (now, 0.0)}
    assert choose_objectives(["a", "b", "c", "d", "e"], history, 3) == ["e", "d", "c"]
    assert choose_objectives(["a", "b"], history, 1) == ["b"]


def test_practice_needs_a_csrf_token_and_a_completed_module(client, trainee):
    assert client.post("/review/start").status_code == 400
    assert post_form(client, "/review/start", form_url="/review").status_code == 409


def test_true_false_keeps_its_order_in_every_draw(client, app, trainee):
    for _ in range(3):
        attempt_id, _ = start(client)
        with app.app_context():
            for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)):
                if item.question.type == "true_false":
                    assert item.choice_order == [0, 1]
                assert sorted(item.choice_order) == list(range(len(item.question.data["choices"])))
        submit(app, client, attempt_id)
