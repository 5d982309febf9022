"""The outbox worker: claim due messages, send each, record the outcome, back off on failure.

xAPI statements go to the LRS with `PUT statements?statementId=<id>`: 204 is stored, and 409 means the LRS
already holds that id (an earlier attempt got through before a crash), which is delivered too. Webhooks are
POSTed with fresh Standard Webhooks headers on each attempt; any 2xx is delivered.
"""

from __future__ import annotations

import base64
import logging
import os
import socket
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from flask import current_app
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from course.models import MessageKind
from course.outbox.queue import Claimed, claim, record_delivered, record_failure
from course.outbox.webhooks import body_bytes, signed_headers

log = logging.getLogger(__name__)
USER_AGENT = "Dignity-outbox/1"


@dataclass
class Outcome:
    """What one attempt came to: delivered (and whether the receiver already had it), or the error."""

    delivered: bool
    already_there: bool = False
    error: str = ""


@dataclass
class RunTotals:
    """Counts of one worker pass, for the command's output."""

    delivered: int = 0
    failed: int = 0


def worker_name() -> str:
    """This worker's name in claims: host, process and a random suffix (two threads differ too)."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _post(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> int:
    """Send `body`; the HTTP status (an HTTPError's too). Raises OSError when the receiver is unreachable."""
    request = urllib.request.Request(url, data=body, method=method,  # noqa: S310 - http(s) checked when configured
                                     headers={"Content-Type": "application/json", "User-Agent": USER_AGENT,
                                              **headers})
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["OUTBOX_HTTP_TIMEOUT"]) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def send_statement(message: Claimed) -> Outcome:
    """PUT one statement to the LRS under its fixed id."""
    config = current_app.config
    url = config["XAPI_LRS_URL"].rstrip("/") + "/statements?statementId=" + quote(message.message_id)
    credentials = base64.b64encode(f"{config['XAPI_LRS_USERNAME']}:{config['XAPI_LRS_PASSWORD']}".encode()).decode()
    status = _post(url, body_bytes(message.payload), {"Authorization": f"Basic {credentials}",
                                                      "X-Experience-API-Version": "1.0.3"}, method="PUT")
    if status in (200, 204):
        return Outcome(True)
    if status == 409:
        return Outcome(True, already_there=True)
    return Outcome(False, error=f"LRS answered HTTP {status}")


def send_webhook(message: Claimed) -> Outcome:
    """POST one event to its endpoint, signed now."""
    if not message.endpoint_active or not message.endpoint_url:
        return Outcome(False, error="endpoint disabled")
    body = body_bytes(message.payload)
    status = _post(message.endpoint_url, body,
                   signed_headers(message.endpoint_secret, message.message_id, int(time.time()), body))
    if 200 <= status < 300:
        return Outcome(True)
    return Outcome(False, error=f"endpoint answered HTTP {status}")


def attempt(message: Claimed) -> Outcome:
    """One delivery attempt; never raises for a receiver's fault."""
    try:
        return send_statement(message) if message.kind == MessageKind.XAPI else send_webhook(message)
    except (OSError, ValueError) as error:  # refused, reset, timed out, unreachable, bad address
        return Outcome(False, error=f"{type(error).__name__}: {error}"[:500])


def deliver_due(session: Session, worker: str, batch: int | None = None) -> RunTotals:
    """Deliver everything due now, batch by batch, until nothing is due. Commits after every step."""
    config = current_app.config
    lease = timedelta(seconds=config["OUTBOX_LEASE_SECONDS"])
    totals = RunTotals()
    while True:
        messages = claim(session, worker, batch or config["OUTBOX_BATCH_SIZE"], lease)
        if not messages:
            return totals
        for message in messages:
            outcome = attempt(message)
            if outcome.delivered:
                record_delivered(session, message, worker, outcome.already_there)
                totals.delivered += 1
            else:
                record_failure(session, message, worker, outcome.error, config["OUTBOX_MAX_ATTEMPTS"])
                log.warning("outbox: %s %s not delivered: %s", message.kind, message.message_id, outcome.error)
                totals.failed += 1


def run_worker(session: Session, watch: bool, poll_seconds: float, stop=lambda: False) -> RunTotals:
    """Deliver what is due; with `watch`, keep polling until `stop()` (or the process ends)."""
    worker = worker_name()
    totals = RunTotals()
    while True:
        try:
            run = deliver_due(session, worker)
        except (OperationalError, InterfaceError) as error:  # the database is away or busy: try the next pass
            if not watch:
                raise
            session.rollback()
            log.warning("outbox: database unavailable, retrying: %s", error)
            run = RunTotals()
        totals.delivered += run.delivered
        totals.failed += run.failed
        if not watch or stop():
            return totals
        time.sleep(poll_seconds)
