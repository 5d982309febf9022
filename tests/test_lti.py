"""LTI 1.3 against a platform we did not write (lti1p3platform), over HTTP: launch, deep linking, grades, roster."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import requests
from sqlalchemy import func, select, update
from werkzeug.serving import make_server

from course.extensions import db
from course.models import (
    Cohort,
    CohortMember,
    LtiIdentity,
    LtiLaunchValue,
    Role,
    User,
    utcnow,
)
from tests.conftest import CSRF
from tests.lti_platform import INSTRUCTOR, LEARNER, RunningPlatform

TRACE = re.compile(r"Traceback|File \"/")


@pytest.fixture
def tool(app):
    """Dignity served by Werkzeug on a free local port, in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def platform(app, tool):
    """The third-party platform on another port, registered in Dignity by the admin's command."""
    running = RunningPlatform(tool)
    p = running.platform
    p.state.users.update({
        "learner-1": {"name": "Min-ji Park", "email": "minji@school.example", "roles": [LEARNER]},
        "learner-2": {"name": "Sam Rivera", "email": "sam@school.example", "roles": [LEARNER]},
        "teacher-1": {"name": "Tae-yang Kim", "email": "taeyang@school.example", "roles": [INSTRUCTOR]},
    })
    result = app.test_cli_runner().invoke(args=[
        "lti", "add-platform", "--name", "Test platform", "--issuer", p.url, "--client-id", p.client_id,
        "--auth-login-url", f"{p.url}/authorize", "--auth-token-url", f"{p.url}/token",
        "--key-set-url", f"{p.url}/jwks", "--deployment-id", p.deployment_id])
    assert result.exit_code == 0, result.output
    yield p
    running.stop()


class Browser:
    """A person's browser: follows redirects and keeps cookies; posts the platform's launch form itself."""

    def __init__(self):
        self.http = requests.Session()

    def begin(self, start_url: str) -> dict:
        """Platform start → Dignity's OIDC login → the platform's authorisation: the launch form to post."""
        response = self.http.get(start_url, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def post_launch(self, form: dict, id_token: str | None = None) -> requests.Response:
        return self.http.post(form["launch_url"], data={"id_token": id_token or form["id_token"],
                                                        "state": form["state"]}, allow_redirects=False, timeout=10)

    def launch(self, start_url: str) -> requests.Response:
        return self.post_launch(self.begin(start_url))

    def enter(self, tool: str, page: requests.Response) -> requests.Response:
        """Click "Open Dignity in a new window" on the framed launch page."""
        link = re.search(r'href="(/lti/enter/[^"]+)"', page.text).group(1)
        return self.http.get(tool + link, timeout=10)

    def post_form(self, url: str, data: dict, form_url: str) -> requests.Response:
        token = CSRF.search(self.http.get(form_url, timeout=10).text).group(1)
        return self.http.post(url, data={**data, "csrf_token": token}, allow_redirects=False, timeout=10)


def refused(response: requests.Response, words: str) -> None:
    assert response.status_code == 400, response.text
    assert words in response.text
    assert not TRACE.search(response.text)


def test_a_learner_launch_in_a_frame_hands_over_to_a_window_and_lands_in_the_module(app, tool, platform):
    browser = Browser()
    page = browser.launch(platform.start_url("learner-1", module="basics"))
    assert page.status_code == 200
    assert "Open Dignity in a new window" in page.text
    policy = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {platform.url}" in policy
    assert "X-Frame-Options" not in page.headers
    landed = browser.enter(tool, page)
    assert landed.status_code == 200
    assert landed.url == f"{tool}/modules/basics"
    assert "Min-ji Park" in browser.http.get(f"{tool}/account", timeout=10).text
    with app.app_context():
        user = db.session.scalar(select(User).join(LtiIdentity).where(LtiIdentity.subject == "learner-1"))
        assert user.role == Role.TRAINEE.value
        assert not user.has_password
        assert user.email == "minji@school.example"
        cohort = db.session.scalar(select(Cohort).join(CohortMember).where(CohortMember.user_id == user.id))
        assert cohort.name == "Digital sex crimes, spring intake"
    # The hand-over link works once; a second launch finds the same account.
    assert browser.http.get(landed.history[0].url, timeout=10).status_code == 400
    Browser().launch(platform.start_url("learner-1"))
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1


def test_a_launch_in_a_window_signs_in_directly(tool, platform):
    browser = Browser()
    response = browser.launch(platform.start_url("learner-1", target="window"))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert browser.http.get(f"{tool}/", timeout=10).status_code == 200
    assert "Min-ji Park" in browser.http.get(f"{tool}/account", timeout=10).text


def test_forged_replayed_misaddressed_and_stale_launches_are_refused(app, tool, platform):
    import jwt

    from tests.lti_platform import new_key_pems

    browser = Browser()
    form = browser.begin(platform.start_url("learner-1"))
    claims = jwt.decode(form["id_token"], options={"verify_signature": False})
    kid = jwt.get_unverified_header(form["id_token"])["kid"]
    forged = jwt.encode(claims, new_key_pems()[0], algorithm="RS256", headers={"kid": kid})
    refused(browser.post_launch(form, forged), "could not be verified")

    form = browser.begin(platform.start_url("learner-1"))
    assert browser.post_launch(form).status_code == 200
    refused(browser.post_launch(form), "already used or has expired")

    form = browser.begin(platform.start_url("learner-1"))
    refused(browser.post_launch(form, platform.sign({**claims, "nonce": _nonce(form), "aud": "another-tool"})),
            "not registered with Dignity")

    form = browser.begin(platform.start_url("learner-1"))
    unknown = {**claims, "nonce": _nonce(form), "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "nope"}
    refused(browser.post_launch(form, platform.sign(unknown)), "deployment")

    form = browser.begin(platform.start_url("learner-1"))
    with app.app_context():
        db.session.execute(update(LtiLaunchValue).where(LtiLaunchValue.key.contains("-nonce-"))
                           .values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    refused(browser.post_launch(form), "already used or has expired")

    refused(Browser().post_launch(form), "does not match a sign-in")  # no state cookie: another browser
    refused(requests.get(f"{tool}/lti/login", params={"iss": "https://unknown.example", "login_hint": "x"},
                         timeout=10), "not registered with Dignity")
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 1  # only the one good launch made an account


def _nonce(form: dict) -> str:
    import jwt

    return jwt.decode(form["id_token"], options={"verify_signature": False})["nonce"]
