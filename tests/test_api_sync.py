"""Incremental sync: `updated_since` and keyset cursors that neither miss nor repeat rows while rows change."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from course.extensions import db
from course.models import Certificate, Role, User, utcnow
from tests.api_fixtures import bearer, writing
from tests.conftest import signed_in
from tests.test_certificates import complete_course, complete_module


def every_page(client, path: str, token: str, **params) -> list[list[dict]]:
    """Follow next_cursor to the end; the pages, as lists of rows."""
    pages, cursor = [], None
    while True:
        query = {**params, **({"cursor": cursor} if cursor else {})}
        body = client.get(path, query_string=query, headers=bearer(token)).json
        pages.append(body["data"])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def stamp(app, model, row_id: int, moment) -> None:
    """Set a row's updated_at, as if it had changed at `moment`."""
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(updated_at=moment))
        db.session.commit()


def test_pages_cover_every_row_once_in_change_order(client, make_user, make_token):
    users = [make_user() for _ in range(7)]
    make_user(Role.TRAINER)  # staff are not trainees
    pages = every_page(client, "/api/v1/trainees", make_token(), limit=3)
    assert [len(page) for page in pages] == [3, 3, 1]
    rows = [row for page in pages for row in page]
    assert [row["id"] for row in rows] == [user.id for user in users]
    assert [(row["updated_at"], row["id"]) for row in rows] == sorted((row["updated_at"], row["id"]) for row in rows)


def test_a_row_changed_while_paging_comes_round_again_and_none_is_missed(client, app, make_user, make_token):
    users = [make_user() for _ in range(6)]
    token = make_token()
    first = client.get("/api/v1/trainees", query_string={"limit": 2}, headers=bearer(token)).json
    with app.app_context():  # a page already read changes, and so does one not read yet
        for user_id, name in ((users[0].id, "Renamed First"), (users[4].id, "Renamed Fifth")):
            db.session.get(User, user_id).name = name
        db.session.commit()
    rest = every_page(client, "/api/v1/trainees", token, limit=2, cursor=first["next_cursor"])
    seen = [row["id"] for row in first["data"]] + [row["id"] for page in rest for row in page]
    assert set(seen) == {user.id for user in users}
    assert seen[-2:] == [users[0].id, users[4].id]  # the changed rows come last, once each after the change
    assert seen.count(users[4].id) == 1


def test_updated_since_returns_only_what_changed(client, app, make_user, make_token):
    old, changed = make_user(), make_user()
    stamp(app, User, old.id, utcnow() - timedelta(days=2))
    stamp(app, User, changed.id, utcnow() - timedelta(days=2))
    since = utcnow() - timedelta(days=1)
    with app.app_context():
        db.session.get(User, changed.id).badge_number = "SMP-7"
        db.session.commit()
    token = make_token()
    rows = client.get("/api/v1/trainees", query_string={"updated_since": since.isoformat()},
                      headers=bearer(token)).json["data"]
    assert [(row["id"], row["badge_number"]) for row in rows] == [(changed.id, "SMP-7")]
    naive = client.get("/api/v1/trainees?updated_since=2026-01-01T00:00:00", headers=bearer(token))
    assert naive.status_code == 400
    assert naive.json["errors"][0]["field"] == "query.updated_since"
    bogus = client.get("/api/v1/trainees?cursor=abc", headers=bearer(token))
    assert bogus.status_code == 400
    assert bogus.json["errors"][0]["field"] == "query.cursor"


def test_progress_changes_when_the_trainee_learns(client, app, make_user, make_token):
    trainee, idle = make_user(), make_user()
    token = make_token()
    before = {row["trainee_id"]: row for row in client.get("/api/v1/progress", headers=bearer(token)).json["data"]}
    assert before[trainee.id]["modules"][0]["status"] == "not_started"
    since = utcnow()
    complete_module(signed_in(app, trainee), app, "basics", ["first", "second"])
    rows = client.get("/api/v1/progress", query_string={"updated_since": since.isoformat()},
                      headers=bearer(token)).json["data"]
    assert [row["trainee_id"] for row in rows] == [trainee.id]
    basics = rows[0]["modules"][0]
    assert (basics["slug"], basics["status"], basics["lessons_done"], basics["quiz_passed"]) == (
        "basics", "completed", 2, True)
    assert rows[0]["complete"] is False
    assert idle.id in before


