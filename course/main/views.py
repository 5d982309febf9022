"""Site-wide endpoints: the health check."""

from __future__ import annotations

from flask import Blueprint
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
