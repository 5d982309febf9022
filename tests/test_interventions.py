"""A trainer's interventions: a trainee's own due date, module exemptions and fresh quiz attempts."""

import re
import shutil
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from course.core.memberships import EFFECTIVE_DUE_ON, effective_due_on
from course.extensions import db
from course.models import AuditEvent, Cohort, CohortMember, MemberExemption, QuizAttempt, Role, User, utcnow
from tests.conftest import FIXTURE_CONTENT, attempt_answers, post_form, signed_in
from tests.test_certificates import certificates, complete_module

TODAY = utcnow().date()


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, name="Tess Trainer")


def record_url(cohort, user):
    return f"/trainer/cohorts/{cohort.id}/trainees/{user.id}"


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_extension_takes_a_late_trainee_off_the_overdue_list(app, make_user, trainer, make_cohort):
    late = make_user(name="Lee Late")
    cohort = make_cohort(trainer, [late], due_on=TODAY - timedelta(days=3))
    client = signed_in(app, trainer)
    assert "Lee Late" in client.get(f"/trainer/cohorts/{cohort.id}?filter=overdue").get_data(as_text=True)
    new_due = TODAY + timedelta(days=30)
    response = post_form(client, f"{record_url(cohort, late)}/due-date",
                         {"due-due_on": new_due.isoformat(), "due-reason": "On leave  for three weeks"},
                         form_url=record_url(cohort, late))
    assert response.status_code == 302
    client.get(response.headers["Location"])  # the flash names them
    assert "Lee Late" not in client.get(f"/trainer/cohorts/{cohort.id}?filter=overdue").get_data(as_text=True)
    assert "Lee Late" not in client.get(f"/trainer/cohorts/{cohort.id}?filter=due_soon").get_data(as_text=True)
    [event] = events(app, "member.due_date_changed")
    assert event.details["reason"] == "On leave for three weeks"
    assert event.details["new"] == new_due.isoformat()
    page = client.get(record_url(cohort, late)).get_data(as_text=True)
    assert "This is their own due date" in page
    dashboard = signed_in(app, late).get("/").get_data(as_text=True)
    assert "overdue" not in dashboard
    assert str(new_due.year) in dashboard


def test_the_effective_due_date_is_one_rule_in_python_and_in_sql(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee], due_on=date(2027, 3, 1))
    with app.app_context():
        member = db.session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id))
        row = db.session.get(Cohort, cohort.id)
        assert effective_due_on(member, row) == date(2027, 3, 1)
        member.due_on = date(2027, 4, 1)
        db.session.flush()
        assert effective_due_on(member, row) == date(2027, 4, 1)
        in_sql = db.session.scalar(select(EFFECTIVE_DUE_ON).join(Cohort, Cohort.id == CohortMember.cohort_id)
                                   .where(CohortMember.id == member.id))
        assert in_sql == date(2027, 4, 1)
        db.session.rollback()


def test_a_reason_is_required_and_a_bad_date_is_refused(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainer)
    url = f"{record_url(cohort, trainee)}/due-date"
    response = post_form(client, url, {"due-due_on": "2027-02-30", "due-reason": "   "},
                         form_url=record_url(cohort, trainee))
    assert response.status_code == 422
    assert "Say why." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CohortMember.due_on).where(CohortMember.cohort_id == cohort.id)) is None


def test_an_exempt_module_completes_the_cohort_but_never_the_certificate(app, make_user, trainer, make_cohort):
    trainee = make_user(name="Eve Exempt")
    cohort = make_cohort(trainer, [trainee], due_on=TODAY - timedelta(days=1))
    learner = signed_in(app, trainee)
    complete_module(learner, app, "basics", ["first", "second"])
    client = signed_in(app, trainer)
    response = post_form(client, f"{record_url(cohort, trainee)}/exemptions",
                         {"exempt-module": "practice", "exempt-reason": "Completed the equivalent course in 2026"},
                         form_url=record_url(cohort, trainee))
    assert response.status_code == 302
    assert "Eve Exempt is exempt" in client.get(response.headers["Location"]).get_data(as_text=True)
    completed = client.get(f"/trainer/cohorts/{cohort.id}?filter=completed").get_data(as_text=True)
    assert "Eve Exempt" in completed
    assert "Eve Exempt" not in client.get(f"/trainer/cohorts/{cohort.id}?filter=overdue").get_data(as_text=True)
    assert certificates(app) == []  # the certificate vouches for knowledge shown, not excused
    dashboard = learner.get("/").get_data(as_text=True)
    assert "you have completed the course" in dashboard
    assert "excused you from 1 module in this cohort; your certificate still needs it" in dashboard
    page = client.get(record_url(cohort, trainee)).get_data(as_text=True)
    assert "Completed the equivalent course in 2026" in page
    again = post_form(client, f"{record_url(cohort, trainee)}/exemptions",
                      {"exempt-module": "practice", "exempt-reason": "twice"}, form_url=record_url(cohort, trainee))
    assert again.status_code == 409
    withdrawn = post_form(client, f"{record_url(cohort, trainee)}/exemptions/practice/withdraw",
                          form_url=record_url(cohort, trainee))
    client.get(withdrawn.headers["Location"])
    assert "Eve Exempt" in client.get(f"/trainer/cohorts/{cohort.id}?filter=overdue").get_data(as_text=True)
    assert [e.details["module"] for e in events(app, "member.exempted")] == ["practice"]
    assert len(events(app, "member.exemption_withdrawn")) == 1