def test_certificates_come_round_again_when_revoked_or_expired(client, app, make_user, make_token):
    trainee = make_user()
    complete_course(signed_in(app, trainee), app)
    token = make_token()
    [issued] = client.get("/api/v1/certificates", headers=bearer(token)).json["data"]
    assert issued["status"] == "valid"
    long_ago = utcnow() - timedelta(days=30)
    with app.app_context():  # issued a month ago, expired yesterday: expiry itself writes nothing
        db.session.execute(update(Certificate).values(updated_at=long_ago, issued_at=long_ago,
                                                      expires_at=utcnow() - timedelta(days=1)))
        db.session.commit()
    since = (utcnow() - timedelta(days=2)).isoformat()
    [expired] = client.get("/api/v1/certificates", query_string={"updated_since": since}, headers=bearer(token)).json[
        "data"]
    assert expired["status"] == "expired"
    assert expired["updated_at"] == expired["expires_at"]
    later = (utcnow() - timedelta(hours=1)).isoformat()
    assert client.get("/api/v1/certificates", query_string={"updated_since": later},
                      headers=bearer(token)).json["data"] == []
    with app.app_context():
        certificate = db.session.scalar(select(Certificate))
        certificate.revoked_at, certificate.revocation_reason = utcnow(), "Issued in error"
        db.session.commit()
    [revoked] = client.get("/api/v1/certificates", query_string={"updated_since": later},
                           headers=bearer(token)).json["data"]
    assert (revoked["status"], revoked["revocation_reason"]) == ("revoked", "Issued in error")


def test_a_cohort_moves_when_its_membership_changes(client, app, make_user, make_cohort, make_token):
    trainee = make_user()
    cohort = make_cohort(make_user(Role.TRAINER))
    from course.models import Cohort
    stamp(app, Cohort, cohort.id, utcnow() - timedelta(days=1))
    token = make_token("write")
    since = utcnow().isoformat()
    assert client.get("/api/v1/cohorts", query_string={"updated_since": since}, headers=bearer(token)).json[
        "data"] == []
    client.post(f"/api/v1/cohorts/{cohort.id}/members", json={"email": "brand.new@police.example", "name": "Brand New"},
                headers=writing(token))
    [moved] = client.get("/api/v1/cohorts", query_string={"updated_since": since}, headers=bearer(token)).json["data"]
    assert (moved["id"], moved["member_count"]) == (cohort.id, 1)
    assert trainee.id not in [m["trainee_id"] for m in client.get(
        f"/api/v1/cohorts/{cohort.id}/members", headers=bearer(token)).json["data"]]


def test_fresh_changes_settle_before_a_sync_lists_them(make_app):
    app = make_app(API_SYNC_SETTLE_SECONDS=60)
    client = app.test_client()
    with app.app_context():
        from course.core.api_tokens import create_token
        token, _row = create_token(db.session, None, name="sync", scope="read")
        db.session.commit()
    from course.core.accounts import create_user
    with app.app_context():
        user = create_user(db.session, email="fresh@police.example", name="Fresh", password="x" * 12)
        db.session.commit()
        user_id = user.id
    assert client.get("/api/v1/trainees", headers=bearer(token)).json["data"] == []  # may not have committed yet
    assert client.get(f"/api/v1/trainees/{user_id}", headers=bearer(token)).status_code == 200
    stamp(app, User, user_id, utcnow() - timedelta(minutes=2))
    assert [row["id"] for row in client.get("/api/v1/trainees", headers=bearer(token)).json["data"]] == [user_id]


def test_a_sync_page_runs_a_fixed_number_of_queries(client, app, make_user, make_token, count_queries):
    token = make_token()
    for _ in range(3):
        make_user()
    with count_queries() as few:
        client.get("/api/v1/progress", headers=bearer(token))
    for _ in range(12):
        make_user()
    with count_queries() as many:
        client.get("/api/v1/progress", headers=bearer(token))
    assert len(many) == len(few)


def test_joining_on_the_web_moves_the_cohort_too(client, app, make_user, make_cohort, make_token):
    from course.models import Cohort
    cohort = make_cohort(make_user(Role.TRAINER))
    stamp(app, Cohort, cohort.id, utcnow() - timedelta(days=1))
    since = utcnow().isoformat()
    trainee = signed_in(app, make_user())
    with app.app_context():
        code = db.session.get(Cohort, cohort.id).invite_code
    from tests.conftest import post_form
    assert post_form(trainee, f"/join/{code}").status_code == 302
    [moved] = client.get("/api/v1/cohorts", query_string={"updated_since": since},
                         headers=bearer(make_token())).json["data"]
    assert (moved["id"], moved["member_count"]) == (cohort.id, 1)
