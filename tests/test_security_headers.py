"""Security headers on every response, HTTPS-aware cookies, the proxy fix, request ids, JSON logs, 503s."""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

import pytest

from course import config, create_app
from course.core.security import CONTENT_SECURITY_POLICY
from course.reports.charts import bar_chart, line_chart
from tests.conftest import FIXTURE_CONTENT, PASSWORD

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@pytest.mark.parametrize("url", ["/", "/login", "/healthz", "/no-such-page", "/static/css/site.css"])
def test_every_response_carries_the_security_headers(client, url):
    headers = client.get(url).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored or harmful


def test_no_template_has_inline_script_or_style():
    """The CSP allows no inline script or style, so none may appear in a page template. (Email bodies in
    templates/mail/ are not pages and fall under no CSP: mail readers need their styles inline.)"""
    for path in (p for p in TEMPLATES.rglob("*.html") if p.parent.name != "mail"):
        text = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)|\son[a-z]+\s*=|\sstyle\s*=|<style", text), path


def test_rendered_charts_have_no_inline_style_or_script():
    svgs = [str(bar_chart("Scores", "Scores by band", ["A", "B"], [3, 5], id_prefix="b")),
            str(line_chart("Progress", "Completions by week", [("W1", 2), ("W2", 4)], id_prefix="l"))]
    for svg in svgs:
        assert "<svg" in svg
        assert "style=" not in svg
        assert "<script" not in svg
        assert " on" not in svg.lower()


def test_https_requests_get_hsts_and_secure_session_cookies(client, make_user):
    user = make_user()
    client.get("/login", base_url="https://localhost")
    response = client.post("/login", base_url="https://localhost",
                           data={"email": user.email, "password": PASSWORD, "csrf_token": "x"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_plain_http_session_cookies_are_httponly_and_lax_but_not_secure(client):
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_forwarded_https_is_trusted_only_when_the_proxy_fix_is_configured(make_app):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert "Strict-Transport-Security" not in make_app().test_client().get("/", headers=forwarded).headers
    proxied = make_app(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1).test_client()
    assert "Strict-Transport-Security" in proxied.get("/", headers=forwarded).headers


def test_a_request_id_is_echoed_or_generated(client):
    assert client.get("/healthz", headers={"X-Request-ID": "abc-123"}).headers["X-Request-ID"] == "abc-123"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    assert client.get("/healthz").headers["X-Request-ID"] not in {generated, "abc-123"}


def test_a_forked_worker_makes_request_ids_of_its_own(client):
    """gunicorn --preload forks workers from one loaded app: their generated ids must still never collide."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: one request, its id to the parent, and out without running the parent's cleanup
        try:
            os.write(write_end, client.get("/healthz").headers["X-Request-ID"].encode())
        finally:
            os._exit(0)
    os.close(write_end)
    child_id = os.read(read_end, 64).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    parent_id = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", child_id)
    assert child_id[:16] != parent_id[:16]


@pytest.fixture
def restore_logger():
    logger = logging.getLogger("course")
    saved = (list(logger.handlers), logger.level, logger.propagate)
    yield
    logger.handlers, logger.propagate = saved[0], saved[2]
    logger.setLevel(saved[1])


def test_json_logs_carry_the_request_id(make_app, capsys, restore_logger):
    app = make_app(LOG_FORMAT="json")
    app.test_client().get("/healthz", headers={"X-Request-ID": "trace-42"})
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    entry = next(line for line in lines if line.get("path") == "/healthz")
    assert entry["request_id"] == "trace-42"
    assert entry["status"] == 200
    assert entry["level"] == "INFO"


def test_an_unreachable_database_gets_a_clear_503(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}"
    app = create_app({**config.testing_config(tmp_path, FIXTURE_CONTENT), "SQLALCHEMY_ENGINES": {"default": missing}})
    page = app.test_client().get("/login")
    assert page.status_code == 503
    assert page.headers["Retry-After"] == "30"
    assert "database cannot be reached" in page.get_data(as_text=True)
    as_json = app.test_client().get("/login", headers={"Accept": "application/json"})
    assert as_json.status_code == 503
    assert "database cannot be reached" in as_json.json["error"]


def test_only_a_response_that_allows_framing_names_who_may_frame_it(app):
    """LTI launch pages may be framed by the launching platform's origin; nothing else, and nothing looser."""
    from flask import make_response

    from course.core.security import allow_framing

    with app.test_request_context("/lti/launch"):
        response = allow_framing(make_response("ok"), ["https://lms.example", "https://x.example; script-src *", "*"],
                                 ["https://lms.example:8443"])
        response = app.process_response(response)
    policy = response.headers["Content-Security-Policy"]
    assert policy.endswith("frame-ancestors 'self' https://lms.example")
    assert "form-action 'self' https://lms.example:8443;" in policy
    assert "script-src *" not in policy
    assert policy.replace("frame-ancestors 'self' https://lms.example", "frame-ancestors 'none'").replace(
        "form-action 'self' https://lms.example:8443", "form-action 'self'") == CONTENT_SECURITY_POLICY
    assert "X-Frame-Options" not in response.headers
    with app.test_request_context("/lti/launch"):
        nobody = app.process_response(allow_framing(make_response("ok"), []))
    assert "frame-ancestors 'none'" in nobody.headers["Content-Security-Policy"]
