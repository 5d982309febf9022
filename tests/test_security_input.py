"""Crafted input gets a 4xx with a clear message, never a 500 (F4), and the small hardening findings (F10, F11):
private pages are not cached, passwords are not the account's own words, names hold no control or
text-direction characters, the CSV content type names its charset once, a non-UTF-8 GIFT file is one line."""

from __future__ import annotations

import io
import re
import threading

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.models import AttemptItem, Cohort, Role, User
from tests.conftest import PASSWORD, csrf_token, post_form, signed_in
from tests.test_certificates import complete_course
from tests.test_failures import start_quiz
from tests.test_scenarios import INTRO, start

HUGE = "9" * 30  # beyond 64 bits
DIGITS = "9" * 5000  # beyond Python's int() string limit


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("value", ["²", DIGITS, "٣"])
def test_a_crafted_quiz_answer_is_refused_with_a_message(app, client, trainee, value):
    attempt_id, answers = start_quiz(client, app, "basics")
    with app.app_context():
        saved = db.session.scalars(select(AttemptItem.response).where(AttemptItem.attempt_id == attempt_id)).all()
    answers = {key: value for key in answers if key.startswith("q")} | {"action": "save"}
    response = post_form(client, f"/attempts/{attempt_id}", answers, form_url="/modules/basics/quiz")
    assert 400 <= response.status_code < 500
    assert "not" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AttemptItem.response)
                                  .where(AttemptItem.attempt_id == attempt_id)).all() == saved


@pytest.mark.parametrize("value", ["²", DIGITS])
def test_a_crafted_scenario_choice_is_refused_with_a_message(app, client, trainee, value):
    run_id = start(client)
    response = post_form(client, f"/scenario-runs/{run_id}", {"step": "one", "choice": value}, form_url=INTRO)
    assert response.status_code == 422
    assert "That answer is not one of the choices shown." in response.get_data(as_text=True)


