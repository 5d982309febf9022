"""Property test: random and hostile values posted to every form never cause a 500, and a rejection
(4xx) always explains itself and changes nothing in the database."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from course.core.password_links import new_password_token
from course.extensions import db
from course.models import Model, Role
from tests.conftest import csrf_token, signed_in
from tests.test_certificates import complete_course

NAME = re.compile(r'<(?:input|select|textarea|button)[^>]*\bname="([^"]+)"')
# Sign-in failures are counted on purpose even though the answer is a 422 (per-account lockout), and audited.
NOT_COMPARED = {("users", "failed_logins"), ("users", "locked_until")}
NOT_COMPARED_ROWS = {"audit_events": lambda table: table.c.action != "auth.sign_in_failed"}

HOSTILE = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Zl", "Zp"]), max_size=20),
    st.binary(max_size=40),  # not UTF-8 at all
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "99999999999999999999999", "2026-02-30", "true",
                     "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "../../etc/passwd", "%00", "[]", "{}",
                     "A" * 200_000]),
)
FIELD = st.one_of(st.none(), HOSTILE, st.lists(HOSTILE, min_size=2, max_size=3))  # missing, one, or repeated


@dataclass(frozen=True)
class Target:
    """A form: who posts it, where, and the page it is on."""

    name: str
    role: str
    post: str
    page: str
    upload: bool = False


def _targets(ids: dict) -> list[Target]:
    c, a, r, u, s, t = ids["cohort"], ids["attempt"], ids["run"], ids["trainee"], ids["serial"], ids["token"]
    return [
        Target("register", "visitor", "/register", "/register"),
        Target("sign-in", "visitor", "/login", "/login"),
        Target("set-password", "visitor", f"/set-password/{t}", f"/set-password/{t}"),
        Target("account", "trainee", "/account", "/account"),
        Target("account-time-zone", "trainee", "/account/time-zone", "/account"),
        Target("lesson-complete", "trainee", "/modules/basics/lessons/first/complete",
               "/modules/basics/lessons/first?note=read"),
        Target("quiz-attempt", "trainee", f"/attempts/{a}", f"/attempts/{a}"),
        Target("scenario-decision", "trainee", f"/scenario-runs/{r}", f"/scenario-runs/{r}"),
        Target("cohort-create", "trainer", "/trainer/cohorts/new", "/trainer/cohorts/new"),
        Target("cohort-edit", "trainer", f"/trainer/cohorts/{c}/edit", f"/trainer/cohorts/{c}/edit"),
        Target("invite", "trainer", f"/trainer/cohorts/{c}/invite", f"/trainer/cohorts/{c}/invite"),
        Target("co-trainer", "trainer", f"/trainer/cohorts/{c}/trainers", f"/trainer/cohorts/{c}"),
        Target("csv-import", "trainer", f"/trainer/cohorts/{c}/import", f"/trainer/cohorts/{c}/import", upload=True),
        Target("admin-role", "admin", f"/admin/users/{u}/role", "/admin/users"),
        Target("admin-active", "admin", f"/admin/users/{u}/active", "/admin/users"),
        Target("admin-settings", "admin", "/admin/settings", "/admin/settings"),
        Target("certificate-revoke", "admin", f"/admin/certificates/{s}/revoke", f"/admin/certificates/{s}"),
        Target("verify-form", "visitor", "/verify", "/verify"),
        Target("credential-upload", "visitor", "/verify", "/verify", upload=True),
    ]


def _world(app, make_user, make_cohort) -> tuple[dict, dict]:
    """Accounts, a cohort, an open quiz attempt, a scenario run, a certificate and a password link."""
    admin, trainer = make_user(Role.ADMIN), make_user(Role.TRAINER)
    trainee, learner = make_user(Role.TRAINEE), make_user(Role.TRAINEE)
    cohort = make_cohort(trainer, members=[trainee])
    clients = {"visitor": app.test_client(), "admin": signed_in(app, admin), "trainer": signed_in(app, trainer)}
    graduate = signed_in(app, learner)
    complete_course(graduate, app)
    with app.app_context():
        from course.models import Certificate  # noqa: PLC0415
        serial = db.session.scalar(select(Certificate.serial))
        token, row = new_password_token(trainee.id, "set")
        db.session.add(row)
        db.session.commit()
    clients["trainee"] = signed_in(app, trainee)
    quiz = clients["trainee"].post("/modules/basics/quiz/start",
                                   data={"csrf_token": csrf_token(clients["trainee"], "/modules/basics/quiz")})
    attempt = int(re.search(r"/attempts/(\d+)", quiz.headers["Location"]).group(1))
    run_page = clients["trainee"].post("/modules/practice/scenario/start",
                                      data={"csrf_token": csrf_token(clients["trainee"], "/modules/practice/scenario")})
    run = int(re.search(r"/scenario-runs/(\d+)", run_page.headers["Location"]).group(1))
    ids = {"cohort": cohort.id, "attempt": attempt, "run": run, "trainee": trainee.id, "serial": serial,
           "token": token}
    return clients, ids


def snapshot(app) -> str:
    """A digest of every row of every table (bar the sign-in failure counters and their audit events)."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in Model.metadata.sorted_tables:
            columns = [c for c in table.columns if (table.name, c.name) not in NOT_COMPARED]
            query = select(*columns).order_by(*table.primary_key.columns)
            if table.name in NOT_COMPARED_ROWS:
                query = query.where(NOT_COMPARED_ROWS[table.name](table))
            for row in db.session.execute(query):
                digest.update(repr(tuple(row)).encode())
            digest.update(table.name.encode())
    return digest.hexdigest()


