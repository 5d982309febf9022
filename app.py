"""WSGI entry point: `flask --app app …` and `gunicorn app:app`."""

from course import create_app, freeze_startup_objects

app = create_app()
freeze_startup_objects()
