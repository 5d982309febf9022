"""Security headers, HTTPS-aware cookies, reverse-proxy support, request ids, JSON logs and safe redirects."""

from __future__ import annotations

import copy
import itertools
import json
import logging
import os
import re
import time
import uuid
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, has_request_context, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_babel import gettext as _
from itsdangerous import BadSignature
from werkzeug.datastructures import MultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from course.core.kept import keep

# No inline script or style anywhere: every script, style sheet, image and font comes from this site.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HEADER_ITEMS = tuple((name, name.lower(), value) for name, value in HEADERS.items())
HSTS = "max-age=31536000; includeSubDomains"
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
PROXY_SETTINGS = {"PROXY_FIX_X_FOR": "x_for", "PROXY_FIX_X_PROTO": "x_proto", "PROXY_FIX_X_HOST": "x_host",
                  "PROXY_FIX_X_PREFIX": "x_prefix"}


# A request id made here: this process's random prefix and its own count (unique without a system call for random
# bytes on every request, as uuid4 made), 32 hex digits as before. A forked worker (gunicorn --preload) draws its own
# prefix, so workers never share ids.
_ID_PREFIX, _ID_NUMBERS = uuid.uuid4().hex[:16], itertools.count(1)


def _new_id_prefix() -> None:
    global _ID_PREFIX, _ID_NUMBERS  # noqa: PLW0603 - per-process state, reset in a forked child
    _ID_PREFIX, _ID_NUMBERS = uuid.uuid4().hex[:16], itertools.count(1)


os.register_at_fork(after_in_child=_new_id_prefix)
DATABASE_INT_MAX = 2**31 - 1  # an INTEGER column on PostgreSQL; larger ids cannot exist


