"""Care for trainees: "this material affects me" pauses a module and tells only the trainee's own trainers, without a
reason; the trainee can resume, which withdraws the request; all of it audited."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, ModulePause, Role
from tests.conftest import post_form, signed_in

MODULE = "/modules/basics"
ASKED = "Asked for a pause or an alternative arrangement"


def pause(client):
    return post_form(client, f"{MODULE}/pause", form_url=f"{MODULE}/pause")


def test_a_trainee_pauses_a_module_without_giving_a_reason_and_resumes_it(app, client, trainee):
    form = client.get(f"{MODULE}/pause").get_data(as_text=True)
    assert "<textarea" not in form
    assert 'type="text"' not in form  # nowhere to write a reason
    assert "Your academy has not set this yet" in form  # the support contact, or the notice
    response = pause(client)
    assert response.status_code == 302
    assert pause(client).status_code == 302  # a double click changes nothing
    page = client.get(MODULE).get_data(as_text=True)
    assert "You paused this module" in page
    assert "Resume the module and withdraw my request" in page
    assert ">Paused</span>" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ModulePause)).all()[0].module_slug == "basics"
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.target_type == "module")).all()
        assert actions == ["module.paused"]
    response = post_form(client, f"{MODULE}/resume", form_url=MODULE)
    assert response.status_code == 302
    assert "You paused this module" not in client.get(MODULE).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(ModulePause)).all() == []
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "module.resumed")) is not None


def test_only_the_trainees_own_trainers_see_the_request_and_never_a_reason(app, make_user, make_cohort):
    trainee, other = make_user(Role.TRAINEE), make_user(Role.TRAINEE)
    trainer, stranger = make_user(Role.TRAINER), make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [trainee, other])
    strangers_cohort = make_cohort(stranger, [other], name="Other intake")
    assert pause(signed_in(app, trainee)).status_code == 302
    record = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}"
    page = signed_in(app, trainer).get(record).get_data(as_text=True)
    assert ASKED in page
    assert "asked for a pause or an alternative arrangement on" in page
    assert ASKED not in signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/trainees/{other.id}").get_data(
        as_text=True)
    as_stranger = signed_in(app, stranger)
    assert as_stranger.get(record).status_code in (403, 404)
    assert as_stranger.get(f"/trainer/cohorts/{strangers_cohort.id}/trainees/{trainee.id}").status_code == 404


def test_a_paused_trainee_is_not_shown_as_overdue_on_their_dashboard(app, make_user, make_cohort):
    trainee, trainer = make_user(Role.TRAINEE), make_user(Role.TRAINER)
    make_cohort(trainer, [trainee], due_on=date(2026, 1, 10))
    client = signed_in(app, trainee)
    assert "overdue since" in client.get("/").get_data(as_text=True)
    pause(client)
    dashboard = client.get("/").get_data(as_text=True)
    assert "overdue since" not in dashboard
    assert "You asked your trainer for a pause or an alternative arrangement." in dashboard


def test_pausing_needs_csrf_a_real_module_and_an_account(app, client, trainee):
    assert client.post(f"{MODULE}/pause").status_code == 400
    assert post_form(client, "/modules/no-such-module/pause", form_url=f"{MODULE}/pause").status_code == 404
    assert post_form(client, f"{MODULE}/resume", form_url=MODULE).status_code == 302  # nothing to resume: no-op
    assert app.test_client().get(f"{MODULE}/pause").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(ModulePause)).all() == []
        assert db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "module")).all() == []


def test_lessons_and_content_notes_link_to_the_pause(app, client, trainee):
    lesson = client.get("/modules/basics/lessons/first").get_data(as_text=True)
    assert f'href="{MODULE}/pause"' in lesson
