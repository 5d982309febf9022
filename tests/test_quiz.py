"""Taking a quiz: no answers before submission, graded on the server, once; retakes; review."""

import re

from sqlalchemy import func, select

from course.extensions import db
from course.models import AttemptItem, QuizAttempt, Role
from tests.conftest import attempt_answers, post_form

QUIZ = "/modules/basics/quiz"


def start(client) -> int:
    response = post_form(client, f"{QUIZ}/start", form_url=QUIZ)
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def submit(client, app, attempt_id, correct=True, extra=None):
    data = {**attempt_answers(app, attempt_id, correct), "action": "submit", **(extra or {})}
    return post_form(client, f"/attempts/{attempt_id}", data, form_url=QUIZ)


def attempt_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(QuizAttempt.id)))


def test_the_quiz_page_never_contains_answers_or_feedback(client, app, trainee):
    attempt_id = start(client)
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    with app.app_context():
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
        assert len(items) == 4
        for item in items:
            data = item.question.data
            assert data["prompt"] in html
            assert data["explanation"] not in html
            for choice in data["choices"]:
                assert choice["text"] in html
                assert choice["feedback"] not in html
    assert "correct" not in html.lower().replace("incorrect when you submit", "")


def test_the_draw_covers_every_objective(client, app, trainee):
    attempt_id = start(client)
    with app.app_context():
        objectives = {item.question.objective for item in
                      db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id))}
    assert objectives == {"basics-one", "basics-two"}


def test_a_wrong_submission_fails_with_feedback_and_can_be_retaken(client, app, trainee):
    attempt_id = start(client)
    response = submit(client, app, attempt_id, correct=False)
    assert response.headers["Location"] == f"/attempts/{attempt_id}/result"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Not passed yet" in html
    assert "Score: 0%" in html
    # The explanations name the answers, so they are withheld with the answers, as the page says.
    assert "Why:" not in html
    assert "The correct answers, and the explanations that name them, are shown once you pass." in html
    assert "Source: Source A, a test citation." in html
    assert "What to review" in html
    assert 'href="/modules/basics/lessons/first"' in html  # remediation link
    assert "The correct answer:" not in html  # hidden until passed
    second = start(client)
    assert second != attempt_id
    assert submit(client, app, second).status_code == 302
    passed = client.get(f"/attempts/{second}/result").get_data(as_text=True)
    assert "You passed" in passed
    assert "Score: 100%" in passed
    assert "Why:" in passed


def test_feedback_for_the_chosen_answer_is_shown_after_submission(client, app, trainee):
    attempt_id = start(client)
    submit(client, app, attempt_id, correct=False)
    html = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    with app.app_context():
        for item in db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)):
            assert item.question.data["explanation"] not in html  # it names the answer: shown once passed
            for index in item.response:
                if item.question.type != "ordering":
                    assert item.question.data["choices"][index]["feedback"] in html


def test_starting_twice_resumes_the_open_attempt(client, app, trainee):
    assert start(client) == start(client)
    assert attempt_count(app) == 1


def test_saved_answers_survive_leaving_and_coming_back(client, app, trainee):
    attempt_id = start(client)
    answers = attempt_answers(app, attempt_id)
    response = post_form(client, f"/attempts/{attempt_id}", {**answers, "action": "save"})
    assert response.status_code == 302
    html = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert "4 of 4 answered" in html
    assert html.count("checked") >= 3


def test_submitting_twice_grades_once(client, app, trainee):
    attempt_id = start(client)
    submit(client, app, attempt_id)
    again = submit(client, app, attempt_id, correct=False)
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "already submitted; nothing was changed" in html
    assert "You passed" in html
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        assert attempt.score == 100.0
        assert attempt.passed
    assert attempt_count(app) == 1


def test_answers_for_questions_not_in_the_attempt_are_rejected(client, app, trainee):
    attempt_id = start(client)
    response = submit(client, app, attempt_id, extra={"q99": "0"})
    assert response.status_code == 400
    assert "do not belong to this attempt" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(QuizAttempt, attempt_id).is_submitted


def test_choices_that_do_not_exist_are_rejected_without_saving(client, app, trainee):
    attempt_id = start(client)
    with app.app_context():
        item = db.session.scalar(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id,
                                                           AttemptItem.position == 1))
        is_ordering = item.question.type == "ordering"
    forged = {"q1-0": "9"} if is_ordering else {"q1": "7"}
    response = submit(client, app, attempt_id, extra=forged)
    assert response.status_code == 422
    assert "There is a problem" in response.get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(QuizAttempt, attempt_id).is_submitted


def test_another_trainees_attempt_is_not_found(client, app, trainee, make_user, auth):
    attempt_id = start(client)
    auth.logout()
    other = make_user(Role.TRAINEE)
    auth.login(other.email)
    assert client.get(f"/attempts/{attempt_id}").status_code == 404
    assert client.get(f"/attempts/{attempt_id}/result").status_code == 404
    assert submit(client, app, attempt_id).status_code in (400, 404)
    with app.app_context():
        assert not db.session.get(QuizAttempt, attempt_id).is_submitted


def test_a_quiz_on_lessons_with_content_notes_opens_with_one(client, trainee):
    assert "Some questions describe situations like those" in client.get("/modules/basics/quiz").get_data(as_text=True)
    assert "Some questions describe situations" not in client.get("/modules/practice/quiz").get_data(as_text=True)
