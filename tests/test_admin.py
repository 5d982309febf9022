"""Administration: users and roles, deactivation, content versions, settings and the audit log."""

import re

import pytest
from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, ContentVersion, Role, User
from tests.conftest import PASSWORD, post_form, signed_in
from tests.test_certificates import certificates, complete_course


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@academy.example")


def events(app, action=None):
    with app.app_context():
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return db.session.scalars(query).all()


@pytest.mark.parametrize("url", ["/admin/", "/admin/users", "/admin/content", "/admin/settings", "/admin/audit"])
@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER])
def test_only_admins_reach_admin_pages(app, make_user, url, role):
    assert signed_in(app, make_user(role)).get(url).status_code == 403


def test_admins_find_users_by_name_or_email_and_role(app, admin, make_user):
    make_user(name="Min-ji Park", email="minji@academy.example")
    make_user(Role.TRAINER, name="Tae Trainer")
    client = signed_in(app, admin)
    page = client.get("/admin/users?q=MINJI").get_data(as_text=True)
    assert "Min-ji Park" in page
    assert "Tae Trainer" not in page
    trainers = client.get("/admin/users?role=trainer").get_data(as_text=True)
    assert "Tae Trainer" in trainers
    assert "Min-ji Park" not in trainers


def test_changing_a_role_takes_effect_at_once_and_is_audited(app, admin, make_user):
    user = make_user()
    their_client = signed_in(app, user)
    assert their_client.get("/trainer").status_code == 403
    response = post_form(signed_in(app, admin), f"/admin/users/{user.id}/role", {"role": "trainer"},
                         form_url="/admin/users")
    assert response.status_code == 302
    assert their_client.get("/trainer").status_code == 302  # old session ended: sign in again
    assert signed_in(app, user).get("/trainer").status_code == 200
    [event] = events(app, "user.role_changed")
    assert event.details == {"old": "trainee", "new": "trainer"}
    assert event.actor_id == admin.id


def test_the_last_admin_cannot_be_demoted_or_deactivated(app, admin):
    client = signed_in(app, admin)
    post_form(client, f"/admin/users/{admin.id}/role", {"role": "trainee"}, form_url="/admin/users")
    assert "only active admin" in client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).role == "admin"


def test_a_deactivated_user_cannot_sign_in_and_keeps_their_records(app, admin, make_user):
    user = make_user()
    trainee_client = signed_in(app, user)
    complete_course(trainee_client, app)
    post_form(signed_in(app, admin), f"/admin/users/{user.id}/active", {"active": "0"}, form_url="/admin/users")
    assert trainee_client.get("/").get_data(as_text=True).count("Create an account") >= 1  # signed out
    response = app.test_client().post("/login")  # CSRF-less: rejected
    assert response.status_code == 400
    login = post_form(app.test_client(), "/login", {"email": user.email, "password": PASSWORD})
    assert login.status_code == 422
    assert len(certificates(app)) == 1
    post_form(signed_in(app, admin), f"/admin/users/{user.id}/active", {"active": "1"}, form_url="/admin/users")
    assert signed_in(app, user).get("/").status_code == 200
    assert [e.action for e in events(app) if e.action.startswith("user.")] == ["user.deactivated", "user.reactivated"]


def test_admins_cannot_deactivate_themselves(app, admin, make_user):
    make_user(Role.ADMIN)
    client = signed_in(app, admin)
    post_form(client, f"/admin/users/{admin.id}/active", {"active": "0"}, form_url="/admin/users")
    assert "cannot deactivate your own account" in client.get("/admin/users").get_data(as_text=True)


def test_an_admin_issues_a_password_reset_link_that_works_once(app, admin, make_user):
    user = make_user()
    client = signed_in(app, admin)
    post_form(client, f"/admin/users/{user.id}/password-link", form_url="/admin/users")
    page = client.get("/admin/users").get_data(as_text=True)
    link = re.search(r"http://localhost(/set-password/[\w-]+)", page).group(1)
    new_password = "a brand new long password"
    assert post_form(app.test_client(), link, {"password": new_password, "confirm": new_password}).status_code == 302
    assert post_form(app.test_client(), "/login", {"email": user.email, "password": new_password}).status_code == 302
    assert app.test_client().get(link).status_code == 404


def test_content_versions_show_which_is_live_and_can_roll_back(app, admin, make_app, tmp_path):
    client = signed_in(app, admin)
    page = client.get("/admin/content").get_data(as_text=True)
    assert "Live" in page
    with app.app_context():
        live = db.session.scalar(select(ContentVersion).where(ContentVersion.is_live))
        older = ContentVersion(content_hash="b" * 64, title="Older course", is_live=False)
        db.session.add(older)
        db.session.commit()
        older_id = older.id
    post_form(client, f"/admin/content/{older_id}/activate", form_url="/admin/content")
    with app.app_context():
        assert db.session.get(ContentVersion, older_id).is_live
        assert not db.session.get(ContentVersion, live.id).is_live
    assert events(app, "content.activated")


def test_settings_override_the_academy_name_and_certificate_terms(app, admin, make_user):
    client = signed_in(app, admin)
    response = post_form(client, "/admin/settings", {"academy_name": "Seoul Police Academy", "validity_months": "12",
                                                     "credit_hours": "6.5", "renewal_window_days": "30"})
    assert response.status_code == 302
    assert "Seoul Police Academy" in client.get("/").get_data(as_text=True)
    trainee = make_user()
    complete_course(signed_in(app, trainee), app)
    [certificate] = certificates(app)
    assert certificate.academy_name == "Seoul Police Academy"
    assert certificate.credit_hours == 6.5
    assert certificate.expires_at.year * 12 + certificate.expires_at.month == \
        certificate.issued_at.year * 12 + certificate.issued_at.month + 12
    [event] = events(app, "settings.changed")
    assert event.details["academy_name"] == "Seoul Police Academy"
    # Emptying a field restores the default.
    post_form(client, "/admin/settings", {"academy_name": "", "validity_months": "", "credit_hours": "",
                                          "renewal_window_days": ""})
    assert "Test Academy" in client.get("/").get_data(as_text=True)


