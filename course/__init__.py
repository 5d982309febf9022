"""Dignity: training for survivor-centred policing of digital sex crimes."""

from __future__ import annotations

import functools
import gc
import os
from pathlib import Path

from flask import Flask
from jinja2 import FileSystemBytecodeCache
from sqlalchemy.exc import InterfaceError, OperationalError

from course.admin.token_views import bp as admin_tokens_bp
from course.admin.views import bp as admin_bp
from course.api.auth import ignore_cookies
from course.api.views import bp as api_bp
from course.auth.sso import init_sso
from course.auth.sso_views import bp as sso_bp
from course.auth.views import bp as auth_bp
from course.auth.views import load_user
from course.calendar.views import bp as calendar_bp
from course.certificates.admin import bp as certificates_admin_bp
from course.certificates.services import issue_certificate_if_complete, reissue_certificate
from course.certificates.transcript_views import bp as transcripts_bp
from course.certificates.views import bp as certificates_bp
from course.cli import register_cli
from course.config import PROJECT_ROOT, check_production_safety, from_environment
from course.content.views import bp as content_admin_bp
from course.core.completion import register_certifier, register_progress_listener, register_reissuer
from course.core.errors import database_unavailable, register_error_handlers
from course.core.events import Writers, register_records_out
from course.core.fragments import cached_fragment, kept_macro, nav_section, procedures_key
from course.core.i18n import current_language, register_i18n, select_locale
from course.core.procedures import render_content, render_plain, render_slot
from course.core.security import init_security
from course.core.settings import academy_name
from course.core.standings import register_standings
from course.core.template_gettext import gettext_context
from course.core.templating import Template
from course.core.timezones import select_time_zone
from course.database import compare_server_default, configure_engine, render_migration_item
from course.extensions import alembic, babel, check_blueprint_limits, csrf, db, limiter, login_manager
from course.learn.views import bp as learn_bp
from course.lti.admin import bp as lti_admin_bp
from course.lti.grades import after_progress
from course.lti.views import bp as lti_bp
from course.main.views import bp as main_bp
from course.outbox.statements import statements_enabled, write_statement
from course.outbox.views import bp as outbox_bp
from course.outbox.webhooks import write_webhook
from course.procedures.views import bp as procedures_bp
from course.quiz.exam_views import bp as exam_bp
from course.quiz.views import bp as quiz_bp
from course.readers import give_back_readers, has_work, track_connections
from course.reminders.views import bp as notices_bp
from course.scenarios.views import bp as scenarios_bp
from course.trainer.intervention_views import bp as interventions_bp
from course.trainer.invitation_views import bp as invitations_bp
from course.trainer.pending_views import bp as pending_bp
from course.trainer.report_views import bp as reports_bp
from course.trainer.trainee_views import bp as trainees_bp
from course.trainer.views import bp as trainer_bp


def load_templates(app: Flask) -> None:
    """Compile every template now, through a bytecode cache in the instance folder, so no request waits for one.

    Jinja compiles a template the first time a process renders it (about 12 ms of CPU each, 87 templates); under load
    that landed in the first minutes of every worker. Compiled code is kept in `<instance>/template-cache`, keyed by
    each template's source, so after the first start of a release a worker loads all of them in a few tens of ms.
    Called by app.py, the serving entry point; a read-only instance folder just goes without the cache.
    """
    cache_dir = Path(app.instance_path) / "template-cache"
    try:
        cache_dir.mkdir(exist_ok=True)
    except OSError:
        pass
    if os.access(cache_dir, os.W_OK):
        app.jinja_env.bytecode_cache = FileSystemBytecodeCache(str(cache_dir))
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def freeze_startup_objects() -> None:
    """Exempt everything loaded at start-up from the cyclic garbage collector (`gc.freeze`).

    A serving process keeps its ~240,000 start-up objects (modules, templates, SQLAlchemy's mappings) for
    life, yet every full collection scans them all again: about 100 ms that landed, at random, in the
    middle of big pages such as a 1,000-trainee cohort (docs/performance.md). Called once by app.py, the
    serving entry point; tests, which build many apps in one process, do not freeze.
    """
    gc.collect()
    gc.freeze()


