"""WSGI entry point: `flask --app app …` and `gunicorn app:app`."""

from course import create_app, freeze_startup_objects, load_templates

app = create_app()
load_templates(app)  # before the freeze: compiled templates are start-up objects too
freeze_startup_objects()
