"""Sign-in hardening: rate limits, per-account lockout, password rules, reset by email, session handling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from course.auth.lockout import FREE_FAILURES, LONGEST_PAUSE, pause_after
from course.core import mail
from course.core.password_links import new_password_token
from course.extensions import db
from course.models import PasswordToken, User, utcnow
from tests.conftest import PASSWORD, AuthActions, post_form

WRONG = "not the right password at all"
NEW_PASSWORD = "a brand new passphrase for me"


def reload(app, user_id: int) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_sign_in_is_rate_limited_per_address_with_a_message(make_app, make_user):
    app = make_app(AUTH_RATE_LIMIT="3/minute")
    user = make_user()
    client = app.test_client()
    for _ in range(3):
        assert post_form(client, "/login", {"email": user.email, "password": WRONG}).status_code == 422
    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many attempts from your address" in response.get_data(as_text=True)
    assert client.get("/login").status_code == 200  # reading the form is not limited


@pytest.mark.parametrize("url", ["/register", "/forgot-password"])
def test_registration_and_reset_requests_are_rate_limited(make_app, url):
    app = make_app(AUTH_RATE_LIMIT="2/minute", MAIL_SERVER="smtp.example", PUBLIC_BASE_URL="https://dignity.example")
    client = app.test_client()
    statuses = [post_form(client, url, {"email": "x"}).status_code for _ in range(3)]
    assert statuses[-1] == 429
    assert 429 not in statuses[:2]


def test_a_set_password_link_is_rate_limited(make_app, make_user):
    app = make_app(AUTH_RATE_LIMIT="2/minute")
    user = make_user()
    with app.app_context():
        token, row = new_password_token(user.id, "reset")
        db.session.add(row)
        db.session.commit()
    client = app.test_client()
    statuses = [post_form(client, f"/set-password/{token}", {"password": "short"}).status_code for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_repeated_failures_pause_the_account_and_the_pause_ends(app, make_user, auth):
    user = make_user()
    for _ in range(FREE_FAILURES):
        assert auth.login(user.email, WRONG).status_code == 422
    locked = reload(app, user.id)
    assert locked.failed_logins == FREE_FAILURES
    assert locked.locked_until > utcnow()
    refused = auth.login(user.email, PASSWORD)  # even the right password waits for the pause to end
    assert refused.status_code == 422
    assert "do not match an active account" in refused.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert auth.login(user.email, PASSWORD).status_code == 302
    cleared = reload(app, user.id)
    assert cleared.failed_logins == 0
    assert cleared.locked_until is None


def test_the_back_off_doubles_and_is_capped():
    assert pause_after(FREE_FAILURES - 1) is None
    assert pause_after(FREE_FAILURES + 1) == 2 * pause_after(FREE_FAILURES)
    assert pause_after(10_000) == LONGEST_PAUSE <= timedelta(minutes=15)


def test_a_locked_account_and_an_unknown_email_get_the_same_answer(app, make_user, auth):
    user = make_user()
    for _ in range(FREE_FAILURES + 2):
        auth.login(user.email, WRONG)
    locked = auth.login(user.email, PASSWORD).get_data(as_text=True)
    unknown = auth.login("nobody@academy.example", PASSWORD).get_data(as_text=True)
    strip = lambda page: page.split('name="csrf_token"')[0] + page.split("</form>")[-1]  # noqa: E731
    assert strip(locked).replace(user.email, "") == strip(unknown).replace("nobody@academy.example", "")


def test_a_password_link_clears_the_lockout(app, make_user, client, auth):
    user = make_user()
    for _ in range(FREE_FAILURES):
        auth.login(user.email, WRONG)
    with app.app_context():
        token, row = new_password_token(user.id, "reset")
        db.session.add(row)
        db.session.commit()
    assert post_form(client, f"/set-password/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                     ).status_code == 302
    cleared = reload(app, user.id)
    assert cleared.failed_logins == 0
    assert cleared.locked_until is None


@pytest.mark.parametrize(("password", "accepted"), [
    ("password1234", False),  # on the shipped common-password list
    ("PASSWORD1234", False),  # ...whatever the case
    ("eleven char", False),  # too short
    ("plain lowercase words only", True),  # no composition rules
])
def test_new_passwords_follow_nist_rules(client, app, password, accepted):
    response = post_form(client, "/register", {"name": "Kim", "email": "kim@academy.example",
                                               "password": password, "confirm": password})
    assert (response.status_code == 302) is accepted
    if not accepted:
        page = response.get_data(as_text=True)
        assert "too common" in page or "at least 12 characters" in page
        with app.app_context():
            assert db.session.scalar(select(User)) is None


class FakeSMTP:
    """Records what would have been sent."""

    sent: list = []

    def __init__(self, host, port, timeout=None):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        pass

    def send_message(self, message):
        FakeSMTP.sent.append(message)


@pytest.fixture
def mail_app(make_app, monkeypatch):
    FakeSMTP.sent = []
    monkeypatch.setattr(mail, "SMTP", FakeSMTP)
    return make_app(MAIL_SERVER="smtp.example", PUBLIC_BASE_URL="https://dignity.example")


def test_without_mail_the_reset_page_points_to_a_trainer(client):
    page = client.get("/forgot-password").get_data(as_text=True)
    assert "Ask your trainer or an administrator" in page
    assert 'name="email"' not in page


def test_forgot_password_emails_a_one_time_link_that_works(mail_app, make_user):
    user = make_user()
    client = mail_app.test_client()
    response = post_form(client, "/forgot-password", {"email": user.email.upper()}, follow_redirects=True)
    assert "If an active account uses that address" in response.get_data(as_text=True)
    [message] = FakeSMTP.sent
    assert message["To"] == user.email
    link = next(word for word in message.get_content().split() if word.startswith("https://dignity.example/"))
    path = link.removeprefix("https://dignity.example")
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 404
    with mail_app.app_context():
        row = db.session.scalar(select(PasswordToken))
        assert row.purpose == "reset"
        assert row.expires_at - row.created_at == timedelta(hours=1)


def test_forgot_password_does_not_reveal_whether_an_email_exists(mail_app, make_user):
    user = make_user()
    client = mail_app.test_client()
    known = post_form(client, "/forgot-password", {"email": user.email}, follow_redirects=True)
    unknown = post_form(client, "/forgot-password", {"email": "ghost@academy.example"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    # The pages are the same but for the CSRF token, which is signed with the time (a second may pass between them).
    token = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+"')
    assert token.search(known.get_data(as_text=True))
    assert token.sub(r"\1", known.get_data(as_text=True)) == token.sub(r"\1", unknown.get_data(as_text=True))
    assert len(FakeSMTP.sent) == 1


def test_sign_in_starts_a_fresh_session(client, make_user, auth):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    auth.login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert "_user_id" in session


def test_sign_out_invalidates_the_old_session_cookie(client, make_user, auth):
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", stolen)
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_changing_the_password_signs_out_other_sessions_only(app, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    AuthActions(here).login(user.email)
    AuthActions(elsewhere).login(user.email)
    wrong = post_form(here, "/account", {"current": WRONG, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert "not your current password" in wrong.get_data(as_text=True)
    response = post_form(here, "/account", {"current": PASSWORD, "password": NEW_PASSWORD,
                                            "confirm": NEW_PASSWORD}, follow_redirects=True)
    assert "Other devices have been signed out" in response.get_data(as_text=True)
    assert here.get("/account").status_code == 200
    assert elsewhere.get("/account").status_code == 302
    assert AuthActions(app.test_client()).login(user.email, NEW_PASSWORD).status_code == 302


def test_the_account_page_is_linked_and_needs_sign_in(client, trainee):
    assert 'href="/account"' in client.get("/").get_data(as_text=True)
    assert AuthActions(client).logout().status_code == 302
    assert client.get("/account").status_code == 302


def test_no_database_transaction_is_open_while_the_password_hash_is_checked(app, make_user, auth, monkeypatch):
    """SQLite takes its write lock when a POST begins; holding it through Argon2 serialised sign-ins."""
    from course.auth import services  # noqa: PLC0415

    user = make_user()
    real, seen = services.verify_password, []

    def watching(password_hash, password):
        seen.append(db.session.in_transaction())
        return real(password_hash, password)

    monkeypatch.setattr(services, "verify_password", watching)
    assert auth.login(user.email).status_code == 302
    assert auth.logout().status_code == 302
    assert auth.login(user.email, WRONG).status_code == 422
    assert seen == [False, False]


def test_forgot_password_sends_at_most_three_links_an_hour_to_one_account(mail_app, make_user):
    user = make_user()
    for n in range(5):  # from different addresses, so only the per-account cap can stop it
        client = mail_app.test_client()
        response = post_form(client, "/forgot-password", {"email": user.email}, follow_redirects=True,
                             environ_base={"REMOTE_ADDR": f"203.0.113.{n}"})
        assert "If an active account uses that address" in response.get_data(as_text=True)
    assert len(FakeSMTP.sent) == 3
    with mail_app.app_context():
        rows = db.session.scalars(select(PasswordToken)).all()
        assert len(rows) == 3
        for row in rows:  # an hour later the account can ask again
            row.created_at -= timedelta(hours=1, seconds=1)
        db.session.commit()
    post_form(mail_app.test_client(), "/forgot-password", {"email": user.email})
    assert len(FakeSMTP.sent) == 4


def _links(app, user_id: int, count: int, purpose: str = "set") -> list[str]:
    tokens = []
    with app.app_context():
        for _ in range(count):
            token, row = new_password_token(user_id, purpose)
            db.session.add(row)
            tokens.append(token)
        db.session.commit()
    return tokens


def test_using_one_password_link_spends_every_other_link_of_the_account(app, make_user, client):
    user = make_user()
    first, second = _links(app, user.id, 2, "reset")
    assert post_form(client, f"/set-password/{first}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                     ).status_code == 302
    assert app.test_client().get(f"/set-password/{second}").status_code == 404


def test_changing_the_password_spends_links_issued_before(app, make_user, client, auth):
    user = make_user()
    (issued,) = _links(app, user.id, 1, "reset")
    auth.login(user.email)
    assert post_form(client, "/account", {"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
                     ).status_code == 302
    assert app.test_client().get(f"/set-password/{issued}").status_code == 404
    with app.app_context():
        assert db.session.scalar(select(PasswordToken.used_at).where(PasswordToken.user_id == user.id)) is not None
