"""Errors as RFC 9457 problem details (`application/problem+json`): the API's errors, with field-level detail."""

from __future__ import annotations

from flask import Response, json
from flask_babel import gettext as _
from pydantic import ValidationError

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: lambda: _("Bad request"),
    401: lambda: _("Authentication required"),
    403: lambda: _("Not allowed"),
    404: lambda: _("Not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict"),
    415: lambda: _("Unsupported media type"),
    422: lambda: _("Unprocessable content"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Internal server error"),
    503: lambda: _("Service unavailable"),
}


class ApiProblem(Exception):  # noqa: N818 - it is a problem (RFC 9457), raised to answer with one
    """Answer the request with a problem document."""

    def __init__(self, status: int, detail: str | None = None, errors: list[dict] | None = None,
                 headers: dict | None = None):
        super().__init__(detail or str(status))
        self.status, self.detail, self.errors, self.headers = status, detail, errors, headers or {}


def problem_response(status: int, detail: str | None = None, errors: list[dict] | None = None,
                     headers: dict | None = None) -> Response:
    """The problem document for `status`."""
    body = {"type": "about:blank", "title": TITLES.get(status, TITLES[500])(), "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_TYPE, headers=headers)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def field_errors(error: ValidationError, prefix: str = "") -> list[dict]:
    """Pydantic's errors as [{field, message}], `field` a dotted path such as `due_on`."""
    errors = []
    for item in error.errors(include_url=False, include_input=False):
        field = ".".join(str(part) for part in item["loc"]) or "body"
        errors.append({"field": prefix + field, "message": item["msg"]})
    return errors