def _as_bytes(value) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


def _post(client, target: Target, token: str, fields: dict, upload: bytes | None):
    if target.upload:
        data = {name: _as_bytes(v[0] if isinstance(v, list) else v).decode("latin-1")
                for name, v in fields.items() if v is not None}
        name = "file" if "import" in target.post else "credential_file"
        data.update({"csrf_token": token, name: (io.BytesIO(upload or b""), "upload.csv")})
        return client.post(target.post, data=data, content_type="multipart/form-data")
    pairs = [("csrf_token", token)]
    for name, value in fields.items():
        for one in value if isinstance(value, list) else ([] if value is None else [value]):
            pairs.append((name, _as_bytes(one)))
    return client.post(target.post, data=urlencode(pairs), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def fuzz_app(make_app):
    return make_app(AUTH_RATE_LIMIT="100000/minute", VERIFY_RATE_LIMIT="100000/minute")


TARGET_NAMES = [t.name for t in _targets({k: 1 for k in ("cohort", "attempt", "run", "trainee", "serial", "token")})]


@pytest.mark.parametrize("target_name", TARGET_NAMES)
def test_no_form_input_causes_a_500_or_a_half_change(fuzz_app, make_user, make_cohort, target_name):
    clients, ids = _world(fuzz_app, make_user, make_cohort)
    target = next(t for t in _targets(ids) if t.name == target_name)
    client = clients[target.role]
    page = client.get(target.page)
    assert page.status_code == 200, (target.page, page.status_code)
    names = sorted(set(NAME.findall(page.get_data(as_text=True))) - {"csrf_token"}) or ["value"]
    token = csrf_token(client, target.page)

    @settings(max_examples=20, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(fields=st.fixed_dictionaries({name: FIELD for name in names}),
           extra=st.dictionaries(st.text(min_size=1, max_size=10), HOSTILE, max_size=2),
           upload=st.one_of(st.binary(max_size=2000), st.sampled_from([
               b"email,name\n<script>x</script>@a.example,\"<img src=x onerror=alert(1)>\"\n",
               b"\xff\xfe\x00garbage", b"email,name,badge_number\n" + b"a,b,c\n" * 10])))
    def check(fields, extra, upload):
        before = snapshot(fuzz_app)
        response = _post(client, target, token, {**extra, **fields}, upload)
        assert response.status_code < 500, (target.name, response.status_code)
        if response.status_code >= 400:
            body = response.get_data(as_text=True)
            assert re.search(r"error|not|too|please|could|must|enter|choose|invalid|expired|required", body,
                             re.IGNORECASE), body[:500]
            assert snapshot(fuzz_app) == before, (target.name, response.status_code)

    check()


def test_uploads_over_the_size_limits_are_refused(fuzz_app, make_user, make_cohort):
    clients, ids = _world(fuzz_app, make_user, make_cohort)
    trainer, visitor = clients["trainer"], clients["visitor"]
    big_csv = b"email,name\n" + b"x@academy.example,X\n" * (2 * 1024 * 1024 // 20 + 10)
    before = snapshot(fuzz_app)
    response = trainer.post(f"/trainer/cohorts/{ids['cohort']}/import", content_type="multipart/form-data",
                            data={"csrf_token": csrf_token(trainer, f"/trainer/cohorts/{ids['cohort']}/import"),
                                  "file": (io.BytesIO(big_csv), "big.csv"), "output": "page"})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    big_credential = b"e" * (64 * 1024 + 1)
    response = visitor.post("/verify", content_type="multipart/form-data",
                            data={"csrf_token": csrf_token(visitor, "/verify"),
                                  "credential_file": (io.BytesIO(big_credential), "big.jwt")})
    assert 400 <= response.status_code < 500
    assert "64" in response.get_data(as_text=True) or "too large" in response.get_data(as_text=True).lower()
    assert snapshot(fuzz_app) == before


# Every route of the app, as every role: hostile path parameters, query and form values. -------------------------

HOSTILE_PATH = st.one_of(
    st.sampled_from(["0", "-1", "2147483648", "9" * 30, "9" * 5000, "²", "٣", "\x00", "%00", "..", "a" * 3000,
                     "<script>alert(1)</script>", "' OR 1=1 --", "\u202eevil", "NaN"]),
    st.text(min_size=1, max_size=30),
)
# Field names no page shows, but a forged request may send.
EXTRA_FIELDS = ["value", "answer", "action", "page", "active", "role", "choice", "step", "q1", "q1-0", "q99",
                "credential_text", "language", "next", "output", "send_email", "member_limit", "regenerate"]


def _route_world(app, make_user, make_cohort) -> tuple[dict, dict]:
    """The form fuzz world, plus the rest of what a route can name: a lesson, a content version, an invitation."""
    clients, ids = _world(app, make_user, make_cohort)
    with app.app_context():
        from course.models import Cohort, CohortInvitation, ContentVersion, User  # noqa: PLC0415
        trainer = db.session.scalar(select(User).where(User.role == "trainer"))
        cohort = db.session.get(Cohort, ids["cohort"])
        invitee = db.session.scalar(select(User).where(User.role == "trainee", User.id != ids["trainee"]))
        invitation = CohortInvitation(cohort_id=cohort.id, user_id=invitee.id, invited_by_id=trainer.id)
        db.session.add(invitation)
        db.session.commit()
        version = db.session.scalar(select(ContentVersion))
        from course.models import LtiPlatform  # noqa: PLC0415
        platform = LtiPlatform(name="LMS", issuer="https://lms.example", client_id="c", deployment_ids=["d"],
                               auth_login_url="https://lms.example/a", auth_token_url="https://lms.example/t",
                               key_set_url="https://lms.example/k")
        db.session.add(platform)
        db.session.commit()
        ids.update(code=cohort.invite_code, version=version.id, content_hash=version.content_hash,
                   invitation=invitation.id, platform=platform.id)
    return clients, ids


def _valid_args(ids: dict) -> dict:
    return {"cohort_id": ids["cohort"], "attempt_id": ids["attempt"], "run_id": ids["run"], "user_id": ids["trainee"],
            "serial": ids["serial"], "token": ids["token"], "code": ids["code"], "version_id": ids["version"],
            "invitation_id": ids["invitation"], "slug": "basics", "lesson_slug": "first", "file_format": "json",
            "filename": "css/site.css", "content_hash": ids["content_hash"], "kid": "no-such-key", "number": 0,
            "platform_id": ids["platform"], "trainee_id": ids["trainee"], "token_id": 1, "message_id": 1,
            "endpoint_id": 1}


def _url(rule, args: dict) -> str:
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(r"<[^>]*\b" + name + ">", quote(str(args[name]), safe=""), url)
    return url


def _routes(app) -> list[tuple]:
    """Every (rule, method) of the app; signing out last, so the role keeps its session for the rest."""
    pairs = [(rule, method) for rule in app.url_map.iter_rules()
             for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(pairs, key=lambda pair: (pair[0].endpoint == "auth.logout", pair[0].rule, pair[1]))


def _integrity_problems(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            checked = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            return [c for c in checked if c != "ok"] + connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        return connection.exec_driver_sql("SELECT conname FROM pg_constraint WHERE NOT convalidated").all()


def _acceptable(response) -> bool:
    """No 5xx, except the documented 503, which always says when to retry."""
    return response.status_code < 500 or (response.status_code == 503 and "Retry-After" in response.headers)


# Values that broke routes before (F4), tried on every path parameter and every form field of every route.
KNOWN_BAD = ["2147483648", "9" * 30, "9" * 5000, "²", "\x00", "a" * 3000]


def _send(client, token: str, method: str, url: str, fields: dict, query: dict):
    if method == "GET":
        response = client.get(url, query_string=query)
    else:
        pairs = [("csrf_token", token)] + [(name, _as_bytes(one)) for name, value in fields.items()
                                           for one in (value if isinstance(value, list) else
                                                       [] if value is None else [value])]
        response = client.post(url, query_string=query, data=urlencode(pairs),
                               content_type="application/x-www-form-urlencoded")
    response.close()  # a streamed export is closed as a browser would
    return response


def _known_bad_requests(rule, method: str, names: list[str], valid: dict):
    """(url, fields, query) for each known-bad value in each path parameter, then in every field and `page`."""
    for name in rule.arguments:
        for bad in KNOWN_BAD:
            yield _url(rule, {**valid, name: bad}), {}, {}
    for bad in KNOWN_BAD:
        yield _url(rule, valid), dict.fromkeys(names + EXTRA_FIELDS, bad), {"page": bad}


def _route_check(client, token: str, rule, method: str, names: list[str], valid: dict, role: str):
    """A Hypothesis test sending random hostile path parameters, a page number and form fields to one route."""

    @settings(max_examples=3, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(args=st.fixed_dictionaries({name: st.one_of(st.just(valid[name]), HOSTILE_PATH) for name in rule.arguments}),
           fields=st.dictionaries(st.sampled_from(names + EXTRA_FIELDS), FIELD, max_size=6),
           page_arg=st.one_of(st.none(), HOSTILE))
    def check(args, fields, page_arg):
        url = _url(rule, args)
        response = _send(client, token, method, url, fields, {} if page_arg is None else {"page": _as_bytes(page_arg)})
        assert _acceptable(response), (role, method, url[:200], response.status_code)

    return check


@pytest.mark.parametrize("role", ["visitor", "trainee", "trainer", "admin"])
def test_no_route_answers_hostile_input_with_a_5xx(fuzz_app, make_user, make_cohort, role):
    clients, ids = _route_world(fuzz_app, make_user, make_cohort)
    client, valid = clients[role], _valid_args(ids)
    token = csrf_token(client, "/login" if role == "visitor" else "/account")
    for rule, method in _routes(fuzz_app):
        page = client.get(_url(rule, valid)) if "GET" in rule.methods and rule.endpoint != "static" else None
        html = page.get_data(as_text=True) if page is not None and page.mimetype == "text/html" else ""
        if page is not None:
            page.close()
        names = sorted(set(NAME.findall(html)) - {"csrf_token"})
        for url, fields, query in _known_bad_requests(rule, method, names, valid):
            response = _send(client, token, method, url, fields, query)
            assert _acceptable(response), (role, method, url[:200], response.status_code)
        _route_check(client, token, rule, method, names, valid, role)()
    assert _integrity_problems(fuzz_app) == []
