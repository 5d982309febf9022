"""Who is asking: a bearer token, never a session cookie; its scope, its rate limit and its audit trail."""

from __future__ import annotations

import hashlib

from flask import current_app, g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address

from course.core.api_tokens import find_active_token
from course.core.audit import record_event
from course.core.problems import ApiProblem
from course.extensions import db
from course.models import ApiToken, utcnow

PUBLIC_ENDPOINTS = {"api.openapi", "api.reference"}


def ignore_cookies(wsgi_app, prefix: str = "/api/"):
    """WSGI middleware: requests to the API arrive without cookies, so a signed-in browser's session can never
    authorise an API call (and the API needs no CSRF token: nothing a browser sends on its own is trusted)."""

    def middleware(environ, start_response):
        if environ.get("PATH_INFO", "").startswith(prefix):
            environ.pop("HTTP_COOKIE", None)
        return wsgi_app(environ, start_response)

    return middleware


def bearer_token() -> str | None:
    """The token in `Authorization: Bearer …`, if any."""
    scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def rate_limit_key() -> str:
    """Flask-Limiter's key: each token has its own budget; requests without one share their address's."""
    token = bearer_token()
    if token:
        return "api-token:" + hashlib.sha256(token.encode()).hexdigest()[:32]
    return "api-address:" + (get_remote_address() or "")


def rate_limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


def authenticate() -> None:
    """Before every API request: the token must be known, unrevoked, and allowed this method."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    raw = bearer_token()
    token = find_active_token(db.session, raw) if raw else None
    if token is None:
        raise ApiProblem(401, _("Send a valid API token as 'Authorization: Bearer <token>'."))
    if request.method not in ("GET", "HEAD", "OPTIONS") and not token.can_write:
        current_app.logger.warning("API token %s (read scope) refused %s %s", token.id, request.method, request.path)
        raise ApiProblem(403, _("This token may only read."))
    g.api_token, g.api_token_id = token, token.id


def current_token() -> ApiToken:
    """The token that authorised this request."""
    return g.api_token


def audit_use(response):
    """After a successful API request: the token's last use, and one audit row naming it, the method and path.

    One row per request is what the issue asks ("every use audited"); a sync reads up to 500 rows a page, so a
    full sync of 10,000 trainees costs about 20 rows, bounded by the token's rate limit. Refused requests
    are rolled back with everything else and go to the application log instead.
    """
    token = g.get("api_token")
    if token is not None and response.status_code < 400:
        token.last_used_at = utcnow()
        record_event(db.session, None, "api.request", "api_token", token.id, method=request.method,
                     path=request.path, status=response.status_code)
    return response
