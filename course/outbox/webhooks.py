"""Signed webhooks (the Standard Webhooks specification): endpoints, events, and the signature on each call.

Each call carries `webhook-id` (fixed when the event was written: the receiver's dedupe key),
`webhook-timestamp` (seconds, at sending: receivers refuse old ones, which stops replays) and
`webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">` keyed by the endpoint's `whsec_` secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.models import MessageKind, User, WebhookEndpoint, utcnow
from course.outbox.queue import enqueue
from course.outbox.statements import account_name, base_url

EVENT_TYPES = {
    "certificate.issued": _l("A certificate is issued"),
    "certificate.renewed": _l("A certificate is renewed"),
    "certificate.revoked": _l("A certificate is revoked"),
    "trainee.completed": _l("A trainee completes the course"),
}
SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret


class WebhookError(Exception):
    """The endpoint cannot be saved; the message says why."""


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON, the same on every attempt."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one delivery attempt."""
    return {"webhook-id": message_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, message_id, timestamp, body)}


def url_problem(url: str) -> str | None:
    """Why `url` cannot receive webhooks, or None: an absolute http(s) address with a host."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return str(_l("Enter an address that starts with https:// (or http://) and names a host."))
    return None


def add_endpoint(session: Session, admin: User, url: str, events: list[str]) -> WebhookEndpoint:
    """Register `url` for `events`; audited. The returned endpoint's secret is shown to the admin once."""
    url = url.strip()
    problem = url_problem(url)
    if problem:
        raise WebhookError(problem)
    chosen = [event for event in EVENT_TYPES if event in events]
    if not chosen:
        raise WebhookError(str(_l("Choose at least one event.")))
    endpoint = WebhookEndpoint(url=url, events=chosen, secret=new_secret(), active=True, created_by_id=admin.id)
    session.add(endpoint)
    session.flush()
    record_event(session, admin, "webhook.added", "webhook_endpoint", endpoint.id, url=url, events=chosen)
    return endpoint


def set_endpoint_active(session: Session, admin: User, endpoint: WebhookEndpoint, active: bool) -> None:
    """Pause or resume an endpoint; audited. A paused endpoint gets no new events; queued ones wait."""
    if endpoint.active != active:
        endpoint.active = active
        record_event(session, admin, "webhook.enabled" if active else "webhook.disabled", "webhook_endpoint",
                     endpoint.id, url=endpoint.url)
    session.flush()


def delete_endpoint(session: Session, admin: User, endpoint: WebhookEndpoint) -> None:
    """Remove an endpoint and what is still queued for it; audited."""
    record_event(session, admin, "webhook.deleted", "webhook_endpoint", endpoint.id, url=endpoint.url)
    session.execute(delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id))
    session.flush()


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    """Every endpoint, newest first (admins register a handful)."""
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())))


def write_webhook(session: Session, event_type: str, key: str, data: dict, user: User) -> None:
    """Queue one call per active endpoint subscribed to `event_type`, each with its own fixed webhook-id."""
    data = {**data, "trainee": {"account": {"homePage": base_url(), "name": account_name(user)}}}
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
    for endpoint in endpoints:
        if event_type not in endpoint.events:
            continue
        message_id = f"msg_{uuid.uuid4().hex}"
        payload = {"type": event_type, "timestamp": utcnow().isoformat().replace("+00:00", "Z"), "data": data}
        enqueue(session, MessageKind.WEBHOOK, message_id, f"webhook:{endpoint.id}:{event_type}:{key}", event_type,
                payload, endpoint_id=endpoint.id)
