"""Bare extension instances, initialised in `create_app`."""

from flask_alembic import Alembic
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf import CSRFProtect

from course.models.base import Model

db = SQLAlchemy()
alembic = Alembic(metadatas=Model.metadata)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
