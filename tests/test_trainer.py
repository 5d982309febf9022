"""The trainer workspace as trainers use it, and the boundaries around it."""

import csv
import io
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.models import AuditEvent, CohortMember, LessonProgress, PasswordToken, QuizAttempt, Role, User
from course.readers import idle_readers
from tests.conftest import PASSWORD, post_form, signed_in
from tests.test_certificates import complete_module

TODAY = date.today()


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, name="Tae Trainer")


def audit_actions(app):
    with app.app_context():
        return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_trainer_creates_a_cohort(app, trainer):
    client = signed_in(app, trainer)
    response = post_form(client, "/trainer/cohorts/new", {"name": "  Spring   intake ", "description": "Recruits",
                                                          "starts_on": "2027-03-01", "due_on": "2027-04-30"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Spring intake" in page
    assert "due 2027-04-30" in page
    assert "Tae Trainer" in page
    assert "cohort.created" in audit_actions(app)


def test_cohort_form_errors_are_explained(app, trainer):
    client = signed_in(app, trainer)
    response = post_form(client, "/trainer/cohorts/new", {"name": "", "starts_on": "2027-03-01",
                                                          "due_on": "2027-02-01"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert "The due date cannot be before the start date." in html


@pytest.mark.parametrize("url", ["/trainer", "/trainer/cohorts/new", "/admin/items"])
def test_trainees_cannot_open_trainer_pages(app, make_user, url):
    client = signed_in(app, make_user(Role.TRAINEE))
    assert client.get(url).status_code == 403


def test_trainers_see_only_their_own_cohorts(app, make_user, trainer, make_cohort):
    trainee = make_user(Role.TRAINEE)
    other_trainer = make_user(Role.TRAINER, name="Other Trainer")
    theirs = make_cohort(other_trainer, [trainee], name="Not yours")
    client = signed_in(app, trainer)
    assert "Not yours" not in client.get("/trainer").get_data(as_text=True)
    for url in (f"/trainer/cohorts/{theirs.id}", f"/trainer/cohorts/{theirs.id}/trainees/{trainee.id}",
                f"/trainer/cohorts/{theirs.id}/export/progress.csv",
                f"/trainer/cohorts/{theirs.id}/export/attempts.csv",
                f"/trainer/cohorts/{theirs.id}/export/items.csv", f"/trainer/cohorts/{theirs.id}/items",
                f"/trainer/cohorts/{theirs.id}/invite", f"/trainer/cohorts/{theirs.id}/import",
                f"/trainer/cohorts/{theirs.id}/edit"):
        assert client.get(url).status_code == 404, url
    assert post_form(client, f"/trainer/cohorts/{theirs.id}/trainees/{trainee.id}/remove",
                     form_url="/trainer").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_admins_see_every_cohort(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer, name="Trainer's cohort")
    client = signed_in(app, make_user(Role.ADMIN))
    assert "Trainer&#39;s cohort" in client.get("/trainer").get_data(as_text=True)
    assert client.get(f"/trainer/cohorts/{cohort.id}").status_code == 200


def test_a_co_trainer_can_be_added_by_email(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer)
    colleague = make_user(Role.TRAINER, email="colleague@academy.example", name="Co Trainer")
    trainee = make_user(Role.TRAINEE, email="t@academy.example")
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}"
    post_form(client, f"{url}/trainers", {"email": "t@academy.example"}, form_url=url)
    assert "no trainer account with that email" in client.get(url).get_data(as_text=True)
    post_form(client, f"{url}/trainers", {"email": "Colleague@academy.example"}, form_url=url)
    assert signed_in(app, colleague).get(url).status_code == 200
    assert trainee  # the trainee was not made a trainer
    assert signed_in(app, trainee).get(url).status_code == 403


def join_code(app, cohort_id):
    from course.models import Cohort

    with app.app_context():
        return db.session.get(Cohort, cohort_id).invite_code


def test_trainees_join_by_invite_link_once(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer)
    trainee = make_user()
    client = signed_in(app, trainee)
    url = f"/join/{join_code(app, cohort.id)}"
    assert "Join Spring intake" in client.get(url).get_data(as_text=True)
    assert post_form(client, url).status_code == 302
    assert "You are already in Spring intake" in client.get(
        post_form(client, url).headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 1


def test_an_unknown_invite_code_is_a_clear_404(app, make_user):
    response = signed_in(app, make_user()).get("/join/not-a-code")
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.get_data(as_text=True)


def test_invites_respect_expiry_member_limit_and_regeneration(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer, [make_user()])
    client = signed_in(app, trainer)
    invite = f"/trainer/cohorts/{cohort.id}/invite"
    post_form(client, invite, {"member_limit": "1"})
    full = post_form(signed_in(app, make_user()), f"/join/{join_code(app, cohort.id)}")
    assert full.status_code == 409
    assert "This cohort is full" in full.get_data(as_text=True)
    post_form(client, invite, {"expires_on": (TODAY - timedelta(days=1)).isoformat(), "member_limit": ""})
    expired = post_form(signed_in(app, make_user()), f"/join/{join_code(app, cohort.id)}")
    assert expired.status_code == 409
    assert "has expired" in expired.get_data(as_text=True)
    old = join_code(app, cohort.id)
    post_form(client, invite, {"expires_on": "", "member_limit": "", "regenerate": "1"})
    assert join_code(app, cohort.id) != old
    assert signed_in(app, make_user()).get(f"/join/{old}").status_code == 404


def upload(client, cohort_id, text, output="page", encoding="utf-8"):
    url = f"/trainer/cohorts/{cohort_id}/import"
    data = {"file": (io.BytesIO(text.encode(encoding)), "roster.csv"), "output": output}
    return post_form(client, url, data, content_type="multipart/form-data")


def test_csv_import_invites_existing_accounts_and_creates_new_ones(app, make_user, trainer, make_cohort):
    existing = make_user(email="kim@academy.example", name="Kim Existing")
    cohort = make_cohort(trainer)
    roster = ("email,name,badge_number\nkim@academy.example,Kim Existing,\n"
              "NEW.ONE@academy.example,\"O'Neill, Pat\",B-17\nji@academy.example,박지민,\n")
    response = upload(signed_in(app, trainer), cohort.id, roster)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported 3 rows: 2 new accounts, 1 existing accounts invited" in html
    with app.app_context():
        assert existing.id not in set(db.session.scalars(select(CohortMember.user_id)))
    # The existing account joins only when its owner accepts the invitation on their dashboard.
    kim = signed_in(app, existing)
    dashboard = kim.get("/").get_data(as_text=True)
    assert "You are invited to join Spring intake" in dashboard
    action = re.search(r'action="(/invitations/\d+)"', dashboard).group(1)
    assert post_form(kim, action, {"answer": "accept"}, form_url="/").status_code == 302
    links = re.findall(r"http://localhost/set-password/[\w-]+", html)
    assert len(links) == 2
    with app.app_context():
        new = db.session.scalar(select(User).where(User.email == "new.one@academy.example"))
        assert new.name == "O'Neill, Pat"
        assert new.badge_number == "B-17"
        assert not new.has_password
        assert db.session.scalar(select(func.count(CohortMember.id))) == 3
        assert existing.id in set(db.session.scalars(select(CohortMember.user_id)))
    assert "cohort.bulk_import" in audit_actions(app)
    # The new trainee sets a password through the one-time link, and is signed in.
    client = app.test_client()
    link = links[0].removeprefix("http://localhost")
    response = post_form(client, link, {"password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Your password is set" in client.get("/").get_data(as_text=True)
    assert app.test_client().get(link).status_code == 404  # used once, never again


def test_bad_rows_are_reported_by_number_and_nothing_is_imported(app, trainer, make_cohort):
    cohort = make_cohort(trainer)
    roster = "a@academy.example,Alpha\nnot-an-email,Beta\nc@academy.example,\na@academy.example,Again\n"
    response = upload(signed_in(app, trainer), cohort.id, roster)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "3 rows need fixing. Nothing was imported." in html
    assert "Row 2: Email:" in html
    assert "Row 3: Name is missing." in html
    assert "Row 4: The same email is on row 1." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1  # only the trainer
        assert db.session.scalar(select(func.count(CohortMember.id))) == 0


@pytest.mark.parametrize(("payload", "message"), [
    (b"\xff\xfe\x00bad", "not UTF-8"),
    (b"", "no rows to import"),
])
def test_unreadable_files_are_refused(app, trainer, make_cohort, payload, message):
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}/import"
    response = post_form(client, url, {"file": (io.BytesIO(payload), "roster.csv"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_only_csv_files_are_accepted(app, trainer, make_cohort):
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}/import"
    response = post_form(client, url, {"file": (io.BytesIO(b"x"), "roster.exe"), "output": "page"},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Upload a .csv file." in response.get_data(as_text=True)


def test_a_5000_row_file_imports_within_one_request(app, trainer, make_cohort):
    cohort = make_cohort(trainer)
    roster = "".join(f"trainee{n}@academy.example,Trainee {n},B{n}\n" for n in range(5000))
    response = upload(signed_in(app, trainer), cohort.id, roster, output="csv")
    assert response.status_code == 200
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 5001
    assert lines[1].startswith("1,trainee0@academy.example,Trainee 0,B0,created,")
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 5000
        assert db.session.scalar(select(func.count(PasswordToken.id))) == 5000


def test_the_matrix_shows_status_filters_and_totals(app, make_user, trainer, make_cohort):
    done = make_user(name="Dana Done")
    started = make_user(name="Sam Started")
    idle = make_user(name="Ira Idle")
    cohort = make_cohort(trainer, [done, started, idle], due_on=TODAY - timedelta(days=1))
    client = signed_in(app, done)
    complete_module(client, app, "basics", ["first", "second"])
    complete_module(client, app, "practice", ["only"])
    client = signed_in(app, started)
    url = "/modules/basics/quiz"
    response = post_form(client, f"{url}/start", form_url=url)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    from tests.conftest import attempt_answers
    post_form(client, f"/attempts/{attempt_id}", {**attempt_answers(app, attempt_id, False), "action": "submit"},
              form_url=url)
    trainer_client = signed_in(app, trainer)
    page = trainer_client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Passed, 100%" in page
    assert "1 failed attempt" in page
    overdue = trainer_client.get(f"/trainer/cohorts/{cohort.id}?filter=overdue").get_data(as_text=True)
    assert "Sam Started" in overdue
    assert "Ira Idle" in overdue
    assert "Dana Done" not in overdue
    failed = trainer_client.get(f"/trainer/cohorts/{cohort.id}?filter=failed").get_data(as_text=True)
    assert "Sam Started" in failed
    assert "Ira Idle" not in failed
    idle_only = trainer_client.get(f"/trainer/cohorts/{cohort.id}?filter=not_started").get_data(as_text=True)
    assert "Ira Idle" in idle_only
    assert "Sam Started" not in idle_only
    by_progress = trainer_client.get(f"/trainer/cohorts/{cohort.id}?sort=-progress").get_data(as_text=True)
    assert by_progress.index("Dana Done") < min(by_progress.index("Sam Started"), by_progress.index("Ira Idle"))
    assert "1 / 1 / 1" in page  # basics: completed / in progress / not started


def test_due_soon_is_within_fourteen_days(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer, [make_user(name="Soon Sue")], due_on=TODAY + timedelta(days=10))
    page = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}?filter=due_soon").get_data(as_text=True)
    assert "Soon Sue" in page


def test_the_drill_down_shows_everything_and_is_audited(app, make_user, trainer, make_cohort):
    trainee = make_user(name="Drill Down")
    cohort = make_cohort(trainer, [trainee])
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    page = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}").get_data(as_text=True)
    assert "Drill Down" in page
    assert "Every quiz attempt" in page
    assert "100%" in page
    assert "Mastery per objective" in page
    assert "Identify the first thing." in page
    assert "trainee.record_viewed" in audit_actions(app)


def test_a_trainee_outside_the_cohort_has_no_drill_down(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer)
    stranger = make_user()
    assert signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/trainees/{stranger.id}").status_code == 404


def test_removing_a_trainee_keeps_their_records(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}/remove"
    assert post_form(client, url, form_url="/trainer").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 0
        assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1
        assert db.session.scalar(select(func.count(LessonProgress.id))) == 2
    assert "cohort.member_removed" in audit_actions(app)


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_progress_export_is_safe_for_spreadsheets(app, make_user, trainer, make_cohort):
    names = ["=HYPERLINK(\"http://evil\")", "Kim, \"the\" Trainee", "박지민", "-2+3", "@SUM(A1)"]
    members = [make_user(name=name) for name in names]
    cohort = make_cohort(trainer, members)
    response = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/export/progress.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response)
    exported = {row[0] for row in rows[1:]}
    assert exported == {"'=HYPERLINK(\"http://evil\")", "Kim, \"the\" Trainee", "박지민", "'-2+3", "'@SUM(A1)"}
    assert rows[0][:3] == ["name", "email", "badge_number"]
    assert "export.progress" in audit_actions(app)


def test_attempts_export_lists_every_attempt(app, make_user, trainer, make_cohort):
    trainee, korean = make_user(name="Ana Attempts"), make_user(name="Kim Attempts")
    cohort = make_cohort(trainer, [trainee, korean])
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    in_korean = signed_in(app, korean)
    in_korean.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ko"  # takes the quiz in Korean
    complete_module(in_korean, app, "basics", ["first", "second"])
    rows = read_csv(signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/export/attempts.csv"))
    assert rows[0][:4] == ["name", "email", "module", "attempt"]
    assert rows[1][0] == "Ana Attempts"
    assert rows[1][2] == "Basics"
    assert rows[1][7] == "100.0"
    assert rows[0][10] == "language"
    assert rows[1][10] == "en"
    assert [row[10] for row in rows if row[0] == "Kim Attempts"] == ["ko"]


def test_item_analysis_shows_numbers_or_a_too_few_note(app, make_user, trainer, make_cohort):
    members = [make_user() for _ in range(2)]
    cohort = make_cohort(trainer, members)
    for member in members:
        complete_module(signed_in(app, member), app, "basics", ["first", "second"])
    client = signed_in(app, trainer)
    page = client.get(f"/trainer/cohorts/{cohort.id}/items?module=basics").get_data(as_text=True)
    assert "Item analysis: Basics" in page
    assert "2</span> <span class=\"stat-label\">graded attempts" in page
    assert "Too few responses to judge this question yet" in page
    rows = read_csv(client.get(f"/trainer/cohorts/{cohort.id}/export/items.csv?module=basics"))
    assert rows[0][:4] == ["question_id", "prompt", "responses", "facility_percent"]
    assert all(row[9] == "true" for row in rows[1:])  # too few responses, so no bare numbers to trust


def test_admins_can_analyse_every_trainees_answers(app, make_user):
    complete_module(signed_in(app, make_user()), app, "basics", ["first", "second"])
    page = signed_in(app, make_user(Role.ADMIN)).get("/admin/items?module=basics").get_data(as_text=True)
    assert "as answered by every trainee" in page
    assert "1</span> <span class=\"stat-label\">graded attempts" in page


def test_a_streamed_export_releases_its_database_connection(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    response = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/export/attempts.csv")
    response.get_data()
    with app.app_context():
        pool = db.engine.pool
        # Only the idle reader connection a read-only request borrowed and gave back (course/readers.py) is out.
        assert pool.checkedout() == len(idle_readers(db.engine)) <= 1, pool.status()


def test_new_trainees_are_emailed_their_link_when_smtp_is_configured(make_app, make_user, make_cohort, monkeypatch):
    from course.core import mail
    from tests.test_security_auth import FakeSMTP

    FakeSMTP.sent = []
    monkeypatch.setattr(mail, "SMTP", FakeSMTP)
    app = make_app(MAIL_SERVER="smtp.example", PUBLIC_BASE_URL="https://dignity.example")
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer, name="Mail cohort")
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}/import"
    assert "Email each new trainee" in client.get(url).get_data(as_text=True)
    roster = "new@academy.example,Nora New\n"
    response = post_form(client, url, {"file": (io.BytesIO(roster.encode()), "r.csv"), "output": "page",
                                       "send_email": "y"}, content_type="multipart/form-data")
    assert "the set-password link was emailed" in response.get_data(as_text=True)
    [message] = FakeSMTP.sent
    assert message["To"] == "new@academy.example"
    assert "Mail cohort" in message.get_content()
    assert re.search(r"https://dignity\.example/set-password/[\w-]+", message.get_content())
