"""Registering, signing in and out: Argon2id hashes, CSRF, safe redirects."""

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from course.extensions import db
from course.models import Role, User
from tests.conftest import PASSWORD, post_form


def register(client, **overrides):
    data = {"name": "Min-ji Park", "email": "minji@academy.example", "password": PASSWORD, "confirm": PASSWORD}
    data.update(overrides)
    return post_form(client, "/register", data)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


def test_a_visitor_registers_and_lands_on_the_dashboard(client, app):
    response = register(client)
    assert response.status_code == 302
    dashboard = client.get("/").get_data(as_text=True)
    assert "Welcome, Min-ji Park" in dashboard
    assert "Test Course" in dashboard
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == Role.TRAINEE
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash


@pytest.mark.parametrize(("overrides", "message"), [
    ({"password": "short", "confirm": "short"}, "Use at least 12 characters"),
    ({"confirm": "something else entirely"}, "The passwords do not match"),
    ({"email": "not-an-email"}, "Invalid email"),
    ({"name": "   "}, "This field is required"),
])
def test_registration_errors_are_explained_and_nothing_is_saved(client, app, overrides, message):
    response = register(client, **overrides)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "There is a problem" in html
    assert message in html
    assert user_count(app) == 0


def test_registering_an_existing_email_is_refused(client, app, make_user):
    make_user(email="taken@academy.example")
    response = register(client, email="Taken@Academy.example")
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)
    assert user_count(app) == 1


def test_sign_in_with_wrong_password_does_not_reveal_whether_the_email_exists(client, make_user, auth):
    user = make_user()
    wrong_password = auth.login(user.email, "not the password at all").get_data(as_text=True)
    unknown_email = auth.login("nobody@academy.example").get_data(as_text=True)
    message = "That email and password do not match an active account."
    assert message in wrong_password
    assert message in unknown_email


def test_sign_in_and_sign_out(client, make_user, auth):
    user = make_user()
    assert auth.login(user.email).headers["Location"] == "/"
    assert "Sign out" in client.get("/").get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/modules/basics").status_code == 302  # back to sign-in


def test_deactivated_accounts_cannot_sign_in(app, make_user, auth):
    user = make_user()
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert auth.login(user.email).status_code == 422


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
])
def test_next_redirects_never_leave_the_site(make_user, auth, target):
    user = make_user()
    assert auth.login(user.email, next_url=target).headers["Location"] == "/"


def test_next_redirect_to_a_local_page_is_followed(make_user, auth):
    user = make_user()
    assert auth.login(user.email, next_url="/modules/basics").headers["Location"] == "/modules/basics"


def test_protected_pages_send_visitors_to_sign_in(client):
    response = client.get("/modules/basics")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_forms_without_a_csrf_token_are_rejected(client, app, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    response = client.post("/register", data={"name": "X", "email": "x@academy.example",
                                              "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400
    assert user_count(app) == 1


def test_password_is_rehashed_on_sign_in_when_parameters_change(app, make_user, auth):
    user = make_user()
    old_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(PASSWORD)
    with app.app_context():
        db.session.get(User, user.id).password_hash = old_hash
        db.session.commit()
    assert auth.login(user.email).status_code == 302
    with app.app_context():
        new_hash = db.session.get(User, user.id).password_hash
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")


def sign_in_events(app):
    from course.models import AuditEvent

    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("auth.%"))
                                  .order_by(AuditEvent.id)).all()
        return [(e.action, e.actor_id, e.target_id, e.details) for e in rows]


def test_sign_ins_and_refused_sign_ins_are_audited_without_passwords(app, make_user):
    user = make_user(email="officer@academy.example")
    wrong = "not the right password at all"
    known = post_form(app.test_client(), "/login", {"email": user.email, "password": wrong})
    unknown = post_form(app.test_client(), "/login", {"email": "nobody@academy.example", "password": wrong})
    assert known.status_code == unknown.status_code == 422  # the visitor cannot tell the two apart
    assert known.get_data(as_text=True).count("do not match an active account") == 1
    assert unknown.get_data(as_text=True).count("do not match an active account") == 1
    assert post_form(app.test_client(), "/login", {"email": user.email, "password": PASSWORD}).status_code == 302

    assert sign_in_events(app) == [
        ("auth.sign_in_failed", None, str(user.id), {"reason": "wrong_password"}),
        ("auth.sign_in_failed", None, "", {"reason": "unknown_email"}),
        ("auth.signed_in", user.id, str(user.id), {}),
    ]
    assert wrong not in repr(sign_in_events(app))
    assert "nobody@academy.example" not in repr(sign_in_events(app))
