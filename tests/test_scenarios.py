"""Branching scenarios: one decision at a time in a shuffled order, consequences that follow the flags the
trainee's choices set, a debrief with path, score and pass, replays, and a pass score for completion."""

import html as htmllib
import random
import re
import shutil

import pytest
from sqlalchemy import func, select

from course.core.accounts import create_user
from course.core.records import scenario_record_rows
from course.extensions import db
from course.models import Certificate, ScenarioRun
from course.scenarios import services as scenario_services
from tests.conftest import FIXTURE_CONTENT, PASSWORD, post_form
from tests.test_certificates import complete_module

INTRO = "/modules/practice/scenario"
RADIO = re.compile(r'<input type="radio" id="choice-\d+" name="choice" value="(\d+)"[^>]*>\s*'
                   r'<label for="choice-\d+">(.*?)</label>')
BEST = {"one": "Listen", "two": "Record the links", "three": "Refer to support"}
POOR = {"one": "Interrupt", "two": "Note only the first link", "three": "Say nothing"}


def start(client) -> int:
    response = post_form(client, f"{INTRO}/start", form_url=INTRO)
    return int(re.search(r"/scenario-runs/(\d+)", response.headers["Location"]).group(1))


def shown(client, run_id) -> list[str]:
    """The choices on the decision page, in the order shown."""
    page = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    return [htmllib.unescape(label) for _value, label in RADIO.findall(page)]


def decide(client, run_id, step, position):
    return post_form(client, f"/scenario-runs/{run_id}", {"step": step, "choice": str(position)}, form_url=INTRO)


def choose(client, run_id, step, text):
    """Pick the choice labelled `text`, wherever this run shows it."""
    return decide(client, run_id, step, shown(client, run_id).index(text))


def play(client, choices: dict) -> int:
    run_id = start(client)
    for step in ("one", "two", "three"):
        choose(client, run_id, step, choices[step])
    return run_id


def runs(app):
    with app.app_context():
        return db.session.scalars(select(ScenarioRun).order_by(ScenarioRun.id)).all()


def test_the_intro_explains_the_scenario_and_its_pass_score(client, trainee):
    html = client.get(INTRO).get_data(as_text=True)
    assert "A practice scenario" in html
    assert "Start the scenario" in html
    assert "passes with a score of 70% or more" in html


def test_a_step_shows_the_situation_and_choices_but_not_their_quality(client, trainee):
    run_id = start(client)
    html = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "The first situation." in html
    assert sorted(shown(client, run_id)) == ["Interrupt", "Listen"]
    assert "Listening builds trust." not in html  # feedback only after deciding
    assert "best" not in html
    assert "poor" not in html


def test_playing_through_shows_consequences_and_a_debrief(client, app, trainee):
    run_id = start(client)
    assert choose(client, run_id, "one", "Listen").status_code == 302
    html = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "What happened" in html
    assert "Listening builds trust." in html
    assert "The second situation." in html
    choose(client, run_id, "two", "Note only the first link")  # acceptable
    choose(client, run_id, "three", "Say nothing")  # poor, leads to the poor ending
    debrief = client.get(f"/scenario-runs/{run_id}").get_data(as_text=True)
    assert "Alone" in debrief
    assert "She is left alone." in debrief
    assert "Score: 50% (3 of 6 points)" in debrief
    assert "Not passed." in debrief
    assert "The pass score is 70%" in debrief
    assert debrief.index("Listen") < debrief.index("Note only the first link") < debrief.index("Say nothing")
    assert "Listen, record, refer." in debrief  # the debrief text
    [run] = runs(app)
    assert run.is_finished
    assert run.ending == "poor-end"
    assert run.score == 50.0
    assert run.passed is False


def test_later_text_follows_the_flags_earlier_choices_set(client, app, trainee):
    recorded = start(client)
    choose(client, recorded, "one", "Listen")
    choose(client, recorded, "two", "Record the links")
    page = client.get(f"/scenario-runs/{recorded}").get_data(as_text=True)
    assert "Every link is in your notes." in page
    assert "Only the first link" not in page
    choose(client, recorded, "three", "Say nothing")
    assert "The links you recorded still let the case go on." in client.get(f"/scenario-runs/{recorded}").text
    assert runs(app)[0].flags == ["links-recorded"]

    skipped = start(client)
    choose(client, skipped, "one", "Listen")
    choose(client, skipped, "two", "Note only the first link")
    page = client.get(f"/scenario-runs/{skipped}").get_data(as_text=True)
    assert "Only the first link is in your notes." in page
    assert "Every link" not in page
    choose(client, skipped, "three", "Say nothing")
    assert "The links you recorded" not in client.get(f"/scenario-runs/{skipped}").text
    assert runs(app)[1].flags == []


