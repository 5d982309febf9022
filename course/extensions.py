"""Bare extension instances, initialised in `create_app`."""

from flask import request
from flask_alembic import Alembic
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf import CSRFProtect

from course.models.base import Model

# One commit at the end of each request: keeping loaded values afterwards lets a streamed response
# (CSV exports) read them after the request's session has closed.
db = SQLAlchemy(session_options={"expire_on_commit": False})
alembic = Alembic(metadatas=Model.metadata)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI (default memory://); limits are set per view, or per blueprint through
# `limit_blueprint` (never with default or application limits: see `check_blueprint_limits`).
limiter = Limiter(key_func=get_remote_address)
LIMITED_BLUEPRINTS: set[str] = set()


def limit_blueprint(blueprint, limit_value, **options) -> None:
    """Rate-limit every view of `blueprint` (Flask-Limiter's blueprint limit), noted so the before-request check
    runs for it."""
    limiter.limit(limit_value, **options)(blueprint)
    LIMITED_BLUEPRINTS.add(blueprint.name)


def check_blueprint_limits(app) -> None:
    """Run Flask-Limiter's before-request check only for requests to a limited blueprint.

    That check applies application, default and blueprint limits; this app sets the first two nowhere, and a view's
    own `@limiter.limit` is checked by its decorator whatever this hook does. Every other page (a lesson, the
    dashboard) skips the check's work, about a tenth of a signed-in page's Python calls before the view.
    """
    if limiter.limit_manager.application_limits or limiter.limit_manager.default_limits:
        return  # someone configured RATELIMIT_DEFAULT or RATELIMIT_APPLICATION: keep the check on every request
    hooks = app.before_request_funcs[None]
    check = next((hook for hook in hooks if getattr(hook, "__func__", None) is Limiter._check_request_limit), None)
    if check is None:
        return  # RATELIMIT_ENABLED is off: Flask-Limiter installed no check

    def check_request_limit() -> None:
        if request.blueprint in LIMITED_BLUEPRINTS:
            check()

    hooks[hooks.index(check)] = check_request_limit
