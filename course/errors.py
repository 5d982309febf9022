"""Error pages in the site's layout; no stack trace ever reaches a user."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from course.extensions import db

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


def render_error(code: int, message: str | None = None):
    """The error page for `code`, with `message` or the standard one."""
    text = message or MESSAGES.get(code, MESSAGES[500])()
    if request.accept_mimetypes.best == "application/json":
        return {"error": text, "status": code}, code
    return render_template("errors/error.html", code=code, message=text), code


def register_error_handlers(app: Flask) -> None:
    """Render every HTTP error, CSRF failure and unexpected exception as a page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return render_error(400, _("Your form expired or was sent from another site. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 500:
            db.session.rollback()
        return render_error(error.code or 500, error.description if _custom(error) else None)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)


def _custom(error: HTTPException) -> bool:
    """Whether the view gave its own description (not Werkzeug's default)."""
    return error.description != type(error).description and not isinstance(error, InternalServerError)
