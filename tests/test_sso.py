"""Single sign-on against a real OpenID provider the project did not write (oidc-provider-mock), over HTTP."""

import socket
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from oidc_provider_mock import run_server_in_thread
from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, Role, User, UserIdentity
from tests.conftest import PASSWORD, post_form, signed_in


@pytest.fixture(scope="module")
def provider():
    with run_server_in_thread(require_nonce=True) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture
def sso_app(make_app, provider):
    return make_app(OIDC_ISSUER=provider, OIDC_CLIENT_ID="dignity", OIDC_CLIENT_SECRET="not-a-real-secret",
                    OIDC_NAME="Academy Directory")


def directory_person(provider, sub, **claims):
    """Create or change a person in the directory."""
    response = requests.put(f"{provider}/users/{sub}", json=claims, timeout=5)
    assert response.status_code == 204


def go_to_directory(client, provider, next_url=None):
    """Press "Sign in with …": the redirect to the provider, checked for PKCE, state and nonce."""
    response = client.get("/login/sso" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{provider}/oauth2/authorize?")
    query = parse_qs(urlparse(location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert all(query[name][0] for name in ("code_challenge", "state", "nonce"))
    assert query["redirect_uri"] == ["http://localhost/login/sso/callback"]
    return location


def sign_in_at_directory(location, sub):
    """The person signs in at the provider, which sends the browser back with a code."""
    response = requests.post(location, data={"sub": sub}, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    back = urlparse(response.headers["Location"])
    return f"{back.path}?{back.query}"


def sso_sign_in(client, provider, sub, next_url=None):
    return client.get(sign_in_at_directory(go_to_directory(client, provider, next_url), sub))


def test_the_sign_in_page_offers_the_directory_only_when_it_is_configured(app, sso_app):
    assert "Sign in with" not in app.test_client().get("/login").get_data(as_text=True)
    assert app.test_client().get("/login/sso").status_code == 404
    assert "Sign in with Academy Directory" in sso_app.test_client().get("/login").get_data(as_text=True)


def test_a_first_directory_sign_in_makes_a_trainee_account_linked_by_subject(sso_app, provider):
    directory_person(provider, "officer-001", email="minji@police.example", email_verified=True, name="Min-ji Park")
    client = sso_app.test_client()
    response = sso_sign_in(client, provider, "officer-001", next_url="/modules/basics")
    assert response.status_code == 302
    assert response.headers["Location"] == "/modules/basics"
    account = client.get("/account")
    assert account.status_code == 200
    assert "minji@police.example" in account.get_data(as_text=True)
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "minji@police.example"))
        assert (user.name, user.role, user.has_password) == ("Min-ji Park", Role.TRAINEE.value, False)
        identity = db.session.scalar(select(UserIdentity).where(UserIdentity.user_id == user.id))
        assert (identity.issuer, identity.subject) == (provider, "officer-001")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "auth.signed_in")).all()[-1]
        assert event.details == {"via": "sso", "issuer": provider}
    # The directory changes her email: the subject still names the same account.
    directory_person(provider, "officer-001", email="minji.park@police.example", email_verified=True)
    other = sso_app.test_client()
    assert sso_sign_in(other, provider, "officer-001").status_code == 302
    with sso_app.app_context():
        assert db.session.scalar(select(User).where(User.email.like("minji%")).where(User.id != user.id)) is None


def test_an_existing_email_is_not_taken_over_unless_the_admin_allows_it(sso_app, provider, make_user):
    existing = make_user(email="jun@police.example", name="Jun Lee")
    directory_person(provider, "officer-002", email="jun@police.example", email_verified=True)
    response = sso_sign_in(sso_app.test_client(), provider, "officer-002")
    assert response.status_code == 403
    assert "exists already" in response.get_data(as_text=True)
    admin = make_user(Role.ADMIN)
    saved = post_form(signed_in(sso_app, admin), "/admin/settings", {"sso_passwords_allowed": "y",
                                                                     "sso_link_by_email": "y"})
    assert saved.status_code == 302
    directory_person(provider, "officer-003", email="jun@police.example", email_verified=False)
    assert sso_sign_in(sso_app.test_client(), provider, "officer-003").status_code == 403  # unverified: never
    assert sso_sign_in(sso_app.test_client(), provider, "officer-002").status_code == 302
    with sso_app.app_context():
        [identity] = db.session.scalars(select(UserIdentity)).all()
        assert (identity.user_id, identity.subject) == (existing.id, "officer-002")


