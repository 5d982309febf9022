"""The outbox as a queue: back-off, giving up and sending again, leases, the worker command and the admin page."""

from __future__ import annotations

import random
import uuid
from datetime import timedelta

from sqlalchemy import select, update

from course.extensions import db
from course.models import MessageKind, MessageStatus, OutboxMessage, Role, utcnow
from course.outbox.queue import claim, enqueue, retry_delay
from tests.conftest import post_form, signed_in
from tests.outbox_steps import deliver, make_due, messages

DEAD_LRS = "http://127.0.0.1:9/xAPI/"  # the discard port: nothing listens, the connection is refused


def queue_statements(app, count: int, start: int = 0) -> None:
    """`count` statements waiting, as learning would have written them."""
    with app.app_context():
        for n in range(start, start + count):
            message_id = str(uuid.uuid4())
            enqueue(db.session, MessageKind.XAPI, message_id, f"xapi:test:{n}", "experienced", {"id": message_id})
        db.session.commit()


def test_back_off_doubles_from_ten_seconds_up_to_an_hour():
    rng = random.Random(1)
    delays = [retry_delay(n, rng).total_seconds() for n in (1, 2, 3, 4, 12, 30)]
    for delay, expected in zip(delays, (10, 20, 40, 80, 3600, 3600), strict=True):
        assert expected * 0.9 <= delay <= expected * 1.1


def test_the_same_fact_written_twice_is_one_message(app):
    queue_statements(app, 1)
    queue_statements(app, 1)
    assert len(messages(app)) == 1


def test_a_message_gives_up_after_the_last_attempt_and_an_admin_sends_it_again(make_app, make_user):
    app = make_app(XAPI_LRS_URL=DEAD_LRS, OUTBOX_MAX_ATTEMPTS=2, OUTBOX_HTTP_TIMEOUT=2)
    queue_statements(app, 1)
    deliver(app)
    make_due(app)
    deliver(app)
    [dead] = messages(app)
    assert dead.status == MessageStatus.DEAD
    assert dead.attempts == 2
    assert "ConnectionRefusedError" in dead.last_error or "URLError" in dead.last_error
    admin = signed_in(app, make_user(Role.ADMIN))
    page = admin.get("/admin/outbox?status=dead").get_data(as_text=True)
    assert dead.message_id in page
    assert dead.last_error.split(":")[0] in page
    response = post_form(admin, f"/admin/outbox/{dead.id}/retry", form_url="/admin/outbox?status=dead")
    assert response.status_code == 302
    [again] = messages(app)
    assert again.status == MessageStatus.PENDING
    assert again.attempts == 0


def test_a_crashed_workers_claim_expires_and_another_worker_takes_it(app):
    queue_statements(app, 3)
    with app.app_context():
        assert len(claim(db.session, "worker-a", 10, lease=timedelta(minutes=5))) == 3
        assert claim(db.session, "worker-b", 10, lease=timedelta(minutes=5)) == []  # held by worker-a
        db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()  # worker-a died; its lease ran out
        assert [m.id for m in claim(db.session, "worker-b", 10, lease=timedelta(minutes=5))] == \
            [m.id for m in messages(app)]
        assert {m.claimed_by for m in db.session.scalars(select(OutboxMessage))} == {"worker-b"}


def test_the_worker_command_delivers_and_reports(make_app, runner):
    app = make_app(XAPI_LRS_URL=DEAD_LRS, OUTBOX_HTTP_TIMEOUT=2)
    queue_statements(app, 2)
    result = app.test_cli_runner().invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0, result.output
    assert "Delivered 0; 2 attempt(s) failed and will be retried." in result.output
    status = app.test_cli_runner().invoke(args=["outbox", "status"])
    assert "pending: 2" in status.output


def test_the_queue_page_reads_one_page_however_long_the_queue(app, make_user, count_queries):
    admin = signed_in(app, make_user(Role.ADMIN))
    queue_statements(app, 5)

    def page_queries(url="/admin/outbox"):
        with count_queries() as statements:
            assert admin.get(url).status_code == 200
        return len(statements)

    few = page_queries()
    queue_statements(app, 120, start=5)
    assert page_queries() == few
    html = admin.get("/admin/outbox").get_data(as_text=True)
    assert html.count("<code>") == 50
    older = admin.get("/admin/outbox").get_data(as_text=True).split('before=')[1].split('"')[0]
    assert admin.get(f"/admin/outbox?before={older}").status_code == 200
    assert admin.get("/admin/outbox?status=nonsense").status_code == 404
    assert admin.get("/admin/outbox?before=abc").status_code == 200
