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
