"""Site-wide endpoints: the health check and the icon browsers ask for at /favicon.ico."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from course.extensions import db

bp = Blueprint("main", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "error", "app": "up", "database": "unreachable"}, 503
    return {"status": "ok", "app": "up", "database": "up"}


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask here whatever the page says: send them to the SVG icon."""
    response = redirect(url_for("static", filename="favicon.svg"), code=301)
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
