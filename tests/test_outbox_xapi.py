"""xAPI statements through the outbox to a real LRS (Ralph, started by these tests), read back through its API."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from course.extensions import db
from course.models import LessonProgress, MessageStatus, OutboxMessage, Role, utcnow
from course.outbox.delivery import send_statement
from course.outbox.queue import claim
from tests.conftest import post_form, signed_in
from tests.lrs.server import PASSWORD, ROOT, USERNAME, Ralph
from tests.outbox_steps import BASE_URL, deliver, make_due, messages
from tests.test_certificates import complete_course
from tests.test_scenarios import BEST, play

ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    """Ralph on a local port, with its file-system backend; stopped at the end."""
    started = time.monotonic()
    ralph = Ralph(tmp_path_factory.mktemp("ralph"))
    ralph.start()
    print(f"\nRalph LRS ready on {ralph.url} in {time.monotonic() - started:.1f}s")
    yield ralph
    ralph.stop()


@pytest.fixture
def xapi_app(make_app, lrs):
    return make_app(PUBLIC_BASE_URL=BASE_URL, XAPI_LRS_URL=lrs.url, XAPI_LRS_USERNAME=USERNAME,
                    XAPI_LRS_PASSWORD=PASSWORD, OUTBOX_HTTP_TIMEOUT=5)


def by_id(lrs, app) -> dict[str, dict]:
    """The LRS's copies of this test's statements, by id; fails if the LRS holds any of them twice."""
    ours = {m.message_id for m in messages(app)}
    held = [s for s in lrs.statements() if s["id"] in ours]
    counts = Counter(s["id"] for s in held)
    assert all(count == 1 for count in counts.values()), counts.most_common(3)
    return {s["id"]: s for s in held}


def trainee_finishes_the_course(app, make_user, make_cohort):
    """A trainee in a cohort completes the fixture course and plays the scenario well."""
    trainer, trainee = make_user(Role.TRAINER), make_user(Role.TRAINEE)
    make_cohort(trainer, [trainee], name="Spring intake")
    client = signed_in(app, trainee)
    complete_course(client, app)
    play(client, BEST)
    return trainee


def test_what_a_trainee_does_reaches_the_lrs_once_as_valid_xapi(xapi_app, lrs, make_user, make_cohort):
    trainee = trainee_finishes_the_course(xapi_app, make_user, make_cohort)
    written = messages(xapi_app)
    assert deliver(xapi_app).delivered == len(written)
    stored = by_id(lrs, xapi_app)
    assert set(stored) == {m.message_id for m in written}  # Ralph validated and kept every one
    verbs = Counter(s["verb"]["id"].removeprefix(ADL) for s in stored.values())
    assert {"launched", "experienced", "answered", "completed", "passed",
            "http://id.tincanapi.com/verb/earned"} <= set(verbs)
    for statement in stored.values():
        assert statement["actor"]["account"]["homePage"] == BASE_URL
        assert statement["object"]["id"].startswith(BASE_URL + "/")
        assert trainee.email not in str(statement)
    [passed, *_] = [s for s in stored.values() if s["verb"]["id"] == ADL + "passed"]
    assert passed["object"]["id"] == f"{BASE_URL}/modules/basics/quiz"
    assert 0 <= passed["result"]["score"]["scaled"] <= 1
    assert passed["result"]["success"] is True
    assert passed["result"]["duration"].startswith("PT")
    assert passed["context"]["language"] == "en"
    assert passed["context"]["registration"]
    grouping = {a["id"] for a in passed["context"]["contextActivities"]["grouping"]}
    assert f"{BASE_URL}/course" in grouping
    assert any("/cohorts/" in a for a in grouping)
    answered = [s for s in stored.values() if s["verb"]["id"] == ADL + "answered"
                and s["context"]["registration"] == passed["context"]["registration"]]
    assert answered
    assert all(s["context"]["contextActivities"]["parent"][0]["id"] == passed["object"]["id"]
                            for s in answered)
    scenario = [s for s in stored.values() if s["object"]["id"].endswith("/practice/scenario")
                and s["verb"]["id"] == ADL + "completed"]
    assert scenario
    assert scenario[0]["result"]["success"] is True
    names = {s["actor"]["account"]["name"] for s in stored.values()}
    assert len(names) == 1  # one stable id for the trainee


def test_every_statement_arrives_exactly_once_across_an_lrs_outage_and_a_worker_crash(
        xapi_app, lrs, make_user, make_cohort):
    trainee_finishes_the_course(xapi_app, make_user, make_cohort)
    written = messages(xapi_app)
    with xapi_app.app_context():  # only the first few are due when the worker first runs
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id > written[4].id)
                           .values(next_attempt_at=utcnow().replace(year=2100)))
        db.session.commit()
    assert deliver(xapi_app).delivered == 5
    lrs.stop()  # the LRS goes down mid-run
    make_due(xapi_app)
    down = deliver(xapi_app)
    assert down.delivered == 0
    assert down.failed == len(written) - 5
    waiting = messages(xapi_app, status=MessageStatus.PENDING)
    assert len(waiting) == len(written) - 5
    assert all(m.attempts == 1 and m.last_error and m.next_attempt_at > utcnow() for m in waiting)
    lrs.start()
    make_due(xapi_app)
    with xapi_app.app_context():  # a worker claims three, sends them, and dies before recording it
        sent = claim(db.session, "crashed-worker", 3, lease=timedelta(seconds=0))
        assert all(send_statement(message).delivered for message in sent)
    assert deliver(xapi_app).delivered == len(written) - 5  # the lease ran out: those three are sent again
    assert not messages(xapi_app, status=MessageStatus.PENDING)
    assert set(by_id(lrs, xapi_app)) == {m.message_id for m in written}  # each id once, the three included


def test_two_workers_at_once_deliver_each_statement_once(xapi_app, lrs, make_user, make_cohort):
    trainee_finishes_the_course(xapi_app, make_user, make_cohort)
    written = messages(xapi_app)
    results, errors = [], []

    def worker(name):
        try:
            results.append(deliver(xapi_app, batch=3, worker=name))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.delivered for r in results) == len(written)
    assert all(r.delivered > 0 for r in results)  # both took part
    delivered = messages(xapi_app)
    assert all(m.attempts == 1 and not m.redelivered and m.status == MessageStatus.DELIVERED for m in delivered)
    assert set(by_id(lrs, xapi_app)) == {m.message_id for m in written}


def test_a_statement_is_written_in_the_transaction_of_the_progress_it_reports(xapi_app, make_user):
    trainee = make_user(Role.TRAINEE)
    client = signed_in(xapi_app, trainee)
    client.get("/modules/basics/lessons/first?note=read")
    client.get("/modules/basics/lessons/first?note=read")  # a second visit is no new fact
    [visit] = messages(xapi_app)
    assert visit.event == "experienced"
    assert visit.payload["object"]["id"] == f"{BASE_URL}/modules/basics/lessons/first"
    from course.learn.services import complete_lesson
    from course.models import Lesson, User

    with xapi_app.app_context():  # a request that fails after the change rolls the statement back with it
        user = db.session.get(User, trainee.id)
        lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "second"))
        complete_lesson(db.session, user, lesson)
        assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.event == "completed"))
        db.session.rollback()
        assert db.session.scalar(select(LessonProgress).where(LessonProgress.lesson_slug == "second")) is None
    assert [m.event for m in messages(xapi_app)] == ["experienced"]


def test_the_account_name_is_the_email_only_when_the_admin_chooses(make_app, lrs, make_user):
    app = make_app(PUBLIC_BASE_URL=BASE_URL, XAPI_LRS_URL=lrs.url, RECORDS_ACCOUNT_NAME="email")
    trainee = make_user(Role.TRAINEE)
    signed_in(app, trainee).get("/modules/basics/lessons/first?note=read")
    [visit] = messages(app)
    assert visit.payload["actor"]["account"] == {"homePage": BASE_URL, "name": trainee.email}


def test_without_an_lrs_no_statement_is_written(client, app, trainee):
    client.get("/modules/basics/lessons/first?note=read")
    with app.app_context():
        assert db.session.scalar(select(OutboxMessage)) is None


def test_two_worker_processes_started_from_the_command_line_deliver_each_statement_once(
        xapi_app, lrs, make_user, make_cohort, tmp_path):
    trainee_finishes_the_course(xapi_app, make_user, make_cohort)
    written = messages(xapi_app)
    env = {**os.environ, "DATABASE_URL": xapi_app.config["SQLALCHEMY_ENGINES"]["default"],
           "INSTANCE_PATH": str(tmp_path / "worker"), "PUBLIC_BASE_URL": BASE_URL, "XAPI_LRS_URL": lrs.url,
           "XAPI_LRS_USERNAME": USERNAME, "XAPI_LRS_PASSWORD": PASSWORD, "OUTBOX_BATCH_SIZE": "2",
           "CONTENT_DIR": xapi_app.config["CONTENT_DIR"]}
    flask = [sys.executable, "-m", "flask", "--app", "app", "outbox", "deliver"]
    workers = [subprocess.Popen(flask, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,  # noqa: S603
                                text=True) for _ in range(2)]
    outputs = [worker.communicate(timeout=120)[0] for worker in workers]
    assert all(worker.returncode == 0 for worker in workers), outputs
    counts = [int(re.search(r"Delivered (\d+);", output).group(1)) for output in outputs]
    assert sum(counts) == len(written), outputs
    assert all(m.attempts == 1 and m.status == MessageStatus.DELIVERED for m in messages(xapi_app))
    assert set(by_id(lrs, xapi_app)) == {m.message_id for m in written}


def test_a_lesson_read_in_korean_is_reported_in_korean(make_app, lrs, make_user):
    app = make_app(PUBLIC_BASE_URL=BASE_URL, XAPI_LRS_URL=lrs.url)
    client = signed_in(app, make_user(Role.TRAINEE))
    post_form(client, "/language", {"locale": "ko", "next": "/"}, form_url="/")
    client.get("/modules/basics/lessons/first?note=read")
    [visit] = messages(app)
    assert visit.payload["context"]["language"] == "ko"
    [(language, title)] = visit.payload["object"]["definition"]["name"].items()
    assert language == "ko"
    assert title == "첫 번째 강의"