def test_each_run_stores_its_own_choice_order_and_the_posted_position_refers_to_it(client, app, trainee, monkeypatch):
    # A seeded generator in place of the system one, so that the draws are the same on every run of this test
    # (seed 7 draws both orders of the first step within twelve runs) and it cannot fail by the luck of the draw.
    seeded = random.Random(7)
    monkeypatch.setattr(scenario_services.random, "SystemRandom", lambda: seeded)
    orders = set()
    for _ in range(12):
        run_id = start(client)
        page_order = shown(client, run_id)
        [run] = [r for r in runs(app) if r.id == run_id]
        assert page_order == [["Interrupt", "Listen"][i] for i in run.choice_orders["one"]]
        orders.add(tuple(page_order))
        decide(client, run_id, "one", page_order.index("Listen"))
        [run] = [r for r in runs(app) if r.id == run_id]
        assert run.path == [{"step": "one", "choice": 1}]  # the authored index of "Listen"
        assert run.points == 2
        for step in ("two", "three"):
            choose(client, run_id, step, BEST[step])
    assert len(orders) == 2  # each run keeps the order it drew, whichever it was


def test_a_run_started_before_shuffling_shows_and_grades_the_authored_order(client, app, trainee):
    run_id = start(client)
    with app.app_context():
        db.session.get(ScenarioRun, run_id).choice_orders = None
        db.session.commit()
    assert shown(client, run_id) == ["Interrupt", "Listen"]
    decide(client, run_id, "one", 1)
    assert runs(app)[0].path == [{"step": "one", "choice": 1}]


def test_a_double_submitted_decision_counts_once(client, app, trainee):
    run_id = start(client)
    order = shown(client, run_id)
    decide(client, run_id, "one", order.index("Listen"))
    decide(client, run_id, "one", order.index("Interrupt"))  # the same step again, e.g. a second tab
    [run] = runs(app)
    assert run.path == [{"step": "one", "choice": 1}]
    assert run.points == 2
    assert run.current_step == "two"


def test_a_choice_that_does_not_exist_is_rejected(client, app, trainee):
    run_id = start(client)
    response = decide(client, run_id, "one", 7)
    assert response.status_code == 422
    assert "That answer is not one of the choices shown." in response.get_data(as_text=True)
    assert decide(client, run_id, "one", "").status_code == 422
    assert runs(app)[0].path == []


def test_replays_keep_best_and_latest_and_say_whether_it_passed(client, app, trainee):
    first = play(client, BEST)
    assert "Passed." in client.get(f"/scenario-runs/{first}").text
    second = play(client, POOR)
    assert second != first
    html = client.get(INTRO).get_data(as_text=True)
    assert "Best score 100%, latest 17%." in html
    assert "You have passed this scenario." in html
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
    module.write_text(module.read_text() + "scenario_required: true\nscenario_pass_score: 80\n")
    return make_app(content_dir=root)


def certificates_issued(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Certificate.id)))


def test_a_required_scenario_counts_only_once_a_run_reaches_the_pass_score(required_scenario):
    app = required_scenario
    client = app.test_client()
    with app.app_context():
        create_user(db.session, email="solo@academy.example", name="Solo Trainee", password=PASSWORD)
        db.session.commit()
    post_form(client, "/login", {"email": "solo@academy.example", "password": PASSWORD})
    complete_module(client, app, "basics", ["first", "second"])
    complete_module(client, app, "practice", ["only"])
    assert certificates_issued(app) == 0
    assert "Practice: play the scenario" in client.get("/").get_data(as_text=True)

    near_miss = play(client, {**BEST, "two": "Note only the first link"})  # 5 of 6 points: 83%
    assert certificates_issued(app) == 1
    assert "This scenario now counts towards completing the module." in client.get(f"/scenario-runs/{near_miss}").text


def test_an_ending_reached_below_the_pass_score_does_not_complete_the_module(required_scenario):
    app = required_scenario
    client = app.test_client()
    with app.app_context():
        create_user(db.session, email="solo@academy.example", name="Solo Trainee", password=PASSWORD)
        db.session.commit()
    post_form(client, "/login", {"email": "solo@academy.example", "password": PASSWORD})
    complete_module(client, app, "basics", ["first", "second"])
    complete_module(client, app, "practice", ["only"])
    failed = play(client, {**BEST, "three": "Say nothing"})  # 4 of 6 points: 67%, below 80
    debrief = client.get(f"/scenario-runs/{failed}").text
    assert "Not passed." in debrief
    assert "counts towards completing the module only when a play-through passes" in debrief
    assert certificates_issued(app) == 0
    assert "Practice: play the scenario" in client.get("/").get_data(as_text=True)
    assert "You have not passed this scenario yet." in client.get(INTRO).text
    play(client, BEST)  # the replay passes
    assert certificates_issued(app) == 1


def test_trainer_records_count_a_scenario_as_completed_only_once_a_run_passed(client, app, trainee):
    play(client, POOR)
    with app.app_context():
        [record] = scenario_record_rows(db.session).values()
        assert (record.finished, record.passed, record.completed) == (1, 0, False)
    play(client, BEST)
    with app.app_context():
        [record] = scenario_record_rows(db.session).values()
        assert (record.finished, record.passed, record.completed) == (2, 1, True)
