"""Races a trainee can cause: the same attempt submitted from several tabs at once, a double-clicked
start, the same lesson completed twice at once. Exactly one record each, no errors shown."""

import re
import threading

from sqlalchemy import func, select

from course.extensions import db
from course.models import AttemptStatus, LessonProgress, QuizAttempt, utcnow
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


def test_a_lesson_opened_while_another_worker_commits_is_still_recorded(app, make_user, monkeypatch):
    """Another worker commits between the lesson page's first read and its visit record.

    On SQLite a transaction that began as a reader cannot then write (its snapshot is stale) and the page
    answered 503; a GET that writes must start as a writer, so the other worker waits its turn instead.
    """
    import course.learn.views as learn_views

    reader, other = make_user(), make_user()
    client = signed_in_clients(app, reader.email, 1)[0]
    other_done = threading.Event()
    other_errors: list[BaseException] = []

    def other_worker():
        try:
            with app.app_context(), db.engine.begin() as connection:
                connection.execute(LessonProgress.__table__.insert().values(
                    user_id=other.id, module_slug="basics", lesson_slug="second", visited_at=utcnow()))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            other_errors.append(exc)
        other_done.set()

    original = learn_views.record_lesson_visit

    def record_after_another_commit(session, user, lesson, **options):
        thread = threading.Thread(target=other_worker)
        thread.start()
        other_done.wait(timeout=1)  # on SQLite it now waits for this request's write lock
        original(session, user, lesson, **options)

    monkeypatch.setattr(learn_views, "record_lesson_visit", record_after_another_commit)
    response = client.get("/modules/basics/lessons/first")
    assert response.status_code == 200
    assert other_done.wait(timeout=15)
    assert not other_errors
    with app.app_context():
        visits = db.session.execute(select(LessonProgress.user_id, LessonProgress.lesson_slug)).all()
    assert sorted(visits) == sorted([(reader.id, "first"), (other.id, "second")])


def test_a_get_view_that_writes_without_declaring_it_is_caught_by_the_suite(app, caplog):
    from course.database import writes_on_get

    def delete_visits():
        db.session.execute(LessonProgress.__table__.delete())
        return "written"

    app.add_url_rule("/probe/undeclared", "probe_undeclared", delete_visits)
    app.add_url_rule("/probe/declared", "probe_declared", writes_on_get(lambda: delete_visits()))
    client = app.test_client()
    # While testing, the undeclared write fails the request (and so any test of that page) and says why.
    assert client.get("/probe/undeclared").status_code == 500
    assert "GET view probe_undeclared writes to the database; declare it with @writes_on_get" in caplog.text
    assert client.get("/probe/declared").status_code == 200


def test_a_losing_submit_or_save_never_rewrites_graded_answers(app, make_user):
    from course.core.questions import get_type
    from course.models import AttemptItem
    from course.quiz.grading import score_percent

    user = make_user()
    clients = signed_in_clients(app, user.email, 10)
    start = clients[0].post("/modules/basics/quiz/start",
                            data={"csrf_token": csrf_token(clients[0], "/modules/basics/quiz")})
    attempt_id = int(re.search(r"/attempts/(\d+)", start.headers["Location"]).group(1))
    right, wrong = attempt_answers(app, attempt_id), attempt_answers(app, attempt_id, correct=False)
    posts = [{**(right if i % 2 else wrong), "action": "submit" if i % 3 else "save"} for i in range(10)]
    by_client = dict(zip(map(id, clients), posts, strict=True))
    statuses = race(clients, lambda c, t: c.post(f"/attempts/{attempt_id}", data={**by_client[id(c)],
                                                                                   "csrf_token": t}))
    assert set(statuses) <= {302, 409}
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
        stored = score_percent([get_type(i.question.type).grade(i.question.data, i.response) for i in items])
        assert attempt.status == AttemptStatus.SUBMITTED
        assert stored == attempt.score  # the answers kept are the answers graded


def test_an_invite_links_member_limit_holds_under_concurrent_joins(app, make_user, make_cohort):
    from course.models import Cohort, CohortMember, Role

    cohort = make_cohort(make_user(Role.TRAINER))
    with app.app_context():
        row = db.session.get(Cohort, cohort.id)
        row.member_limit, code = 3, row.invite_code
        db.session.commit()
    clients = [signed_in_clients(app, make_user().email, 1)[0] for _ in range(10)]
    statuses = race(clients, lambda c, t: c.post(f"/join/{code}", data={"csrf_token": t}))
    assert sorted(statuses) == [302] * 3 + [409] * 7
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 3
