"""The application shell: health check, error pages, configuration safety, the serving entry point."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from course import create_app


def test_healthz_reports_app_and_database_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "app": "up", "database": "up"}


def test_unknown_page_gets_a_404_in_the_site_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Page not found" in html
    assert 'class="site-header"' in html


def test_wrong_method_gets_a_405_page(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "not allowed" in response.get_data(as_text=True)


def test_unexpected_errors_show_a_page_without_a_stack_trace(app):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    response = app.test_client().get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in html
    assert "secret internal detail" not in html
    assert "Traceback" not in html


def test_production_refuses_the_development_secret_key(monkeypatch):
    monkeypatch.setenv("DIGNITY_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_refuses_to_start_without_a_public_address(monkeypatch):
    # Without PUBLIC_BASE_URL, credentials and verify links would name whatever Host a request claims.
    monkeypatch.setenv("DIGNITY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL"):
        create_app()


def test_production_starts_with_a_real_secret_key(monkeypatch, tmp_path):
    monkeypatch.setenv("DIGNITY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://training.academy.example")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    assert create_app().config["SECRET_KEY"] == "a-long-random-production-secret"


def test_the_serving_entry_point_exempts_start_up_objects_from_garbage_collection(tmp_path):
    # app.py is what gunicorn and `flask --app app` import; it runs in its own process here, since freezing
    # the collector in the test process would keep every test's app alive.
    script = "import gc, app; print(app.app.name, gc.get_freeze_count())"
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "CREDENTIAL_KEY_DIR": str(tmp_path / "keys")}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,  # noqa: S603
                            cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
    name, frozen = result.stdout.split()
    assert name == "course"
    assert int(frozen) > 50_000


def test_the_serving_entry_point_compiles_every_template_before_any_request(tmp_path):
    # Two starts of app.py, as two workers of one release: the first compiles every template as it starts and keeps
    # the code in the instance folder; the second loads them all from there. Neither compiles one for a request.
    script = """if True:
        import jinja2
        compiled = []
        original = jinja2.Environment.compile
        jinja2.Environment.compile = lambda self, *args, **kwargs: compiled.append(1) or original(self, *args, **kwargs)
        import app
        env, at_start = app.app.jinja_env, len(compiled)
        for name in env.list_templates():
            env.get_template(name)  # as a request does: from the environment's cache of loaded templates
        print(len(env.list_templates()), at_start, len(compiled) - at_start)
    """
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "CREDENTIAL_KEY_DIR": str(tmp_path / "keys")}
    env.pop("DATABASE_URL", None)
    for start in range(2):
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env,  # noqa: S603
                                cwd=Path(__file__).resolve().parent.parent, timeout=120, check=True)
        templates, at_start, afterwards = map(int, result.stdout.split())
        assert templates > 50
        assert at_start == (templates if start == 0 else 0)
        assert afterwards == 0, "a template was left to compile on its first request"
        assert len(list((tmp_path / "template-cache").iterdir())) == templates


def test_templates_load_without_their_compiled_cache_when_the_instance_folder_is_read_only(app, monkeypatch):
    from course import load_templates

    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as an unprivileged user on a read-only folder
    load_templates(app)
    assert app.jinja_env.bytecode_cache is None
    assert len(app.jinja_env.cache) == len(app.jinja_env.list_templates())
    assert app.test_client().get("/login").status_code == 200


@pytest.mark.parametrize("key", ["short-but-set", "test-secret-key", "changeme", "a" * 64, "abababababababababababab"])
def test_production_refuses_a_short_default_or_repetitive_secret_key(monkeypatch, tmp_path, key):
    monkeypatch.setenv("DIGNITY_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_no_request_runs_an_async_hook_or_view(app):
    """Flask runs an `async` function through asgiref, with a new thread and event loop, on every request that
    calls it: Flask-SQLAlchemy-Lite's async-session teardown alone was a third of a lesson page's CPU."""
    import inspect

    hooks = [*app.teardown_appcontext_funcs, *app.view_functions.values()]
    for registry in (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs,
                     app.template_context_processors):
        hooks += [f for functions in registry.values() for f in functions]
    assert len(hooks) > 100
    assert [f for f in hooks if inspect.iscoroutinefunction(f)] == []
