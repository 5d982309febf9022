"""Error pages in the site's layout; no stack trace ever reaches a user."""

from __future__ import annotations

import contextlib

from flask import Flask, current_app, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from course.core.problems import problem_response
from course.extensions import db

API_PREFIX = "/api/"

MESSAGES = {
    400: lambda: _("The request could not be understood. Please go back and try again."),
    403: lambda: _("You do not have permission to see this page."),
    404: lambda: _("We could not find that page. It may have moved, or the address may be mistyped."),
    405: lambda: _("That action is not allowed on this page."),
    413: lambda: _("The upload is too large."),
    422: lambda: _("Some of what you sent could not be accepted. Please correct it and try again."),
    429: lambda: _("Too many requests. Please wait a moment and try again."),
    500: lambda: _("Something went wrong on our side. Nothing you submitted was half-saved; "
                   "please try again."),
}


def render_error(code: int, message: str | None = None, headers: dict | None = None):
    """The error page for `code`, with `message` or the standard one (the 503 page if the layout cannot load)."""
    text = message or MESSAGES.get(code, MESSAGES[500])()
    if request.path.startswith(API_PREFIX):  # the API answers in problem documents, never pages
        return problem_response(code, message, headers=headers)
    if request.accept_mimetypes.best == "application/json":
        return {"error": text, "status": code}, code
    try:
        return render_template("errors/error.html", code=code, message=text), code
    except (OperationalError, InterfaceError) as error:  # the layout reads settings from the database
        return database_unavailable(error)


def database_unavailable(error: Exception):
    """The documented 503 (with Retry-After) for a database that cannot be reached; whatever was begun is undone."""
    with contextlib.suppress(Exception):  # the connection may be gone: nothing to undo then
        db.session.rollback()
    current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, error)
    return make_response(unavailable_response())


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error, CSRF failure and unexpected exception as a page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        with contextlib.suppress(OperationalError, InterfaceError):  # undone with the connection anyway
            db.session.rollback()
        return render_error(400, _("Your form expired or was sent from another site. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            with contextlib.suppress(OperationalError, InterfaceError):  # undone with the connection anyway
                db.session.rollback()
        allowed = error.valid_methods if isinstance(error, MethodNotAllowed) else None
        headers = {"Allow": ", ".join(allowed)} if allowed else None
        return render_error(error.code or 500, error.description if _custom(error) else None, headers)

    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        try:
            db.session.rollback()
        except (OperationalError, InterfaceError) as lost:
            return database_unavailable(lost)
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def _custom(error: HTTPException) -> bool:
    """Whether the view gave its own description (not Werkzeug's default)."""
    return error.description != type(error).description and not isinstance(error, InternalServerError)


UNAVAILABLE_TEXT = ("The service is temporarily unavailable because its database cannot be reached. "
                    "Nothing you submitted was saved. Please try again in a few minutes.")
# Rendered without templates: the layout itself reads from the database.
UNAVAILABLE_PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Service unavailable"
                    "</title><link rel=\"stylesheet\" href=\"/static/css/site.css\"></head><body><main "
                    "class=\"panel narrow\"><h1>Service unavailable</h1><p>" + UNAVAILABLE_TEXT
                    + "</p></main></body></html>")


def unavailable_response():
    """A 503 page or JSON body for when the database cannot be reached."""
    headers = {"Retry-After": "30"}
    if request.path.startswith(API_PREFIX):
        return problem_response(503, UNAVAILABLE_TEXT, headers=headers)
    if request.accept_mimetypes.best == "application/json":
        return {"error": UNAVAILABLE_TEXT, "status": 503}, 503, headers
    return UNAVAILABLE_PAGE, 503, {**headers, "Content-Type": "text/html; charset=utf-8"}