def test_a_credential_nested_thousands_deep_is_refused(app, client):
    nested = '{"proof": ' * 5000 + "1" + "}" * 5000
    for body in (nested, "[" * 5000 + "]" * 5000):
        response = client.post("/verify", data={"credential_text": body}, headers={"Accept": "application/json"})
        assert response.status_code == 200
        assert response.get_json()["valid"] is False
        assert "not a credential we can read" in response.get_json()["problems"][0]
    header = __import__("base64").urlsafe_b64encode(("[" * 5000 + "]" * 5000).encode()).decode().rstrip("=")
    response = client.post("/verify", data={"credential_text": f"{header}.e30.c2ln"},
                           headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json()["valid"] is False


@pytest.mark.parametrize("path", [f"/attempts/{HUGE}", f"/attempts/{HUGE}/result", f"/scenario-runs/{HUGE}",
                                  f"/trainer/cohorts/{HUGE}/items", f"/trainer/cohorts/{HUGE}",
                                  f"/trainer/cohorts/1/trainees/{HUGE}", "/attempts/2147483648"])
def test_numbers_beyond_any_id_in_a_path_are_not_found(app, make_user, path):
    client = signed_in(app, make_user(Role.ADMIN))
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/admin/users", "/admin/audit", "/trainer/cohorts/{cohort}"])
@pytest.mark.parametrize("page", [HUGE, DIGITS, "-" + HUGE, "²"])
def test_page_numbers_beyond_64_bits_are_answered(app, make_user, make_cohort, path, page):
    admin = make_user(Role.ADMIN)
    cohort = make_cohort(admin)
    response = signed_in(app, admin).get(path.format(cohort=cohort.id), query_string={"page": page})
    assert response.status_code == 200


def test_a_csv_field_over_the_csv_limit_is_refused_with_a_message(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    roster = "a@academy.example," + "x" * 140_000 + "\n"
    response = post_form(signed_in(app, trainer), f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(roster.encode()), "r.csv"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not a CSV file we can read" in response.get_data(as_text=True)


@pytest.mark.parametrize(("url", "data"), [
    ("/login", {"email": "a\x00@academy.example", "password": "x"}),
    ("/register", {"name": "Nul\x00Name", "email": "nul@academy.example", "password": "long enough passphrase",
                   "confirm": "long enough passphrase"}),
    ("/register", {"name": "Nul Name", "email": "nul\x00@academy.example", "password": "long enough passphrase",
                   "confirm": "long enough passphrase"}),
])
def test_a_nul_character_is_refused_not_stored(app, client, url, data):
    before = user_count(app)
    response = post_form(client, url, data)
    assert response.status_code == 400
    assert "NUL character" in response.get_data(as_text=True)
    assert user_count(app) == before
    assert client.get("/login?next=/%00").status_code == 400


def test_a_nul_in_a_csv_name_is_refused(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    before = user_count(app)
    response = post_form(signed_in(app, trainer), f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(b"nul@academy.example,Nul\x00Name\n"), "r.csv"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)
    assert user_count(app) == before


def race(count: int, request) -> list[int]:
    barrier, statuses = threading.Barrier(count), []

    def worker(index):
        barrier.wait()
        statuses.append(request(index).status_code)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_simultaneous_registrations_of_one_email_make_one_account(app):
    clients = [app.test_client() for _ in range(5)]
    tokens = [csrf_token(c, "/register") for c in clients]
    data = {"name": "Sam Same", "email": "same@academy.example", "password": "long enough passphrase",
            "confirm": "long enough passphrase"}
    statuses = race(5, lambda i: clients[i].post("/register", data={**data, "csrf_token": tokens[i]}))
    assert sorted(statuses)[0] == 302
    assert set(statuses) <= {302, 409, 422}
    assert user_count(app) == 1


def test_simultaneous_imports_of_one_email_make_one_account(app, make_user, make_cohort):
    trainers = [make_user(Role.TRAINER) for _ in range(4)]
    cohorts = [make_cohort(t, name=f"C{i}") for i, t in enumerate(trainers)]
    clients = [signed_in(app, t) for t in trainers]
    tokens = [csrf_token(c, f"/trainer/cohorts/{k.id}/import") for c, k in zip(clients, cohorts, strict=True)]
    roster = b"".join(b"same%d@academy.example,Same\n" % n for n in range(50))
    statuses = race(4, lambda i: clients[i].post(
        f"/trainer/cohorts/{cohorts[i].id}/import", content_type="multipart/form-data",
        data={"csrf_token": tokens[i], "file": (io.BytesIO(roster), "r.csv"), "output": "page"}))
    assert 200 in statuses
    assert set(statuses) <= {200, 422}
    assert user_count(app) == 4 + 50


PRIVATE = ["/trainer/cohorts/{cohort}", "/trainer/cohorts/{cohort}/trainees/{trainee}", "/certificates/{serial}",
           "/attempts/{attempt}", "/attempts/{attempt}/result"]


def test_personal_data_pages_are_never_cached(app, make_user, make_cohort):
    trainee, trainer = make_user(), make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainee)
    complete_course(client, app)
    with app.app_context():
        from course.models import Certificate, QuizAttempt  # noqa: PLC0415
        serial = db.session.scalar(select(Certificate.serial))
        attempt = db.session.scalar(select(QuizAttempt.id))
    ids = {"cohort": cohort.id, "trainee": trainee.id, "serial": serial, "attempt": attempt}
    for path in PRIVATE:
        viewer = signed_in(app, trainer) if path.startswith("/trainer") else client
        response = viewer.get(path.format(**ids), follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    download = client.get(f"/certificates/{serial}/credential.json")
    assert download.headers["Cache-Control"] == "no-store"


def test_the_csv_content_type_names_its_charset_once(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    response = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/export/progress.csv")
    response.get_data()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


EMAIL = "patricia.kimberley@academy.example"


@pytest.mark.parametrize("password", [EMAIL, "PATRICIA.KIMBERLEY", "Patricia Kimberley-Jones",
                                      "patricia kimberley-jones"])
def test_a_password_equal_to_the_email_or_name_is_refused(app, client, password):
    response = post_form(client, "/register", {"name": "Patricia Kimberley-Jones", "email": EMAIL,
                                               "password": password, "confirm": password})
    assert response.status_code == 422
    assert "your email address or your name" in response.get_data(as_text=True)


def test_the_password_rule_knows_the_account_on_links_the_account_page_and_the_cli(app, make_user, runner):
    from course.core.passwords import password_problem

    assert password_problem("terry.testington", ["terry.testington@academy.example", "T"]) is not None
    user = make_user(email="terry.testington@academy.example", name="Terry Testington Junior")
    client = signed_in(app, user)
    response = post_form(client, "/account", {"current": PASSWORD, "password": "terry testington junior",
                                              "confirm": "terry testington junior"})
    assert response.status_code == 422
    result = runner.invoke(args=["users", "create", "--email", "cli.person.here@academy.example", "--name", "Cli"],
                           input="cli.person.here@academy.example\n")
    assert result.exit_code == 1
    assert "your email address or your name" in result.output


@pytest.mark.parametrize("name", ["Kim\u202eevil", "Kim\u2066x\u2069", "Kim\x07", "Kim\u200fJ"])
def test_names_with_control_or_direction_characters_are_refused(app, client, make_user, make_cohort, runner, name):
    response = post_form(client, "/register", {"name": name, "email": "bidi@academy.example",
                                               "password": "long enough passphrase",
                                               "confirm": "long enough passphrase"})
    assert response.status_code == 422
    assert "text-direction overrides" in response.get_data(as_text=True)
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer)
    response = post_form(signed_in(app, trainer), f"/trainer/cohorts/{cohort.id}/import",
                         {"file": (io.BytesIO(f"bidi@academy.example,{name}\n".encode()), "r.csv"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    result = runner.invoke(args=["users", "create", "--email", "bidi@academy.example", "--name", name],
                           input="long enough passphrase\n")
    assert result.exit_code == 1
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "bidi@academy.example")) is None
        assert db.session.scalar(select(func.count(Cohort.id))) == 1


def test_a_gift_file_that_is_not_utf8_is_one_line_and_exit_code_1(make_app, tmp_path):
    gift = tmp_path / "latin1.gift"
    gift.write_bytes("::q1:: Caf\u00e9? {=oui ~non}\n".encode("latin-1"))
    result = make_app(sync=False).test_cli_runner().invoke(
        args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert re.fullmatch(r"Error: .*not UTF-8.*\n", result.output)
