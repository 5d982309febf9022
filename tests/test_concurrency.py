"""Races a trainee can cause: the same attempt submitted from several tabs at once, a double-clicked
start, the same lesson completed twice at once. Exactly one record each, no errors shown."""

import re
import threading

from sqlalchemy import func, select

from course.extensions import db
from course.models import AttemptStatus, LessonProgress, QuizAttempt
from tests.conftest import PASSWORD, attempt_answers, csrf_token

THREADS = 5


def signed_in_clients(app, email, count):
    clients = []
    for _ in range(count):
        client = app.test_client()
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client, "/login")})
        clients.append(client)
    return clients


def race(clients, request):
    """Run `request(client, token)` in one thread per client, released together."""
    barrier = threading.Barrier(len(clients))
    tokens = [csrf_token(client, "/modules/basics/quiz") for client in clients]
    statuses: list[int] = []

    def worker(client, token):
        barrier.wait()
        statuses.append(request(client, token).status_code)

    threads = [threading.Thread(target=worker, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_the_same_attempt_submitted_from_several_tabs_is_graded_once(app, make_user):
    user = make_user()
    clients = signed_in_clients(app, user.email, THREADS)
    start = clients[0].post("/modules/basics/quiz/start",
                            data={"csrf_token": csrf_token(clients[0], "/modules/basics/quiz")})
    attempt_id = int(re.search(r"/attempts/(\d+)", start.headers["Location"]).group(1))
    answers = {**attempt_answers(app, attempt_id), "action": "submit"}
    statuses = race(clients, lambda c, t: c.post(f"/attempts/{attempt_id}", data={**answers, "csrf_token": t}))
    # Each tab lands on the results (302) or is told it was already submitted (409); none errors.
    assert len(statuses) == THREADS
    assert set(statuses) <= {302, 409}
    with app.app_context():
        attempts = db.session.scalars(select(QuizAttempt)).all()
        assert len(attempts) == 1
        assert attempts[0].status == AttemptStatus.SUBMITTED
        assert attempts[0].score == 100.0


def test_a_start_clicked_in_several_tabs_at_once_creates_one_attempt(app, make_user):
    user = make_user()
    clients = signed_in_clients(app, user.email, THREADS)
    statuses = race(clients, lambda c, t: c.post("/modules/basics/quiz/start", data={"csrf_token": t}))
    assert statuses == [302] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_a_lesson_completed_in_several_tabs_at_once_has_one_record(app, make_user):
    user = make_user()
    clients = signed_in_clients(app, user.email, THREADS)
    url = "/modules/basics/lessons/first/complete"
    statuses = race(clients, lambda c, t: c.post(url, data={"csrf_token": t}))
    assert statuses == [302] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(LessonProgress.id))) == 1


def test_joining_a_cohort_from_several_tabs_at_once_makes_one_membership(app, make_user, make_cohort):
    from course.models import Cohort, CohortMember, Role

    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    with app.app_context():
        code = db.session.get(Cohort, cohort.id).invite_code
    user = make_user()
    clients = signed_in_clients(app, user.email, THREADS)
    statuses = race(clients, lambda c, t: c.post(f"/join/{code}", data={"csrf_token": t}))
    assert statuses == [302] * THREADS
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_finishing_the_course_in_several_tabs_at_once_issues_one_certificate(app, make_user):
    from course.models import Certificate
    from tests.test_certificates import complete_module

    user = make_user()
    clients = signed_in_clients(app, user.email, THREADS)
    complete_module(clients[0], app, "basics", ["first", "second"])
    complete_module(clients[0], app, "practice", [])  # quiz passed; the last lesson is still to do
    url = "/modules/practice/lessons/only/complete"
    statuses = race(clients, lambda c, t: c.post(url, data={"csrf_token": t}))
    assert set(statuses) == {302}
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