def create_app(config: dict | None = None) -> Flask:
    """Application factory: configuration, extensions, blueprints, errors and CLI."""
    config = config or {}
    app = Flask(
        __name__, instance_path=config.get("INSTANCE_PATH") or os.environ.get("INSTANCE_PATH"),
        template_folder=str(PROJECT_ROOT / "templates"), static_folder=str(PROJECT_ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    app.config.from_mapping(config)
    check_production_safety(app.config)
    app.config.setdefault("ALEMBIC", {})["script_location"] = str(PROJECT_ROOT / "migrations")
    context = app.config.setdefault("ALEMBIC_CONTEXT", {})
    context["render_item"] = render_migration_item
    context["compare_server_default"] = compare_server_default

    init_security(app)
    register_extensions(app)
    app.jinja_env.template_class = Template  # Jinja's, with cheaper macro imports (core/templating.py)
    app.add_template_filter(render_content, "markdown")  # the academy's procedures filled in at render time
    app.add_template_filter(render_plain, "procedures")
    app.add_template_global(render_slot, "procedure_slot")
    app.add_template_global(cached_fragment)  # the page frame, kept per process (core/fragments.py)
    app.add_template_global(nav_section)
    for name in ("status_badge", "progress_bar"):  # templates/_macros/kept.html, each call kept per process
        app.add_template_global(kept_macro(name), name)
    app.add_template_global(procedures_key)
    for blueprint in (main_bp, auth_bp, learn_bp, quiz_bp, exam_bp, scenarios_bp, certificates_bp,
                      certificates_admin_bp, transcripts_bp, trainer_bp, trainees_bp, interventions_bp, reports_bp,
                      invitations_bp, pending_bp, notices_bp, calendar_bp, admin_bp, content_admin_bp, sso_bp, lti_bp,
                      lti_admin_bp, admin_tokens_bp, api_bp, outbox_bp, procedures_bp):
        app.register_blueprint(blueprint)
    app.wsgi_app = ignore_cookies(app.wsgi_app)
    register_certifier(app, issue_certificate_if_complete)
    register_progress_listener(app, after_progress)  # LTI grade passback
    register_records_out(app, Writers(write_statement, write_webhook, statements_enabled))
    register_reissuer(app, reissue_certificate)
    init_sso(app)
    register_i18n(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    """Initialise the bare extension instances and wire the login loader."""
    db.init_app(app)
    # Flask-SQLAlchemy-Lite also closes async sessions, which this app never opens, with an `async` teardown; Flask
    # runs that through asgiref on every request, starting a thread and an event loop each time (about a third of
    # a lesson page's CPU). Only the sync sessions' teardown is kept when no async engine is configured.
    if not app.config.get("SQLALCHEMY_ASYNC_ENGINES"):
        app.teardown_appcontext_funcs[:] = [f for f in app.teardown_appcontext_funcs
                                            if getattr(f, "__name__", "") != "_close_async_sessions"]
    # Flask asks of every hook and view, on every request, whether it is a coroutine function (about a tenth of a
    # signed-in page's calls before the view): the answer never changes, so it is worked out once per function.
    app.ensure_sync = functools.cache(app.ensure_sync)
    with app.app_context():
        configure_engine(db.engine)
        register_standings(db.sessionmaker)
        track_connections(db.sessionmaker)
    # Teardown functions run last-registered first: the readers are given back after the sessions that read on them
    # are closed (Flask-SQLAlchemy-Lite's teardown), never while a session still has a transaction on one.
    app.teardown_appcontext_funcs.insert(0, give_back_readers)
    alembic.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    check_blueprint_limits(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_time_zone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)


def register_request_hooks(app: Flask) -> None:
    """One commit per request: services flush, and a successful request commits once here."""

    @app.after_request
    def commit_session(response):
        try:
            if not has_work(db.session):  # it read on a reader connection only: no transaction to end
                return response
            if response.status_code < 400:
                db.session.commit()
            else:
                db.session.rollback()
        except (OperationalError, InterfaceError) as error:  # the database went away at the last moment
            return database_unavailable(error)
        return response

    @app.context_processor
    def inject_globals():
        return {"academy_name": academy_name(db.session), "current_locale": current_language(), **gettext_context()}
