"""Shared template macros keep the markup that screen readers and password managers rely on."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from wtforms import Form, PasswordField


class PasswordChange(Form):
    """The fields the account page asks for."""

    current = PasswordField("Current password")
    password = PasswordField("New password")
    confirm = PasswordField("Repeat password")


def render(app, source, **context):
    with app.test_request_context():
        return app.jinja_env.from_string(source).render(**context)


def test_a_breadcrumb_is_a_labelled_nav_ending_with_the_current_page(app):
    html = render(app, '{% from "_macros/navigation.html" import breadcrumb %}'
                       '{{ breadcrumb([("/", "My course"), ("/modules/m", "A & B")], "Quiz") }}')
    assert '<nav aria-label="Breadcrumb" class="breadcrumb">' in html
    assert '<a href="/">My course</a> › <a href="/modules/m">A &amp; B</a> › ' in html
    assert html.strip().endswith('<span aria-current="page">Quiz</span>\n  </nav>')
    assert html.count("aria-current") == 1


def test_the_attempts_table_has_scoped_headers_and_links_only_when_asked(app):
    started = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    attempts = [SimpleNamespace(id=7, number=1, is_practice=False, is_submitted=True, passed=False, late=True,
                                started_at=started, submitted_at=started + timedelta(minutes=12), score=40.0,
                                module=SimpleNamespace(title="Basics"), module_slug="basics")]
    source = '{% from "_macros/attempts.html" import attempt_table %}{{ attempt_table(attempts, "h", **options) }}'
    own = render(app, source, attempts=attempts, options={"link": True})
    trainer = render(app, source, attempts=attempts, options={"show_module": True})
    assert 'aria-labelledby="h"' in own
    assert '<th scope="row"><a href="/attempts/7/result">Attempt 1</a></th>' in own
    assert "✗ Not passed (time ran out)" in own
    assert "12 min" in own
    assert '<th scope="col">Module</th>' in trainer
    assert '<th scope="row">Basics</th>' in trainer
    assert "/attempts/7" not in trainer


def test_password_fields_carry_autocomplete_tokens(app):
    with app.test_request_context():
        form = PasswordChange()
        html = app.jinja_env.from_string('{% from "_macros/forms.html" import password_fields %}'
                                         '{{ password_fields(form, current=true) }}').render(form=form)
    assert html.count('autocomplete="new-password"') == 2
    assert html.count('autocomplete="current-password"') == 1
    assert html.index("current-password") < html.index("new-password")


def test_importing_macros_costs_no_python_level_comparison_of_globals(app, make_user, monkeypatch):
    from collections.abc import KeysView

    from tests.conftest import signed_in

    client = signed_in(app, make_user())
    compared = []
    original = KeysView.__rsub__
    monkeypatch.setattr(KeysView, "__rsub__", lambda self, other: compared.append(1) or original(self, other))
    page = client.get("/modules/basics").get_data(as_text=True)
    assert '<nav aria-label="Breadcrumb" class="breadcrumb">' in page  # an imported macro, rendered
    assert compared == []  # core/templating.py: a set difference in C, not Jinja's KeysView comparison


def test_an_import_into_a_template_with_globals_of_its_own_still_gets_a_module_that_sees_them():
    from jinja2 import DictLoader, Environment

    from course.core.templating import Template

    environment = Environment(autoescape=True, loader=DictLoader({
        "macros.html": "{% macro greet() %}{{ greeting }}, {{ name }}{% endmacro %}",
        "page.html": '{% from "macros.html" import greet %}{{ greet() }}',
    }))
    environment.template_class = Template
    environment.globals["name"] = "trainee"
    environment.get_template("macros.html")  # loaded first, without the page's own global
    page = environment.get_template("page.html", globals={"greeting": "Hello"})
    assert page.render() == "Hello, trainee"  # Jinja's own path: a module built with the importer's globals
    assert environment.get_template("macros.html").module.greet() == ", trainee"  # the kept module is unchanged
