"""Bare extension instances, initialised in `create_app`."""

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
# Storage comes from RATELIMIT_STORAGE_URI (default memory://); limits are set per view.
limiter = Limiter(key_func=get_remote_address)
