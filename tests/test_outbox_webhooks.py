"""Signed webhooks: admins register endpoints; a real receiver checks every call with the standardwebhooks package."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from course.extensions import db
from course.models import AuditEvent, MessageStatus, Role, WebhookEndpoint
from course.outbox.webhooks import body_bytes, signed_headers
from tests.certificate_steps import revoke
from tests.conftest import post_form, signed_in
from tests.outbox_steps import BASE_URL, deliver, make_due, messages
from tests.test_certificates import certificates, complete_course
from tests.webhook_receiver import Receiver

SECRET = re.compile(r'id="webhook-secret">(whsec_[A-Za-z0-9+/=]+)<')
ALL_EVENTS = ["certificate.issued", "certificate.renewed", "certificate.revoked", "trainee.completed"]


@pytest.fixture
def receiver():
    running = Receiver()
    yield running
    running.stop()


@pytest.fixture
def hook_app(make_app):
    return make_app(PUBLIC_BASE_URL=BASE_URL, OUTBOX_HTTP_TIMEOUT=5)


@pytest.fixture
def admin_client(hook_app, make_user):
    return signed_in(hook_app, make_user(Role.ADMIN))


def add_endpoint(client, url: str, events=ALL_EVENTS):
    return post_form(client, "/admin/webhooks", {"url": url, "events": events})


def registered(admin_client, receiver) -> None:
    """The admin adds the receiver and hands it the secret shown once."""
    response = add_endpoint(admin_client, receiver.url)
    assert response.status_code == 200
    receiver.secret = SECRET.search(response.get_data(as_text=True)).group(1)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(hook_app, admin_client, receiver):
    registered(admin_client, receiver)
    page = admin_client.get("/admin/webhooks").get_data(as_text=True)
    assert receiver.url in page
    assert receiver.secret not in page
    with hook_app.app_context():
        [endpoint] = db.session.scalars(select(WebhookEndpoint)).all()
        assert endpoint.events == ALL_EVENTS
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.target_type == "webhook_endpoint")) \
            == "webhook.added"


def test_a_completion_and_its_certificate_reach_the_receiver_signed(hook_app, admin_client, receiver, make_user):
    registered(admin_client, receiver)
    trainee = make_user(Role.TRAINEE)
    complete_course(signed_in(hook_app, trainee), hook_app)
    assert deliver(hook_app).delivered == 2
    assert sorted(receiver.events()) == ["certificate.issued", "trainee.completed"]
    assert receiver.rejected == 0
    [issued] = receiver.payloads("certificate.issued")
    [certificate] = certificates(hook_app)
    assert issued["data"]["certificate"]["serial"] == certificate.serial
    assert issued["data"]["certificate"]["verify_url"] == f"{BASE_URL}/verify/{certificate.serial}"
    assert issued["data"]["trainee"]["account"]["homePage"] == BASE_URL
    assert trainee.email not in str(issued)


def test_a_revocation_is_sent_with_the_public_reason_only(hook_app, admin_client, receiver, make_user):
    registered(admin_client, receiver)
    complete_course(signed_in(hook_app, make_user(Role.TRAINEE)), hook_app)
    [certificate] = certificates(hook_app)
    revoke(admin_client, certificate.serial, public="Issued in error", internal="Ticket 42")
    deliver(hook_app)
    [revoked] = receiver.payloads("certificate.revoked")
    assert revoked["data"]["certificate"]["revocation_reason"] == "Issued in error"
    assert "Ticket 42" not in str(revoked)


def test_a_failing_receiver_gets_the_event_again_later_and_spots_the_duplicate(hook_app, admin_client, receiver,
                                                                               make_user):
    registered(admin_client, receiver)
    receiver.fail_first = 2  # down for the first two calls
    receiver.crash_after_processing = 1  # then processes one and fails before answering
    complete_course(signed_in(hook_app, make_user(Role.TRAINEE)), hook_app)
    first = deliver(hook_app)
    assert first.delivered == 0
    assert first.failed == 2
    waiting = messages(hook_app, status=MessageStatus.PENDING)
    assert all(m.last_error == "endpoint answered HTTP 503" and m.attempts == 1 for m in waiting)
    deliver(hook_app)
    assert messages(hook_app, status=MessageStatus.PENDING)  # backing off: not due yet, nothing sent
    make_due(hook_app)
    deliver(hook_app)  # one processed but answered 500
    make_due(hook_app)
    deliver(hook_app)
    assert not messages(hook_app, status=MessageStatus.PENDING)
    assert len(receiver.duplicates) == 1  # the same webhook-id came again, and the receiver knew it
    assert sorted(receiver.events()) == ["certificate.issued", "trainee.completed"]


def test_a_paused_endpoint_gets_no_new_events_and_a_deleted_one_loses_its_queue(hook_app, admin_client, receiver,
                                                                                 make_user):
    registered(admin_client, receiver)
    with hook_app.app_context():
        endpoint_id = db.session.scalar(select(WebhookEndpoint.id))
    post_form(admin_client, f"/admin/webhooks/{endpoint_id}/active", {"active": "0"}, form_url="/admin/webhooks")
    complete_course(signed_in(hook_app, make_user(Role.TRAINEE)), hook_app)
    assert messages(hook_app) == []
    post_form(admin_client, f"/admin/webhooks/{endpoint_id}/active", {"active": "1"}, form_url="/admin/webhooks")
    [certificate] = certificates(hook_app)
    revoke(admin_client, certificate.serial)
    assert len(messages(hook_app)) == 1
    post_form(admin_client, f"/admin/webhooks/{endpoint_id}/delete", form_url="/admin/webhooks")
    assert messages(hook_app) == []
    with hook_app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "webhook_endpoint")
                                     .order_by(AuditEvent.id)).all()
    assert actions == ["webhook.added", "webhook.disabled", "webhook.enabled", "webhook.deleted"]


def test_bad_endpoints_are_refused_with_a_message(hook_app, admin_client):
    for url, events in (("ftp://files.example/x", ALL_EVENTS), ("not a url", ALL_EVENTS),
                        ("https://hr.example/hooks", []), ("https://hr.example/hooks", ["certificate.forged"])):
        response = add_endpoint(admin_client, url, events)
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)
    with hook_app.app_context():
        assert db.session.scalar(select(WebhookEndpoint)) is None


def test_only_admins_reach_the_webhook_and_outbox_pages(hook_app, make_user):
    for role in (Role.TRAINEE, Role.TRAINER):
        client = signed_in(hook_app, make_user(role))
        for url in ("/admin/webhooks", "/admin/outbox"):
            assert client.get(url).status_code == 403
        assert client.post("/admin/webhooks", data={"url": "https://x.example", "events": ALL_EVENTS}
                           ).status_code in (400, 403)
    admin = signed_in(hook_app, make_user(Role.ADMIN))
    assert admin.post("/admin/webhooks/1/delete").status_code == 400  # no CSRF token


def test_the_signature_is_standard_webhooks_and_a_replay_or_forgery_fails():
    secret, body = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", body_bytes({"type": "trainee.completed"})
    headers = signed_headers(secret, "msg_1", int(time.time()), body)
    assert Webhook(secret).verify(body, headers) == {"type": "trainee.completed"}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body + b" ", headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, signed_headers(secret, "msg_1", int(time.time()) - 3600, body))
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "a" * 32).verify(body, headers)
