"""LTI 1.3 against a platform we did not write (lti1p3platform), over HTTP: launch, deep linking, grades, roster."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select, update
from werkzeug.serving import make_server

from course.extensions import db
from course.models import (
    Cohort,
    CohortMember,
    CohortTrainer,
    LtiIdentity,
    LtiLaunchValue,
    LtiPlatform,
    LtiScore,
    Role,
    User,
    utcnow,
)
from tests.conftest import CSRF, attempt_answers
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
    refused(browser.post_launch(form, "not.a.token"), "could not be verified")
    list_body = jwt.encode({"x": 1}, "k" * 32, headers={"kid": kid}).split(".")
    list_body[1] = "WzFd"  # a JSON list where the claims should be
    refused(browser.post_launch(form, ".".join(list_body)), "could not be accepted")

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


def pass_quiz(app, tool: str, browser: Browser, slug: str = "basics") -> None:
    quiz = f"{tool}/modules/{slug}/quiz"
    started = browser.post_form(f"{quiz}/start", {}, form_url=quiz)
    attempt_id = int(re.search(r"/attempts/(\d+)", started.headers["Location"]).group(1))
    answers = {**attempt_answers(app, attempt_id), "action": "submit"}
    assert browser.post_form(f"{tool}/attempts/{attempt_id}", answers, form_url=quiz).status_code == 302


def send_grades(app) -> str:
    result = app.test_cli_runner().invoke(args=["lti", "send-grades"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_teacher_places_a_module_and_the_learners_score_reaches_the_gradebook_retried_until_accepted(
        app, tool, platform):
    teacher = Browser()
    page = teacher.launch(platform.start_url("teacher-1", deep_link=True))
    assert page.status_code == 200
    assert "Choose what to add to your course" in page.text
    assert f"frame-ancestors 'self' {platform.url}" in page.headers["Content-Security-Policy"]
    launch_id = re.search(r'name="launch_id" value="([^"]+)"', page.text).group(1)
    answer = teacher.http.post(f"{tool}/lti/deep-link", data={"launch_id": launch_id, "module": ["basics"]},
                               timeout=10)
    assert answer.status_code == 200
    assert f"form-action 'self' {platform.url}" in answer.headers["Content-Security-Policy"]
    action = re.search(r'<form method="post" action="([^"]+)"', answer.text).group(1)
    token = re.search(r'name="JWT" value="([^"]+)"', answer.text).group(1)
    assert action == f"{platform.url}/deep-link-return"
    assert "Placed 1 item(s)." in teacher.http.post(action, data={"JWT": token}, timeout=10).text  # checked there
    placed = platform.state.placed[0]
    assert placed["url"] == f"{tool}/lti/launch"
    assert placed["custom"] == {"module": "basics"}
    assert placed["lineItem"]["resourceId"] == "basics"
    refused(teacher.http.post(f"{tool}/lti/deep-link", data={"launch_id": launch_id}, timeout=10), "already used")

    learner = Browser()
    page = learner.launch(platform.start_url("learner-1", link="placed-1", module="basics",
                                             lineitem=placed["lineItemId"]))
    learner.launch(platform.start_url("learner-1", link="whole-course"))  # no line item of its own
    assert learner.enter(tool, page).url == f"{tool}/modules/basics"
    pass_quiz(app, tool, learner)
    with app.app_context():
        assert db.session.scalar(select(func.count(LtiScore.id))) == 2

    platform.state.down = True
    assert send_grades(app) == "0 score(s) sent, 2 to retry."  # the course line item is made; both scores refused
    with app.app_context():
        waiting = db.session.scalars(select(LtiScore).where(LtiScore.sent_at.is_(None))).all()
        assert {s.attempts for s in waiting} == {1}
        assert all("HTTP 503" in s.last_error and s.next_try_at > utcnow() for s in waiting)
    platform.state.down = False
    assert send_grades(app) == "0 score(s) sent, 0 to retry."  # not due yet: the pause grows with each failure
    with app.app_context():
        db.session.execute(update(LtiScore).values(next_try_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    assert send_grades(app) == "2 score(s) sent, 0 to retry."
    module_score = platform.state.scores[placed["lineItemId"]]["learner-1"]
    assert module_score["scoreGiven"] == 100
    assert module_score["scoreMaximum"] == 100
    assert module_score["activityProgress"] == "InProgress"  # the quiz is passed; the lessons are not all done
    course_item = next(k for k, v in platform.state.lineitems.items() if v.get("tag") == "dignity:course")
    assert platform.state.scores[course_item]["learner-1"]["activityProgress"] == "InProgress"
    assert send_grades(app) == "0 score(s) sent, 0 to retry."  # accepted scores are not sent again


def test_a_teacher_launch_reads_the_course_roster_into_the_cohort(app, tool, platform):
    platform.state.users["learner-3"] = {"name": "Left Early", "roles": [LEARNER], "status": "Inactive"}
    page = Browser().launch(platform.start_url("teacher-1"))
    assert "trainees: 2, trainers: 1" in page.text
    with app.app_context():
        cohort = db.session.scalar(select(Cohort))
        members = db.session.scalars(select(User.name).join(CohortMember).where(CohortMember.cohort_id == cohort.id))
        assert sorted(members) == ["Min-ji Park", "Sam Rivera"]
        trainer = db.session.scalar(select(User).join(CohortTrainer).where(CohortTrainer.cohort_id == cohort.id))
        assert trainer.name == "Tae-yang Kim"
        assert trainer.role == Role.TRAINER.value
    assert app.test_cli_runner().invoke(args=["lti", "sync-rosters"]).exit_code == 0  # again: nothing doubles
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 2


def test_a_learner_may_not_place_content(tool, platform):
    refused(Browser().launch(platform.start_url("learner-1", deep_link=True)), "Only a course")


def register(runner, *extra: str, issuer: str = "https://lms.example", deployment: str = "d1"):
    return runner.invoke(args=["lti", "add-platform", "--issuer", issuer, "--client-id", "c1",
                               "--auth-login-url", "https://lms.example/auth", "--auth-token-url",
                               "https://lms.example/token", "--key-set-url", "https://lms.example/jwks",
                               "--deployment-id", deployment, *extra])


def test_the_state_cookie_is_cross_site_only_over_https_and_only_for_the_lti_pages(client, runner):
    assert register(runner).exit_code == 0
    query = {"iss": "https://lms.example", "login_hint": "u1", "client_id": "c1",
             "target_link_uri": "https://localhost/lti/launch"}
    response = client.get("/lti/login", query_string=query, base_url="https://localhost")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://lms.example/auth?")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lti1p3-state-")
    for part in ("Secure", "HttpOnly", "SameSite=None", "Path=/lti/"):
        assert part in cookie
    plain = client.get("/lti/login", query_string=query).headers["Set-Cookie"]
    assert "SameSite=Lax" in plain
    assert "Secure" not in plain
    assert client.get("/").headers["X-Frame-Options"] == "DENY"  # every other page: never framed


def test_the_tool_publishes_its_public_keys_only(client, app):
    keys = client.get("/lti/jwks.json").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["alg"] == "RS256"
    assert keys[0]["kid"]
    assert "d" not in keys[0]
    assert (Path(app.instance_path) / "lti-keys" / f"{keys[0]['kid']}.key.pem").exists()


def test_registering_a_platform_checks_every_value_and_adds_deployments(app, runner):
    bad = runner.invoke(args=["lti", "add-platform", "--issuer", "x", "--client-id", "c", "--auth-login-url",
                              "not a url", "--auth-token-url", "https://a.example/t", "--key-set-url",
                              "https://a.example/k", "--deployment-id", "d"])
    assert bad.exit_code != 0
    assert "must be a full http:// or https:// URL" in bad.output
    assert "Traceback" not in bad.output
    assert register(runner).exit_code == 0
    assert "Updated platform" in register(runner, deployment="d2").output
    listing = runner.invoke(args=["lti", "list-platforms"]).output
    assert "d1,d2" in listing
    assert len(listing.strip().splitlines()) == 1


def test_only_admins_see_and_change_the_platforms(app, make_user, make_app):
    from tests.conftest import post_form, signed_in

    trainer = signed_in(app, make_user(Role.TRAINER))
    assert trainer.get("/admin/lti/").status_code == 403
    admin = signed_in(app, make_user(Role.ADMIN))
    page = admin.get("/admin/lti/").get_data(as_text=True)
    assert "/lti/jwks.json" in page
    assert "/lti/login" in page
    form = {"name": "Academy Moodle", "issuer": "https://moodle.academy.example", "client_id": "abc",
            "auth_login_url": "https://moodle.academy.example/mod/lti/auth.php",
            "auth_token_url": "https://moodle.academy.example/mod/lti/token.php",
            "key_set_url": "https://moodle.academy.example/mod/lti/certs.php", "deployment_ids": "3\n"}
    assert post_form(admin, "/admin/lti/", {**form, "key_set_url": "nope"}).status_code == 400
    assert post_form(admin, "/admin/lti/", form).status_code == 302
    with app.app_context():
        platform = db.session.scalar(select(LtiPlatform))
        assert platform.deployment_ids == ["3"]
        assert platform.match_email is False
    assert post_form(admin, f"/admin/lti/{platform.id}/active", {}, form_url="/admin/lti/").status_code == 302
    login = admin.get("/lti/login", query_string={"iss": "https://moodle.academy.example", "login_hint": "u"})
    assert login.status_code == 400  # paused: its launches are refused
    assert "not registered with Dignity" in login.get_data(as_text=True)


def test_an_email_alone_links_an_existing_account_only_when_the_admin_allows_it(app, tool, platform, make_user):
    existing = make_user(email="minji@school.example", name="Min-ji (own account)")
    Browser().launch(platform.start_url("learner-1"))
    with app.app_context():
        linked = db.session.scalar(select(LtiIdentity).where(LtiIdentity.subject == "learner-1"))
        assert linked.user_id != existing.id
        assert db.session.get(User, linked.user_id).email.endswith("@lti.invalid")
    other = make_user(email="sam@school.example")
    result = app.test_cli_runner().invoke(args=[
        "lti", "add-platform", "--issuer", platform.url, "--client-id", platform.client_id, "--match-email",
        "--auth-login-url", f"{platform.url}/authorize", "--auth-token-url", f"{platform.url}/token",
        "--key-set-url", f"{platform.url}/jwks", "--deployment-id", platform.deployment_id])
    assert result.exit_code == 0
    Browser().launch(platform.start_url("learner-2"))
    with app.app_context():
        linked = db.session.scalar(select(LtiIdentity).where(LtiIdentity.subject == "learner-2"))
        assert linked.user_id == other.id
