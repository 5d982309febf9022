"""Small defects of the academy's week, each with the test that failed before its fix."""

import csv
import io
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import insert, select

from course.core.accounts import create_user
from course.extensions import db
from course.models import UNUSABLE_PASSWORD, AttemptItem, Role, User
from tests.certificate_steps import earn_certificate
from tests.conftest import FIXTURE_CONTENT, PASSWORD, post_form, signed_in
from tests.test_certificates import complete_module

ROOT = Path(__file__).resolve().parent.parent
MAKE = shutil.which("make")


def test_an_ordering_clash_keeps_the_trainee_s_positions_and_marks_the_clash(make_app, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    module = content / "01-basics" / "module.yaml"  # every question drawn, so the ordering one is there
    module.write_text(module.read_text().replace("questions_per_attempt: 4", "questions_per_attempt: 7"))
    app = make_app(content)
    with app.app_context():
        create_user(db.session, email="t@police.example", name="Trainee", password=PASSWORD)
        db.session.commit()
    client = signed_in(app, SimpleNamespace(email="t@police.example"))
    quiz = "/modules/basics/quiz"
    response = post_form(client, f"{quiz}/start", form_url=quiz)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        items = db.session.scalars(select(AttemptItem).where(AttemptItem.attempt_id == attempt_id)).all()
        [item] = [i for i in items if i.question.type == "ordering"]
        position, count = item.position, len(item.choice_order)
    page = next(n for n in range(1, 8)
                if f'id="q{position}-0"' in client.get(f"/attempts/{attempt_id}?page={n}").get_data(as_text=True))
    sent = {f"q{position}-{k}": str(p) for k, p in enumerate([1, 1, *range(3, count + 1)])}
    response = post_form(client, f"/attempts/{attempt_id}", {**sent, "action": "save", "page": str(page)},
                         form_url=f"/attempts/{attempt_id}?page={page}")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Use each position only once" in html
    for k, p in enumerate([1, 1, *range(3, count + 1)]):
        select_html = re.search(rf'<select id="q{position}-{k}"[^>]*>(.*?)</select>', html, re.S)
        assert f'<option value="{p}" selected>' in select_html.group(1), k
    assert html.count("Position 1 is given to another step too.") == 2
    assert f'id="q{position}-0" name="q{position}-0" aria-invalid="true"' in html
    assert f'id="q{position}-2" name="q{position}-2" aria-invalid' not in html


def seed(app, count: int) -> None:
    with app.app_context():
        db.session.execute(insert(User), [{"email": f"s{n}@police.example", "name": f"Seeded {n}",
                                           "password_hash": UNUSABLE_PASSWORD, "role": "trainee"}
                                          for n in range(count)])
        db.session.commit()


def test_counts_are_grouped_in_the_reader_s_locale(app, make_user):
    seed(app, 5003)
    admin = signed_in(app, make_user(Role.ADMIN))
    assert '<span class="stat-value">5,003</span>' in admin.get("/admin/").get_data(as_text=True)
    assert "5003" not in admin.get("/admin/").get_data(as_text=True)


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_every_csv_export_writes_iso_dates_and_true_or_false(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    done, idle = make_user(name="Dana Done"), make_user(name="Ira Idle")
    cohort = make_cohort(trainer, [done, idle])
    complete_module(signed_in(app, done), app, "basics", ["first", "second"])
    staff = signed_in(app, trainer)
    progress = read_csv(staff.get(f"/trainer/cohorts/{cohort.id}/export/progress.csv"))
    header = progress[0]
    for row in progress[1:]:
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", row[header.index("joined")])
        assert row[header.index("completed_course")] == "false"
    attempts = read_csv(staff.get(f"/trainer/cohorts/{cohort.id}/export/attempts.csv"))
    header, [row] = attempts[0], attempts[1:]
    for column in ("started_at", "submitted_at"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row[header.index(column)]), row
    assert row[header.index("passed")] == "true"
    assert row[header.index("late")] == "false"
    items = read_csv(staff.get(f"/trainer/cohorts/{cohort.id}/export/items.csv?module=basics"))
    assert {row[items[0].index("too_few_responses")] for row in items[1:]} <= {"true", "false"}


def test_the_completion_message_links_to_the_new_certificate(client, app, trainee):
    certificate = earn_certificate(client, app)
    page = client.get("/certificates").get_data(as_text=True)
    assert "You have completed the course. Your certificate is ready." in page
    assert f'<a href="/certificates/{certificate.serial}">Open your certificate {certificate.serial}</a>' in page


def test_the_content_note_is_not_shown_again_once_acknowledged(client, app, trainee):
    lesson = "/modules/basics/lessons/second"
    assert "Content note" in client.get(lesson).get_data(as_text=True)
    assert "This lesson teaches the second thing" in client.get(f"{lesson}?note=read").get_data(as_text=True)
    again = client.get(lesson).get_data(as_text=True)  # a review link from the module page or a quiz result
    assert "This lesson teaches the second thing" in again
    assert "Before you read" not in again
    with app.app_context():
        create_user(db.session, email="other@police.example", name="Other", password=PASSWORD)
        db.session.commit()
    other = signed_in(app, SimpleNamespace(email="other@police.example"))
    assert "Before you read" in other.get(lesson).get_data(as_text=True)  # per trainee


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_run_serves_on_the_port_and_host_asked_for():
    plan = subprocess.run([MAKE, "-n", "run", "PORT=8123", "HOST=0.0.0.0", "VENV=/nonexistent-venv"],  # noqa: S603
                          cwd=ROOT, capture_output=True, text=True, check=False).stdout
    assert "run --host 0.0.0.0 --port 8123" in plan
    default = subprocess.run([MAKE, "-n", "run", "VENV=/nonexistent-venv"], cwd=ROOT, capture_output=True,  # noqa: S603
                             text=True, check=False).stdout
    assert "run --host 127.0.0.1 --port 5000" in default


def test_there_is_an_icon_at_both_addresses_browsers_ask(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301
    assert legacy.headers["Location"].endswith("/static/favicon.svg")
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    assert icon.get_data(as_text=True).startswith("<svg")
