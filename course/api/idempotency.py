"""Idempotent writes: the first answer to an Idempotency-Key is stored with a hash of its request and replayed.

A concurrent duplicate waits on the key's unique index (PostgreSQL) or on the write lock (SQLite) and then
replays the stored answer, so a write is never done twice. The same key with a different request is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from functools import wraps

from flask import Response, request
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from course.api.auth import current_token
from course.core.problems import ApiProblem
from course.extensions import db
from course.models import IdempotencyRecord, utcnow

KEY = re.compile(r"[!-~]{1,200}")  # visible ASCII, as the header's description says
KEPT_FOR = timedelta(days=1)
REPLAYED = "Idempotent-Replayed"


def request_hash() -> str:
    """The method, path and body (as canonical JSON when it parses) of this request."""
    data = request.get_data()
    try:
        data = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        pass
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + data).hexdigest()


def idempotent(view):
    """Run `view` once per Idempotency-Key; answer retries with the stored response."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key", "")
        if not KEY.fullmatch(key):
            raise ApiProblem(400, _("Every write needs an Idempotency-Key header (1 to 200 visible characters)."),
                             [{"field": "header.Idempotency-Key", "message": _("Missing or not valid.")}])
        token, digest, session = current_token(), request_hash(), db.session
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.token_id == token.id,
                                                        IdempotencyRecord.created_at < utcnow() - KEPT_FOR))
        record = IdempotencyRecord(token_id=token.id, key=key, request_hash=digest, status_code=0)
        try:
            with session.begin_nested():
                session.add(record)
        except IntegrityError:  # answered before, or by a concurrent request that has now committed
            earlier = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.token_id == token.id,
                                                                     IdempotencyRecord.key == key))
            return replay(earlier, digest)
        response = view(*args, **kwargs)
        record.status_code = response.status_code
        record.response = response.get_json(silent=True) if response.status_code != 204 else None
        session.flush()
        return response

    return wrapper


def replay(record: IdempotencyRecord | None, digest: str) -> Response:
    """The stored answer; 422 if the key was used for another request."""
    if record is None:  # the other request failed and rolled back: the client may simply retry
        raise ApiProblem(409, _("A request with this Idempotency-Key was in progress. Try again."))
    if record.request_hash != digest:
        raise ApiProblem(422, _("This Idempotency-Key was used for a different request."),
                         [{"field": "header.Idempotency-Key", "message": _("Use a new key for a new request.")}])
    body = json.dumps(record.response) if record.response is not None else None
    mimetype = "application/json" if body is not None else None
    return Response(body, status=record.status_code, mimetype=mimetype, headers={REPLAYED: "true"})
