"""A worker failing mid-request, at the worst moment, leaves nothing half-written."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

import course.core.roster as importer
import course.quiz.views as quiz_views
from course.extensions import db
from course.models import AuditEvent, Certificate, CohortMember, PasswordToken, QuizAttempt, Role, User
from tests.conftest import attempt_answers, csrf_token, post_form, signed_in
from tests.test_certificates import complete_module


class WorkerDied(RuntimeError):
    """Stands in for a crash (out of memory, a bug, a lost connection) in the middle of a request."""


def die(*_args, **_kwargs):
    raise WorkerDied("simulated failure")


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (User, QuizAttempt, Certificate, CohortMember, PasswordToken, AuditEvent)}


def submitted(app) -> list[tuple]:
    with app.app_context():
        return db.session.execute(select(QuizAttempt.id, QuizAttempt.status, QuizAttempt.score)
                                  .where(QuizAttempt.submitted_at.is_not(None))).all()


def start_quiz(client, app, module: str) -> tuple[int, dict]:
    quiz = f"/modules/{module}/quiz"
    response = post_form(client, f"{quiz}/start", form_url=quiz)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return attempt_id, {**attempt_answers(app, attempt_id), "action": "submit"}


def test_a_failure_after_grading_but_before_commit_leaves_the_attempt_open(app, client, trainee, monkeypatch):
    attempt_id, answers = start_quiz(client, app, "basics")
    before = counts(app)
    monkeypatch.setattr(quiz_views, "certify_if_complete", die)  # runs right after grading
    response = post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/basics/quiz")
    assert response.status_code == 500
    assert "Nothing you submitted was half-saved" in response.get_data(as_text=True)
    assert submitted(app) == []
    assert counts(app) == before
    monkeypatch.undo()  # the trainee tries again and it works, exactly once
    assert post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/basics/quiz").status_code == 302
    assert [row[0] for row in submitted(app)] == [attempt_id]


def test_a_failure_after_the_certificate_row_is_added_issues_nothing(app, client, trainee, monkeypatch):
    complete_module(client, app, "basics", ["first", "second"])
    for lesson in ("only",):
        url = f"/modules/practice/lessons/{lesson}"
        post_form(client, f"{url}/complete", form_url=url + "?note=read")
    attempt_id, answers = start_quiz(client, app, "practice")
    before = counts(app)
    monkeypatch.setattr(quiz_views, "announce_certificate", die)  # the certificate is added and flushed by now
    response = post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/practice/quiz")
    assert response.status_code == 500
    assert counts(app) == before
    assert attempt_id not in [row[0] for row in submitted(app)]
    monkeypatch.undo()
    assert post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/practice/quiz").status_code == 302
    assert counts(app)["Certificate"] == 1


def test_a_failure_during_a_csv_import_after_users_are_inserted_imports_nobody(app, make_user, make_cohort,
                                                                                 monkeypatch):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    before = counts(app)
    real = importer.new_password_token
    calls = []

    def second_token_dies(*args, **kwargs):
        calls.append(args)
        if len(calls) == 2:  # the users are inserted; the first link exists; then the worker dies
            die()
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "new_password_token", second_token_dies)
    roster = "email,name,badge_number\na@academy.example,A One,\nb@academy.example,B Two,\nc@academy.example,C Three,\n"
    response = post_form(client, f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(roster.encode()), "roster.csv"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 500
    assert len(calls) == 2
    assert counts(app) == before


def _lost_connection(*_args, **_kwargs):
    from sqlalchemy.exc import OperationalError

    raise OperationalError("COMMIT", {}, ConnectionResetError("server closed the connection unexpectedly"))


def test_a_database_lost_during_the_final_commit_answers_503_with_retry_after(app, client, trainee, monkeypatch):
    from sqlalchemy.orm import Session

    attempt_id, answers = start_quiz(client, app, "basics")
    token = csrf_token(client, "/modules/basics/quiz")
    monkeypatch.setattr(Session, "commit", _lost_connection)
    response = client.post(f"/attempts/{attempt_id}", data={**answers, "csrf_token": token})
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Nothing you submitted was saved" in response.get_data(as_text=True)
    assert submitted(app) == []


def test_a_database_lost_during_the_final_rollback_answers_503(app, client, trainee, monkeypatch):
    from sqlalchemy.orm import Session

    # A POST that answers 404 ends its transaction with a rollback (a GET that only read has none to end: its reads
    # ran on a reader connection, course/readers.py).
    token = csrf_token(client, "/modules/basics/quiz")
    assert client.post("/attempts/999", data={"csrf_token": token}).status_code == 404
    monkeypatch.setattr(Session, "rollback", _lost_connection)
    response = client.post("/attempts/999", data={"csrf_token": token})
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["X-Frame-Options"] == "DENY"
