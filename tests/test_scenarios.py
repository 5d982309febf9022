"""Branching scenarios: one decision at a time, feedback, a debrief with path and score, replays."""

import re
import shutil

import pytest
from sqlalchemy import func, select

from course.core.accounts import create_user
from course.extensions import db
from course.models import Certificate, ScenarioRun
from tests.conftest import FIXTURE_CONTENT, PASSWORD, post_form
from tests.test_certificates import complete_module

INTRO = "/modules/practice/scenario"


def start(client) -> int:
    response = post_form(client, f"{INTRO}/start", form_url=INTRO)
    return int(re.search(r"/scenario-runs/(\d+)", response.headers["Location"]).group(1))


def decide(client, run_id, step, choice):
    return post_form(client, f"/scenario-runs/{run_id}", {"step": step, "choice": str(choice)}, form_url=INTRO)


def runs(app):
    with app.app_context():
        return db.session.scalars(select(ScenarioRun).order_by(ScenarioRun.id)).all()


def test_the_intro_explains_the_scenario(client, trainee):
    html = client.get(INTRO).get_data(as_text=True)
    assert "A practice scenario" in html
    assert "Start the scenario" in html


def test_a_step_shows_the_situation_and_choices_but_not_their_quality(client, trainee):
    run_id = start(client)
    html = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "The first situation." in html
    assert "Listen" in html
    assert "Interrupt" in html
    assert "Listening builds trust." not in html  # feedback only after deciding
    assert "best" not in html
    assert "poor" not in html


def test_playing_through_shows_consequences_and_a_debrief(client, app, trainee):
    run_id = start(client)
    assert decide(client, run_id, "one", 0).status_code == 302
    html = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "What happened" in html
    assert "Listening builds trust." in html
    assert "The second situation." in html
    decide(client, run_id, "two", 1)   # acceptable
    decide(client, run_id, "three", 1)  # poor, leads to the poor ending
    debrief = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "Alone" in debrief
    assert "She is left alone." in debrief
    assert "Score: 50% (3 of 6 points)" in debrief
    assert debrief.index("Listen") < debrief.index("Ask for copies") < debrief.index("Say nothing")
    assert "Listen, record, refer." in debrief  # the debrief text
    [run] = runs(app)
    assert run.is_finished
    assert run.ending == "poor-end"
    assert run.score == 50.0


def test_a_double_submitted_decision_counts_once(client, app, trainee):
    run_id = start(client)
    decide(client, run_id, "one", 0)
    decide(client, run_id, "one", 1)  # the same step again, e.g. a second tab
    [run] = runs(app)
    assert run.path == [{"step": "one", "choice": 0}]
    assert run.points == 2
    assert run.current_step == "two"


def test_a_choice_that_does_not_exist_is_rejected(client, app, trainee):
    run_id = start(client)
    response = decide(client, run_id, "one", 7)
    assert response.status_code == 422
    assert "That answer is not one of the choices shown." in response.get_data(as_text=True)
    assert decide(client, run_id, "one", "").status_code == 422
    assert runs(app)[0].path == []


def test_replays_keep_best_and_latest(client, app, trainee):
    first = start(client)
    for step in ("one", "two", "three"):
        decide(client, first, step, 0)
    second = start(client)
    assert second != first
    for step, choice in (("one", 1), ("two", 1), ("three", 1)):
        decide(client, second, step, choice)
    html = client.get(INTRO).get_data(as_text=True)
    assert "Best score 100%, latest 17%." in html
    assert "Play again" in html


def test_starting_twice_resumes_the_unfinished_run(client, app, trainee):
    assert start(client) == start(client)
    assert len(runs(app)) == 1


def test_another_trainees_run_is_not_found(client, trainee, make_user, auth):
    run_id = start(client)
    auth.logout()
    auth.login(make_user().email)
    assert client.get(f"/scenario-runs/{run_id}").status_code == 404
    assert decide(client, run_id, "one", 0).status_code == 404


def test_modules_without_a_scenario_have_no_scenario_page(client, trainee):
    assert client.get("/modules/basics/scenario").status_code == 404


@pytest.fixture
def required_scenario(make_app, tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    module = root / "02-practice" / "module.yaml"
    module.write_text(module.read_text() + "scenario_required: true\n")
    return make_app(content_dir=root)


def test_a_required_scenario_counts_towards_completion(required_scenario):
    app = required_scenario
    client = app.test_client()
    with app.app_context():
        create_user(db.session, email="solo@academy.example", name="Solo Trainee", password=PASSWORD)
        db.session.commit()
    post_form(client, "/login", {"email": "solo@academy.example", "password": PASSWORD})
    complete_module(client, app, "basics", ["first", "second"])
    complete_module(client, app, "practice", ["only"])
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 0
    assert "Practice: play the scenario" in client.get("/").get_data(as_text=True)
    run_id = start(client)
    for step in ("one", "two", "three"):
        response = decide(client, run_id, step, 0)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