def test_an_exemption_names_a_module_of_the_course(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    response = post_form(signed_in(app, trainer), f"{record_url(cohort, trainee)}/exemptions",
                         {"exempt-module": "no-such-module", "exempt-reason": "x"},
                         form_url=record_url(cohort, trainee))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(MemberExemption)) is None


@pytest.mark.parametrize(("action", "data"), [
    ("due-date", {"due-due_on": "2030-01-01", "due-reason": "r"}),
    ("exemptions", {"exempt-module": "basics", "exempt-reason": "r"}),
    ("quiz-unlock", {"quiz-module": "basics", "quiz-reason": "r"}),
    ("exemptions/basics/withdraw", {}),
])
def test_only_the_trainee_s_own_trainers_and_admins_intervene(app, make_user, trainer, make_cohort, action, data):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    stranger = make_user(Role.TRAINER)
    outsider_client = signed_in(app, stranger)
    response = post_form(outsider_client, f"{record_url(cohort, trainee)}/{action}", data, form_url="/trainer/")
    assert response.status_code == 404
    trainee_client = signed_in(app, trainee)
    assert post_form(trainee_client, f"{record_url(cohort, trainee)}/{action}", data,
                     form_url="/").status_code == 403
    admin = signed_in(app, make_user(Role.ADMIN))
    assert post_form(admin, f"{record_url(cohort, trainee)}/{action}", data,
                     form_url=record_url(cohort, trainee)).status_code in (302, 422)


@pytest.fixture
def limited_app(app, make_app, tmp_path):
    """The fixture course with one attempt at the basics quiz (made after `app`, which it replaces)."""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, content)
    module = content / "01-basics" / "module.yaml"
    module.write_text(module.read_text().replace("  pass_mark: 80\n", "  pass_mark: 80\n  max_attempts: 1\n"))
    return make_app(content)


def fail_quiz(client, app):
    url = "/modules/basics/quiz"
    response = post_form(client, f"{url}/start", form_url=url)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    post_form(client, f"/attempts/{attempt_id}", {**attempt_answers(app, attempt_id, False), "action": "submit"},
              form_url=url)
    return post_form(client, f"{url}/start", form_url=url)


def test_a_locked_quiz_gets_a_fresh_set_of_attempts_with_a_reason(limited_app, make_user, trainer, make_cohort):
    app = limited_app
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    learner = signed_in(app, trainee)
    refused = fail_quiz(learner, app)
    assert "You have used all 1 attempts" in refused.get_data(as_text=True)
    client = signed_in(app, trainer)
    page = client.get(record_url(cohort, trainee)).get_data(as_text=True)
    assert "all 1 attempts used without passing" in page
    response = post_form(client, f"{record_url(cohort, trainee)}/quiz-unlock",
                         {"quiz-module": "basics", "quiz-reason": "Went through the lessons together"},
                         form_url=record_url(cohort, trainee))
    assert response.status_code == 302
    [event] = events(app, "quiz.unlocked")
    assert event.details == {"module": "basics", "reason": "Went through the lessons together"}
    assert "Went through the lessons together" in client.get(record_url(cohort, trainee)).get_data(as_text=True)
    url = "/modules/basics/quiz"
    started = post_form(learner, f"{url}/start", form_url=url)
    assert started.status_code == 302
    assert "/attempts/" in started.headers["Location"]
    with app.app_context():
        numbers = sorted(db.session.scalars(select(QuizAttempt.number).where(QuizAttempt.user_id == trainee.id)))
    assert numbers == [1, 2]
    assert "all 1 attempts used" not in client.get(record_url(cohort, trainee)).get_data(as_text=True)


def test_the_record_runs_the_same_queries_with_or_without_interventions(app, make_user, trainer, make_cohort,
                                                                         count_queries):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainer)
    client.get(record_url(cohort, trainee))
    with count_queries() as before:
        client.get(record_url(cohort, trainee))
    for slug in ("basics", "practice"):
        post_form(client, f"{record_url(cohort, trainee)}/exemptions", {"exempt-module": slug, "exempt-reason": "r"},
                  form_url=record_url(cohort, trainee))
    with count_queries() as after:
        client.get(record_url(cohort, trainee))
    assert len(after) == len(before)


def test_users_are_kept_when_a_membership_with_exemptions_goes(app, make_user, trainer, make_cohort):
    trainee = make_user()
    cohort = make_cohort(trainer, [trainee])
    post_form(signed_in(app, trainer), f"{record_url(cohort, trainee)}/exemptions",
              {"exempt-module": "basics", "exempt-reason": "r"}, form_url=record_url(cohort, trainee))
    post_form(signed_in(app, trainer), f"{record_url(cohort, trainee)}/remove", form_url=record_url(cohort, trainee))
    with app.app_context():
        assert db.session.scalar(select(MemberExemption)) is None
        assert db.session.get(User, trainee.id) is not None