def test_the_admin_chooses_the_role_and_badge_claims_and_whether_passwords_still_work(sso_app, provider, make_user):
    admin = make_user(Role.ADMIN)
    post_form(signed_in(sso_app, admin), "/admin/settings", {"sso_role_claim": "dignity_role",
                                                             "sso_badge_claim": "badge"})
    directory_person(provider, "officer-004", email="sun@police.example", email_verified=True, name="Sun Choi",
                     dignity_role=["staff", "trainer"], badge="SEL-4411")
    assert sso_sign_in(sso_app.test_client(), provider, "officer-004").status_code == 302
    with sso_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "sun@police.example"))
        assert (user.role, user.badge_number) == (Role.TRAINER.value, "SEL-4411")
    # With passwords allowed (the default), a linked account that has a password may use it ...
    linked = make_user(email="ok@police.example")
    directory_person(provider, "officer-005", email="ok@police.example", email_verified=True)
    post_form(signed_in(sso_app, admin), "/admin/settings", {"sso_passwords_allowed": "y", "sso_link_by_email": "y"})
    assert sso_sign_in(sso_app.test_client(), provider, "officer-005").status_code == 302
    signed_in(sso_app, linked)
    # ... and once the admin says directory users sign in only through the directory, it may not.
    post_form(signed_in(sso_app, admin), "/admin/settings", {})
    refused = post_form(sso_app.test_client(), "/login", {"email": linked.email, "password": PASSWORD})
    assert refused.status_code == 422
    assert signed_in(sso_app, make_user(email="plain@police.example"))  # accounts without a link are unaffected


def test_a_replayed_or_tampered_sign_in_gets_a_clear_page(sso_app, provider):
    directory_person(provider, "officer-006", email="ha@police.example", email_verified=True)
    client = sso_app.test_client()
    callback = sign_in_at_directory(go_to_directory(client, provider), "officer-006")
    assert client.get(callback).status_code == 302
    replay = sso_app.test_client().get(callback)  # another browser, or the same code again
    assert replay.status_code == 400
    assert "could not be verified" in replay.get_data(as_text=True)
    forged_state = client.get(callback.replace("state=", "state=x"))
    assert forged_state.status_code == 400
    # A wrong nonce (the ID token was meant for another sign-in) is refused too.
    fresh = sso_app.test_client()
    location = go_to_directory(fresh, provider)
    with fresh.session_transaction() as session:
        [key] = [k for k in session if k.startswith("_state_directory_")]
        state = session[key]
        state["data"]["nonce"] = "not-the-nonce-sent"
        session[key] = state
    assert fresh.get(sign_in_at_directory(location, "officer-006")).status_code == 400
    denied = fresh.get("/login/sso/callback?error=access_denied")
    assert denied.status_code == 400
    assert "access_denied" in denied.get_data(as_text=True)


def test_a_deactivated_account_is_refused_and_an_unreachable_directory_explained(make_app, sso_app, provider,
                                                                                  make_user):
    directory_person(provider, "officer-007", email="off@police.example", email_verified=True)
    assert sso_sign_in(sso_app.test_client(), provider, "officer-007").status_code == 302
    with sso_app.app_context():
        db.session.scalar(select(User).where(User.email == "off@police.example")).active = False
        db.session.commit()
    refused = sso_sign_in(sso_app.test_client(), provider, "officer-007")
    assert refused.status_code == 403
    assert "deactivated" in refused.get_data(as_text=True)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = make_app(OIDC_ISSUER=f"http://127.0.0.1:{port}", OIDC_CLIENT_ID="d", OIDC_CLIENT_SECRET="s")
    response = down.test_client().get("/login/sso")
    assert response.status_code == 502
    assert "cannot be reached" in response.get_data(as_text=True)