def test_settings_are_validated(app, admin):
    response = post_form(signed_in(app, admin), "/admin/settings", {"validity_months": "0", "credit_hours": "lots"})
    assert response.status_code == 422
    assert "There is a problem" in response.get_data(as_text=True)


def test_the_audit_log_filters_by_who_what_and_when(app, admin, make_user):
    user = make_user(name="Role Changer")
    client = signed_in(app, admin)
    post_form(client, f"/admin/users/{user.id}/role", {"role": "trainer"}, form_url="/admin/users")
    page = client.get("/admin/audit?action=user.role_changed").get_data(as_text=True)
    assert "user.role_changed" in page
    assert "Ada Admin" in page
    assert "user.role_changed</code>" not in client.get("/admin/audit?who=nobody@").get_data(as_text=True)
    future = client.get("/admin/audit?since=2999-01-01").get_data(as_text=True)
    assert "Nothing matches." in future
    assert client.get("/admin/audit?since=not-a-date").status_code == 200


@pytest.mark.parametrize("action", ["role", "active", "password-link"])
def test_admin_actions_never_redirect_off_site(app, admin, make_user, action):
    user = make_user()
    client = signed_in(app, admin)
    data = {"role": "trainer"} if action == "role" else {"active": "1"}
    off_site = post_form(client, f"/admin/users/{user.id}/{action}", data, form_url="/admin/users",
                         headers={"Referer": "https://evil.example/phish"})
    assert off_site.status_code == 302
    assert off_site.headers["Location"] == "/admin/users"
    same_site = post_form(client, f"/admin/users/{user.id}/{action}", data, form_url="/admin/users",
                          headers={"Referer": "http://localhost/admin/users?q=test&page=2"})
    assert same_site.headers["Location"] == "/admin/users?q=test&page=2"


def test_a_rollback_survives_content_sync_until_the_admin_follows_new_content(app, admin):
    from datetime import UTC, datetime

    runner = app.test_cli_runner()
    client = signed_in(app, admin)
    with app.app_context():
        current = db.session.scalar(select(ContentVersion).where(ContentVersion.is_live))
        older = ContentVersion(content_hash="b" * 64, title="Older course", is_live=False,
                               synced_at=datetime(2026, 1, 5, tzinfo=UTC))
        db.session.add(older)
        db.session.commit()
        current_id, older_id = current.id, older.id
    post_form(client, f"/admin/content/{older_id}/activate", form_url="/admin/content")
    [activated] = events(app, "content.activated")
    assert activated.details == {"pinned": True}

    result = runner.invoke(args=["content", "sync"])  # what `make run` does on every start
    assert result.exit_code == 0
    assert "not made live: an admin pinned version bbbbbbbbbb" in result.output
    with app.app_context():
        assert db.session.get(ContentVersion, older_id).is_live
        assert not db.session.get(ContentVersion, current_id).is_live
    page = client.get("/admin/content").get_data(as_text=True)
    assert "(pinned)" in page
    assert "Follow new content automatically" in page
    assert f"Make the newest version ({current.short_hash}) live" in page

    post_form(client, "/admin/content/follow", form_url="/admin/content")
    [unpinned] = events(app, "content.unpinned")
    assert unpinned.actor_id == admin.id
    assert "made live" in runner.invoke(args=["content", "sync"]).output
    with app.app_context():
        assert db.session.get(ContentVersion, current_id).is_live
    assert "(pinned)" not in client.get("/admin/content").get_data(as_text=True)


def test_role_changes_and_deactivation_are_confirmed_on_a_page_that_says_what_happens(app, admin, make_user):
    user = make_user(name="Min-ji Park")
    client = signed_in(app, admin)
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert f'method="post" action="/admin/users/{user.id}/role"' not in users_page  # no one-click POST
    assert f'method="post" action="/admin/users/{user.id}/active"' not in users_page

    confirm = client.get(f"/admin/users/{user.id}/role?role=trainer", headers={"Referer": "/admin/users?q=min"})
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "Min-ji Park will change from Trainee to Trainer" in page
    assert 'name="csrf_token"' in page
    assert f'method="post" action="/admin/users/{user.id}/role"' in page
    assert not events(app, "user.role_changed")  # asking changes nothing
    with app.app_context():
        assert db.session.get(User, user.id).role == "trainee"
    response = post_form(client, f"/admin/users/{user.id}/role", {"role": "trainer", "next": "/admin/users?q=min"},
                         form_url=f"/admin/users/{user.id}/role?role=trainer")
    assert response.headers["Location"] == "/admin/users?q=min"
    assert events(app, "user.role_changed")

    page = client.get(f"/admin/users/{user.id}/active").get_data(as_text=True)
    assert "will be signed out everywhere and will not be able to sign in" in page
    assert not events(app, "user.deactivated")
    post_form(client, f"/admin/users/{user.id}/active", {"active": "0", "next": "https://evil.example/"},
              form_url=f"/admin/users/{user.id}/active")
    [deactivated] = events(app, "user.deactivated")
    assert deactivated.actor_id == admin.id
    assert "will be able to sign in again" in client.get(f"/admin/users/{user.id}/active").get_data(as_text=True)
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "1"}).status_code == 400  # CSRF kept