class DatabaseIntegerConverter(IntegerConverter):
    """`<int:…>` in a route: a number an id column can hold; a longer one matches no route (404), not a 500."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's argument name
        kwargs.setdefault("max", DATABASE_INT_MAX)
        super().__init__(map, *args, **kwargs)


def _has_nul(values: MultiDict) -> bool:
    return any("\x00" in (key or "") or any("\x00" in (value or "") for value in values.getlist(key))
               for key in values)


def refuse_nul_characters() -> None:
    """Refuse a NUL in the path, query or form (400): no text the site stores may hold one.

    PostgreSQL cannot store it in text at all, and on SQLite it would cut names short when printed.
    """
    if "\x00" in request.path or _has_nul(request.args):
        abort(400, _("The request contains a NUL character, which is never valid here."))
    if request.method not in ("GET", "HEAD", "OPTIONS") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data") and _has_nul(request.form):
        abort(400, _("The request contains a NUL character, which is never valid here."))


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Session cookies are `Secure` whenever the request came over HTTPS, even if not configured so.

    A cookie this process has verified is not verified again while it is valid: its signature check and decoding
    (a serializer built, a key derived, an HMAC, zlib and JSON) were a twentieth of a signed-in page, and a browser
    sends the same cookie with every request until the session changes. The same bytes always verify the same way;
    only their age is checked again. Each request gets its own copy of the data.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified: dict = app.extensions.setdefault(VERIFIED_SESSIONS, {})
        kept = verified.get(value)
        if kept is not None and int(time.time()) - kept[0] <= max_age:  # itsdangerous's own expiry rule
            return self.session_class(_copied(kept[1]))
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        keep(verified, value, (int(signed_at.timestamp()), _copied(data)), KEPT_LIMIT)
        return self.session_class(data)


VERIFIED_SESSIONS = "dignity.verified_sessions"
KEPT_LIMIT = 4096  # cookies (and signed tokens) kept per process, a few hundred bytes each; all forgotten when full


def _copied(data: dict) -> dict:
    """A copy no request can change the kept data through (the values are JSON: lists and dicts are copied)."""
    return {key: copy.deepcopy(value) if isinstance(value, (list, dict)) else value for key, value in data.items()}


CSRF_REUSE_SECONDS = 60
SIGNED_CSRF = "dignity.signed_csrf"


def reuse_signed_csrf_token() -> None:
    """Before a request: give Flask-WTF the signed CSRF token made for this session in the last minute, if any.

    Flask-WTF signs the session's token afresh for every page with a form (a serializer, a derived key, an HMAC:
    a twentieth of a lesson page); a token signed up to a minute ago is as good (it stays valid for
    WTF_CSRF_TIME_LIMIT from its signing, an hour by default). Reads the session without marking it accessed (the
    hook adds no `Vary: Cookie` of its own). A view that clears the session (signing in or out) redirects rather
    than showing a form, so no page carries a token made for the session's old raw token.
    """
    raw = dict.get(session._get_current_object(), "csrf_token")
    kept = current_app.extensions.get(SIGNED_CSRF, {}).get(raw) if raw else None
    if kept is not None and time.time() - kept[0] < CSRF_REUSE_SECONDS:
        g.csrf_token = kept[1]
        g.dignity_csrf_kept = True


def keep_signed_csrf_token(response):
    """After a request that signed its session's CSRF token afresh: keep it for the next minute's pages."""
    token, raw = g.get("csrf_token"), dict.get(session._get_current_object(), "csrf_token")
    if token and raw and not g.get("dignity_csrf_kept"):
        keep(current_app.extensions.setdefault(SIGNED_CSRF, {}), raw, (time.time(), token), KEPT_LIMIT)
    return response


def init_security(app: Flask) -> None:
    """Install the proxy fix (if configured), cookie policy, headers, request ids and logging."""
    proxies = {arg: int(app.config.get(key) or 0) for key, arg in PROXY_SETTINGS.items()}
    if any(proxies.values()):
        app.wsgi_app = ProxyFix(app.wsgi_app, **proxies)
    app.session_interface = HttpsAwareSessionInterface()
    app.url_map.converters["int"] = DatabaseIntegerConverter
    app.before_request(refuse_nul_characters)
    app.before_request(reuse_signed_csrf_token)
    app.after_request(keep_signed_csrf_token)
    json_logs = app.config.get("LOG_FORMAT") == "json"
    if json_logs:
        configure_json_logging(app)

    @app.before_request
    def assign_request_id():
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.fullmatch(given) else f"{_ID_PREFIX}{next(_ID_NUMBERS):016x}"
        g.request_started = time.perf_counter()

    @app.after_request
    def add_security_headers(response):
        headers = response.headers
        present = {name.lower() for name in headers.keys()}  # a header the view set itself is kept
        framable = getattr(response, "framable_by", None)  # allow_framing: its CSP names who may frame it,
        headers.extend([(name, value) for name, lower, value in HEADER_ITEMS  # and DENY would overrule that
                        if lower not in present and not (framable and lower == "x-frame-options")])
        user = g.get("_login_user")  # only if the view loaded it: this hook must not touch the database
        if (user is not None and not user.is_anonymous and request.endpoint != "static"  # reads no column
                and not ("cache-control" in present and response.cache_control.public)):
            headers["Cache-Control"] = "no-store"  # records, attempts, certificates: never kept
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if request_id := g.get("request_id"):
            response.headers["X-Request-ID"] = request_id
        if json_logs:
            elapsed = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
            app.logger.info("request", extra={"method": request.method, "path": request.path,
                                              "status": response.status_code, "duration_ms": round(elapsed, 1)})
        return response


ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?")


def allow_framing(response, ancestors: list[str], form_targets: list[str] | tuple = ()):
    """Let `ancestors` (web origins) frame this one response, and its forms post to `form_targets` too.

    For the LTI pages a learning platform shows inside its own page: everything else keeps
    `frame-ancestors 'none'` and `X-Frame-Options: DENY`. Anything that is not a plain origin is dropped.
    """
    allowed = [a for a in ancestors if ORIGIN.fullmatch(a)]
    targets = [t for t in form_targets if ORIGIN.fullmatch(t)]
    policy = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'", "frame-ancestors " + (" ".join(["'self'", *allowed]) if allowed else "'none'"))
    if targets:
        policy = policy.replace("form-action 'self'", "form-action " + " ".join(["'self'", *targets]))
    response.headers["Content-Security-Policy"] = policy
    response.framable_by = allowed
    return response


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and any structured extras."""

    EXTRAS = ("method", "path", "status", "duration_ms")

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        if has_request_context():
            entry["request_id"] = g.get("request_id")
        entry.update({key: getattr(record, key) for key in self.EXTRAS if hasattr(record, key)})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_json_logging(app: Flask) -> None:
    """Send the app's log records to stderr as JSON lines (LOG_FORMAT=json)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    app.logger.handlers = [handler]
    app.logger.setLevel(logging.INFO)
    app.logger.propagate = False


def safe_next(target: str | None, default: str | None = None) -> str:
    """A local path to go to after sign-in; anything pointing off the site goes to `default` (home) instead."""
    fallback = default or url_for("learn.dashboard")
    if not target or "\\" in target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    return target


def safe_referrer(default: str) -> str:
    """Back to the page this request came from, under the `safe_next` rule; `default` when it was off-site.

    A browser sends an absolute Referer: one naming this site's own host and scheme is reduced to its path
    first, so only a page of this site can be returned to.
    """
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if parts.scheme == request.scheme and parts.netloc == request.host:
        referrer = parts.path + (f"?{parts.query}" if parts.query else "")
    else:
        referrer = "" if parts.scheme or parts.netloc else referrer
    return safe_next(referrer, default)
