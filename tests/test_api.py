"""The JSON API's boundaries and writes: who may see and change what, with the web pages' rules and audit."""

from __future__ import annotations

import json
import threading
from datetime import date

from flask import request
from flask_limiter import Limiter
from sqlalchemy import func, select

from course.extensions import db
from course.models import ApiToken, AuditEvent, Cohort, CohortInvitation, CohortMember, Role, User
from tests.api_fixtures import bearer, writing
from tests.conftest import post_form, signed_in
from tests.test_certificates import complete_course, complete_module

PROBLEM = "application/problem+json"


def new_trainee(cohort_id: int, email: str = "new.recruit@police.example", **extra) -> dict:
    return {"cohort_id": cohort_id, "email": email, "name": "New Recruit", "badge_number": "SMP-1001", **extra}


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_read_token_cannot_write(client, app, make_user, make_cohort, make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    token = make_token("read")
    response = client.post("/api/v1/trainees", json=new_trainee(cohort.id), headers=writing(token))
    assert response.status_code == 403
    assert response.content_type == PROBLEM
    assert response.json["status"] == 403
    assert count(app, User, User.email == "new.recruit@police.example") == 0
    response = client.delete(f"/api/v1/cohorts/{cohort.id}/members/1", headers=writing(token))
    assert response.status_code == 403


def test_a_cohort_token_sees_only_its_cohort_and_its_trainees(client, app, make_user, make_cohort, make_token):
    trainer = make_user(Role.TRAINER)
    ours, theirs = make_user(), make_user()
    mine, other = make_cohort(trainer, [ours], name="Ours"), make_cohort(trainer, [theirs], name="Theirs")
    complete_module(signed_in(app, theirs), app, "basics", ["first", "second"])
    token = make_token("write", cohort=mine)
    h = bearer(token)
    assert [c["id"] for c in client.get("/api/v1/cohorts", headers=h).json["data"]] == [mine.id]
    assert [t["id"] for t in client.get("/api/v1/trainees", headers=h).json["data"]] == [ours.id]
    assert [p["trainee_id"] for p in client.get("/api/v1/progress", headers=h).json["data"]] == [ours.id]
    assert client.get("/api/v1/attempts", headers=h).json["data"] == []
    assert client.get(f"/api/v1/trainees/{theirs.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/cohorts/{other.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/cohorts/{other.id}/members", headers=h).status_code == 404
    assert client.delete(f"/api/v1/cohorts/{other.id}/members/{theirs.id}", headers=writing(token)).status_code == 404
    refused = client.post("/api/v1/trainees", json=new_trainee(other.id), headers=writing(token))
    assert refused.status_code == 422
    assert refused.json["errors"][0]["field"] == "cohort_id"
    assert count(app, CohortMember, CohortMember.cohort_id == other.id) == 1
    # An unlimited token sees both cohorts and the other trainee's attempt.
    everything = bearer(make_token("read"))
    assert len(client.get("/api/v1/cohorts", headers=everything).json["data"]) == 2
    assert [a["trainee_id"] for a in client.get("/api/v1/attempts", headers=everything).json["data"]] == [theirs.id]


def test_a_revoked_token_is_refused_at_once(client, app, make_token, runner):
    token = make_token("read")
    assert client.get("/api/v1/trainees", headers=bearer(token)).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    result = runner.invoke(args=["api-tokens", "revoke", str(token_id)])
    assert result.exit_code == 0, result.output
    response = client.get("/api/v1/trainees", headers=bearer(token))
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/trainees", headers=bearer(token[:-1] + "x")).status_code == 401


def test_a_signed_in_session_never_authorises_the_api(app, make_user, make_token):
    admin = make_user(Role.ADMIN)
    browser = signed_in(app, admin)
    response = browser.get("/api/v1/trainees")
    assert response.status_code == 401
    assert response.content_type == PROBLEM
    assert "Set-Cookie" not in response.headers
    cohort_id = browser.post("/api/v1/trainees", json=new_trainee(1), headers={"Idempotency-Key": "k1"})
    assert cohort_id.status_code == 401
    assert browser.get("/admin/").status_code == 200  # the cookie still works where it belongs


def test_attempt_payloads_never_carry_questions_answers_or_keys(client, app, make_user, make_token):
    trainee = make_user()
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    h = bearer(make_token("read"))
    [attempt] = client.get("/api/v1/attempts", headers=h).json["data"]
    assert set(attempt) == {"id", "trainee_id", "module_slug", "purpose", "number", "status", "started_at",
                            "submitted_at", "late", "score", "passed", "pass_mark", "language", "updated_at"}
    assert attempt["language"] == "en"
    assert attempt["score"] == 100.0
    assert attempt["passed"] is True
    bodies = "".join(client.get(f"/api/v1/{path}", headers=h).get_data(as_text=True)
                     for path in ("attempts", "progress", "certificates", "course", "trainees"))
    for secret in ("Alpha", "Beta answer", "correct", "choices", "feedback", "response", "choice_order"):
        assert secret not in bodies


def test_creating_a_trainee_uses_the_import_rules_and_is_audited(client, app, make_user, make_cohort, make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    token = make_token("write")
    response = client.post("/api/v1/trainees", json=new_trainee(cohort.id, email=" New.Recruit@Police.example "),
                           headers=writing(token))
    assert response.status_code == 201, response.json
    assert response.json["outcome"] == "created"
    trainee = response.json["trainee"]
    assert (trainee["email"], trainee["badge_number"]) == ("new.recruit@police.example", "SMP-1001")
    with app.app_context():
        member = db.session.scalar(select(CohortMember).where(CohortMember.user_id == trainee["id"]))
        assert member.cohort_id == cohort.id
        assert member.created_account
        actions = {e.action: e for e in db.session.scalars(select(AuditEvent))}
        assert str(actions["cohort.bulk_import"].details["api_token_id"]) == actions["api.request"].target_id
    again = client.post("/api/v1/trainees", json=new_trainee(cohort.id), headers=writing(token))
    assert again.status_code == 409
    assert again.json["errors"][0]["field"] == "email"


def test_bad_input_is_a_problem_with_field_detail_and_writes_nothing(client, app, make_user, make_cohort,
                                                                      make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    token = make_token("write")
    bad_email = client.post("/api/v1/trainees", json=new_trainee(cohort.id, email="not-an-email"),
                            headers=writing(token))
    assert bad_email.status_code == 422
    assert bad_email.content_type == PROBLEM
    assert bad_email.json["errors"][0]["field"] == "email"
    unknown = client.post("/api/v1/trainees", json={**new_trainee(cohort.id), "role": "admin"}, headers=writing(token))
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "role"
    control = client.post("/api/v1/trainees", json=new_trainee(cohort.id, name="Kim\u202eevil"), headers=writing(token))
    assert control.status_code == 422
    assert control.json["errors"][0]["field"] == "name"
    not_json = client.post("/api/v1/trainees", data="email=x", headers=writing(token))
    assert not_json.status_code == 415
    no_key = client.post("/api/v1/trainees", json=new_trainee(cohort.id), headers=bearer(token))
    assert no_key.status_code == 400
    assert no_key.json["errors"][0]["field"] == "header.Idempotency-Key"
    assert count(app, User, User.role == Role.TRAINEE.value) == 0


def test_enrolling_an_existing_trainee_invites_them_and_staff_are_refused(client, app, make_user, make_cohort,
                                                                            make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    existing, trainer = make_user(), make_user(Role.TRAINER)
    token = make_token("write", cohort=cohort)
    url = f"/api/v1/cohorts/{cohort.id}/members"
    invited = client.post(url, json={"email": existing.email, "name": "Anyone"}, headers=writing(token))
    assert invited.status_code == 202
    assert invited.json == {
        "outcome": "invited", "trainee": None, "message": invited.json["message"]}
    assert count(app, CohortInvitation, CohortInvitation.user_id == existing.id) == 1
    assert count(app, CohortMember, CohortMember.user_id == existing.id) == 0  # naming an email reveals nothing
    staff = client.post(url, json={"email": trainer.email, "name": "Trainer"}, headers=writing(token))
    assert staff.status_code == 409


def test_removing_a_member_keeps_their_records_and_moves_the_cohort(client, app, make_user, make_cohort,
                                                                    make_token):
    trainee = make_user()
    cohort = make_cohort(make_user(Role.TRAINER), [trainee])
    complete_course(signed_in(app, trainee), app)
    token = make_token("write")
    before = client.get(f"/api/v1/cohorts/{cohort.id}", headers=bearer(token)).json
    url = f"/api/v1/cohorts/{cohort.id}/members/{trainee.id}"
    assert client.delete(url, headers=writing(token, "remove-1")).status_code == 204
    assert client.delete(url, headers=writing(token, "remove-2")).status_code == 404
    after = client.get(f"/api/v1/cohorts/{cohort.id}", headers=bearer(token)).json
    assert after["member_count"] == 0
    assert after["updated_at"] > before["updated_at"]
    assert len(client.get("/api/v1/certificates", headers=bearer(token)).json["data"]) == 1


def test_due_dates_follow_the_cohort_form_rule_and_are_audited(client, app, make_user, make_cohort, make_token):
    cohort = make_cohort(make_user(Role.TRAINER), starts_on=date(2027, 3, 1))
    token = make_token("write")
    url = f"/api/v1/cohorts/{cohort.id}"
    early = client.patch(url, json={"due_on": "2027-02-01"}, headers=writing(token))
    assert early.status_code == 422
    assert early.json["errors"] == [
        {"field": "due_on", "message": "The due date cannot be before the start date."}]
    assert client.patch(url, json={"due_on": "someday"}, headers=writing(token)).status_code == 422
    ok = client.patch(url, json={"due_on": "2027-06-30"}, headers=writing(token))
    assert ok.status_code == 200
    assert ok.json["due_on"] == "2027-06-30"
    with app.app_context():
        assert db.session.get(Cohort, cohort.id).due_on == date(2027, 6, 30)
        [edited] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "cohort.edited"))
        assert edited.actor_id is None
        assert edited.details["fields"] == ["due_on"]
        assert edited.details["api_token_id"]
    cleared = client.patch(url, json={"due_on": None}, headers=writing(token))
    assert cleared.status_code == 200
    assert cleared.json["due_on"] is None


def test_a_retried_write_is_answered_once(client, app, make_user, make_cohort, make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    token = make_token("write")
    first = client.post("/api/v1/trainees", json=new_trainee(cohort.id), headers=writing(token, "hr-42"))
    retry = client.post("/api/v1/trainees", data=json.dumps(new_trainee(cohort.id), indent=2),
                        content_type="application/json", headers=writing(token, "hr-42"))
    assert (retry.status_code, retry.json) == (first.status_code, first.json)
    assert retry.headers["Idempotent-Replayed"] == "true"
    changed = client.post("/api/v1/trainees", json=new_trainee(cohort.id, email="other@police.example"),
                          headers=writing(token, "hr-42"))
    assert changed.status_code == 422
    assert changed.json["errors"][0]["field"] == "header.Idempotency-Key"
    assert count(app, User, User.role == Role.TRAINEE.value) == 1
    # Another token's key space is its own.
    other = client.post("/api/v1/trainees", json=new_trainee(cohort.id, email="third@police.example"),
                        headers=writing(make_token("write"), "hr-42"))
    assert other.status_code == 201


def test_concurrent_duplicates_write_once(app, make_user, make_cohort, make_token):
    cohort = make_cohort(make_user(Role.TRAINER))
    token = make_token("write")
    barrier, answers = threading.Barrier(3), []

    def send():
        client = app.test_client()
        barrier.wait()
        answers.append(client.post("/api/v1/trainees", json=new_trainee(cohort.id), headers=writing(token, "same")))

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(a.status_code for a in answers) == [201, 201, 201]
    assert len({json.dumps(a.json, sort_keys=True) for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 2
    assert count(app, User, User.role == Role.TRAINEE.value) == 1


def test_each_token_has_its_own_rate_limit(make_app, make_token):
    app = make_app(API_RATE_LIMIT="3/minute")
    client = app.test_client()
    with app.app_context():
        from course.core.api_tokens import create_token
        busy, _ = create_token(db.session, None, name="busy", scope="read")
        calm, _ = create_token(db.session, None, name="calm", scope="read")
        db.session.commit()
    assert [client.get("/api/v1/course", headers=bearer(busy)).status_code for _ in range(4)] == [200, 200, 200, 429]
    limited = client.get("/api/v1/course", headers=bearer(busy))
    assert limited.content_type == PROBLEM
    assert limited.json["status"] == 429
    assert client.get("/api/v1/course", headers=bearer(calm)).status_code == 200


def test_only_api_requests_run_the_blueprint_rate_limit_check(make_app, make_user, monkeypatch):
    """Flask-Limiter's before-request check (blueprint limits) runs for the API only; views' own limits still hold."""
    seen = []
    check = Limiter._check_request_limit

    def spy(self, callable_name=None, in_middleware=True):
        seen.append((request.path, in_middleware))
        return check(self, callable_name=callable_name, in_middleware=in_middleware)

    monkeypatch.setattr(Limiter, "_check_request_limit", spy)
    app = make_app(API_RATE_LIMIT="2/minute", AUTH_RATE_LIMIT="2/minute")
    client = app.test_client()
    with app.app_context():
        from course.core.api_tokens import create_token
        token, _ = create_token(db.session, None, name="spy", scope="read")
        db.session.commit()
    user = make_user()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert [post_form(client, "/login", {"email": user.email, "password": "wrong"}).status_code
            for _ in range(3)] == [422, 422, 429]  # the sign-in form's own limit, checked by its decorator
    assert [client.get("/api/v1/course", headers=bearer(token)).status_code for _ in range(3)] == [200, 200, 429]
    assert [path for path, in_middleware in seen if in_middleware] == ["/api/v1/course"] * 3


def test_with_rate_limits_switched_off_the_app_serves_and_limits_nothing(make_app):
    app = make_app(RATELIMIT_ENABLED=False, API_RATE_LIMIT="1/minute")
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert [client.get("/api/v1/openapi.json").status_code for _ in range(3)] == [200, 200, 200]


def test_every_use_is_audited_with_the_token_and_its_last_use(client, app, make_token):
    token = make_token("read")
    client.get("/api/v1/trainees?limit=5", headers=bearer(token))
    client.get("/api/v1/course", headers=bearer(token))
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "api.request")
                                    .order_by(AuditEvent.id)).all()
        assert row.last_used_at is not None
        assert [(e.target_id, e.details["path"], e.details["status"]) for e in events] == [
            (str(row.id), "/api/v1/trainees", 200), (str(row.id), "/api/v1/course", 200)]


def test_tokens_are_shown_once_and_stored_hashed(app, runner, make_user, make_cohort):
    cohort = make_cohort(make_user(Role.TRAINER))
    result = runner.invoke(args=["api-tokens", "create", "--name", "HR system", "--scope", "write",
                                 "--cohort", str(cohort.id)])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert token.startswith("dgn_")
    assert len(token) > 40
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert (row.scope, row.cohort_id, row.name) == ("write", cohort.id, "HR system")
        assert token not in (row.token_hash, row.prefix)
        assert token.startswith(row.prefix)
    listing = runner.invoke(args=["api-tokens", "list"])
    assert "HR system" in listing.output
    assert token not in listing.output
    assert runner.invoke(args=["api-tokens", "create", "--name", "x", "--scope", "admin"]).exit_code != 0
    missing = runner.invoke(args=["api-tokens", "create", "--name", "x", "--scope", "read", "--cohort", "999"])
    assert missing.exit_code != 0
    assert "There is no cohort 999" in missing.output
    assert runner.invoke(args=["api-tokens", "revoke", "999"]).exit_code != 0


def test_admins_list_and_revoke_tokens_on_a_page(app, make_user, make_token):
    token = make_token("read", name="Personnel records")
    trainer_page = signed_in(app, make_user(Role.TRAINER)).get("/admin/api-tokens/")
    assert trainer_page.status_code == 403
    admin = signed_in(app, make_user(Role.ADMIN))
    page = admin.get("/admin/api-tokens/").get_data(as_text=True)
    assert "Personnel records" in page
    assert token[:12] in page
    assert token not in page
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id))
    response = post_form(admin, f"/admin/api-tokens/{token_id}/revoke", form_url="/admin/api-tokens/")
    assert response.status_code == 302
    assert app.test_client().get("/api/v1/course", headers=bearer(token)).status_code == 401
    assert admin.post(f"/admin/api-tokens/{token_id}/revoke").status_code == 400  # no CSRF token: refused


def test_a_trainee_gets_their_own_due_date_with_a_reason_as_on_their_record(client, app, make_user, make_cohort,
                                                                             make_token):
    trainee = make_user()
    cohort = make_cohort(make_user(Role.TRAINER), [trainee], starts_on=date(2027, 3, 1), due_on=date(2027, 6, 30))
    other = make_cohort(make_user(Role.TRAINER), [trainee])
    token = make_token("write", cohort=cohort)
    url = f"/api/v1/cohorts/{cohort.id}/members/{trainee.id}/due-date"
    assert client.put(url, json={"due_on": "2027-07-31"}, headers=writing(token)).status_code == 422  # no reason
    early = client.put(url, json={"due_on": "2027-02-01", "reason": "x"}, headers=writing(token))
    assert early.status_code == 422
    assert early.json["errors"] == [{"field": "due_on", "message": "The due date cannot be before the start date."}]
    ok = client.put(url, json={"due_on": "2027-07-31", "reason": "Sick leave in June"}, headers=writing(token))
    assert ok.status_code == 200
    assert ok.json == {"cohort_id": cohort.id, "trainee_id": trainee.id, "due_on": "2027-07-31",
                       "effective_due_on": "2027-07-31"}
    with app.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "member.due_date_changed"))
        assert (event.details["new"], event.details["reason"]) == ("2027-07-31", "Sick leave in June")
        assert event.details["api_token_id"]
    back = client.put(url, json={"due_on": None, "reason": "Back on the cohort's date"}, headers=writing(token))
    assert back.json["effective_due_on"] == "2027-06-30"
    elsewhere = f"/api/v1/cohorts/{other.id}/members/{trainee.id}/due-date"
    assert client.put(elsewhere, json={"due_on": None, "reason": "x"}, headers=writing(token)).status_code == 404
    stranger = f"/api/v1/cohorts/{cohort.id}/members/{make_user().id}/due-date"
    assert client.put(stranger, json={"due_on": None, "reason": "x"}, headers=writing(token)).status_code == 404
    reader = make_token("read")
    assert client.put(url, json={"due_on": None, "reason": "x"}, headers=writing(reader)).status_code == 403
