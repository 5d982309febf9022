"""What every signed-in request does once per process instead of every time, and that it stays correct:
the session cookie's verification, the signed CSRF token, the signed-in user's ORM object."""

import time

from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from course.auth.services import KEPT_USERS
from course.core.security import SIGNED_CSRF, VERIFIED_SESSIONS
from course.extensions import db
from course.models import Certificate, Role, User
from tests.conftest import csrf_token, signed_in


def counting_loads(monkeypatch) -> list:
    calls = []
    original = URLSafeTimedSerializer.loads

    def loads(self, *args, **kwargs):
        calls.append(self.salt)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(URLSafeTimedSerializer, "loads", loads)
    return calls


def test_a_session_cookie_is_verified_once_per_process_while_it_is_valid(app, make_user, monkeypatch):
    client = signed_in(app, make_user())
    for _ in range(2):  # the first pages after signing in may still settle the session (a new cookie)
        assert client.get("/modules/basics").status_code == 200
    calls = counting_loads(monkeypatch)
    for _ in range(3):
        page = client.get("/modules/basics")
        assert page.status_code == 200
        assert "Sign out" in page.text
    assert calls == []  # the same cookie: verified when it was first seen, not again
    # Past the session's lifetime the kept verification does not count: the cookie is refused as itsdangerous would.
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    assert client.get("/modules/basics").headers["Location"].startswith("/login")


def test_a_kept_session_is_copied_for_each_request_and_a_tampered_cookie_is_refused(app):
    serializer = app.session_interface.get_signing_serializer(app)
    cookie = serializer.dumps({"_flashes": [["info", "Saved."]], "locale": "ko"})
    with app.test_request_context(headers={"Cookie": f"session={cookie}"}) as context:
        first = app.session_interface.open_session(app, context.request)
        first["_flashes"].append(["error", "changed by this request"])
        first["locale"] = "en"
        second = app.session_interface.open_session(app, context.request)
        assert dict(second) == {"_flashes": [["info", "Saved."]], "locale": "ko"}
        assert len(app.extensions[VERIFIED_SESSIONS]) == 1
    tampered = cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB")
    with app.test_request_context(headers={"Cookie": f"session={tampered}"}) as context:
        assert dict(app.session_interface.open_session(app, context.request)) == {}


def test_a_signed_csrf_token_serves_a_minute_of_pages_then_is_signed_afresh(app, make_user, monkeypatch):
    client, other = signed_in(app, make_user()), signed_in(app, make_user())
    now = time.time()
    first = csrf_token(client, "/account")
    monkeypatch.setattr(time, "time", lambda: now + 30)  # itsdangerous would stamp a new token by now
    assert csrf_token(client, "/account") == first
    assert csrf_token(other, "/account") != first  # another session, another token
    chosen = client.post("/language", data={"locale": "en", "next": "/account", "csrf_token": first})
    assert chosen.status_code == 302
    monkeypatch.setattr(time, "time", lambda: now + 95)
    renewed = csrf_token(client, "/account")
    assert renewed != first
    assert client.post("/language", data={"locale": "en", "csrf_token": renewed}).status_code == 302
    assert renewed in {token for _signed_at, token in app.extensions[SIGNED_CSRF].values()}


def test_the_signed_in_user_is_read_from_its_row_each_request_without_an_orm_load(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    assert client.get("/").status_code == 200
    queried = []

    def listener(state):
        if state.is_select and inspect(User) in state.all_mappers:
            queried.append(str(state.statement))

    event.listen(Session, "do_orm_execute", listener)
    try:
        assert "Sign out" in client.get("/modules/basics").text
        assert "Sign out" in client.get("/").text
    finally:
        event.remove(Session, "do_orm_execute", listener)
    assert queried == []  # taken in from the kept copy, not built by an ORM query
    assert user.id in app.extensions[KEPT_USERS]


def test_a_change_to_the_account_elsewhere_counts_on_the_next_request(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    assert client.get("/trainer").status_code == 403
    with app.app_context():  # another worker or an admin's request changes the row
        db.session.execute(update(User).where(User.id == user.id).values(role=Role.TRAINER.value))
        db.session.commit()
    assert client.get("/trainer").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))
        db.session.commit()
    assert client.get("/trainer").headers["Location"].startswith("/login")


def test_the_kept_user_can_be_changed_and_saved_like_any_loaded_one(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    client.get("/")
    token = csrf_token(client, "/account")
    assert client.post("/language", data={"locale": "ko", "next": "/", "csrf_token": token}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User.locale).where(User.id == user.id)) == "ko"
    page = client.get("/")
    assert 'lang="ko"' in page.text


def test_a_pages_strings_are_translated_without_looking_up_the_catalogue_each_time(app, make_user, monkeypatch):
    from course.core import template_gettext

    client = signed_in(app, make_user())
    client.get("/modules/basics")
    lookups = []
    original = template_gettext.translations

    def counted():
        lookups.append(1)
        return original()

    monkeypatch.setattr(template_gettext, "translations", counted)
    page = client.get("/modules/basics")
    assert "By the end of this module you will be able to" in page.text
    assert "Go to the quiz" in page.text
    assert len(lookups) <= 3  # once for the page's context (the rest from macros imported without it), not per string
    client.post("/language", data={"locale": "ko", "csrf_token": csrf_token(client, "/account")})
    korean = client.get("/modules/basics").text
    assert "Go to the quiz" not in korean  # each render is bound to its own request's catalogue


def kept_progress(app, user) -> object:
    from course.core.progress import KEPT_PROGRESS

    return app.extensions[KEPT_PROGRESS][user.id][2]


def snapshot(progress) -> str:
    """Everything a kept progress holds, as text (the module objects by slug)."""
    return repr([(m.module.slug, sorted(m.completed_lessons), sorted(m.visited_lessons), m.quiz, m.scenario,
                  m.status, m.steps_done) for m in progress.modules] + [progress.exam])


def test_a_trainees_progress_is_built_again_only_when_their_records_change(app, make_user):
    from tests.test_certificates import complete_module

    user = make_user()
    client = signed_in(app, user)
    client.get("/modules/basics/lessons/first?note=read")
    client.get("/modules/basics")
    first = kept_progress(app, user)
    before = snapshot(first)
    for url in ("/", "/modules/basics", "/modules/basics/lessons/first", "/modules/basics/quiz", "/certificates",
                "/review"):
        assert client.get(url).status_code in (200, 302), url
    assert kept_progress(app, user) is first  # the same records: not built again
    assert snapshot(first) == before  # and no page changed it
    complete_module(client, app, "basics", ["first", "second"])
    changed = client.get("/modules/basics").text
    assert kept_progress(app, user) is not first
    assert changed.count("✓ Completed") == 2
    assert "Passed" in changed
    other = make_user()
    signed_in(app, other).get("/modules/basics")  # another trainee: their own, from their own records
    assert kept_progress(app, other).for_module("basics").completed_lessons == frozenset()


def test_the_kept_progress_follows_a_new_live_version(app, make_user, tmp_path):
    from course.content.publish import sync_content
    from tests.test_content_cache import revised_content

    user = make_user()
    client = signed_in(app, user)
    client.get("/modules/basics")
    first = kept_progress(app, user)
    with app.app_context():
        sync_content(db.session, revised_content(tmp_path))
        db.session.commit()
    client.get("/modules/basics")
    assert kept_progress(app, user) is not first
    assert kept_progress(app, user).version.content_hash != first.version.content_hash


def test_the_kept_progress_is_bounded(app, make_user, monkeypatch):
    from course.core import progress

    monkeypatch.setattr(progress, "KEPT_LIMIT", 2)
    for _ in range(3):
        signed_in(app, make_user()).get("/modules/basics")
    assert len(app.extensions[progress.KEPT_PROGRESS]) <= 2


def test_a_dashboard_without_a_certificate_runs_no_orm_query_of_certificates(app, make_user):
    from tests.test_certificates import complete_course

    def orm_certificate_queries(client) -> int:
        queries = []

        def seen(state):
            if state.is_select and any(d.get("entity") is Certificate for d in state.statement.column_descriptions):
                queries.append(state.statement)

        with app.app_context():
            maker = db.sessionmaker
        event.listen(maker, "do_orm_execute", seen)
        try:
            page = client.get("/")
        finally:
            event.remove(maker, "do_orm_execute", seen)
        assert page.status_code == 200
        return len(queries)

    user = make_user()
    client = signed_in(app, user)
    assert orm_certificate_queries(client) == 0  # one prepared read found none
    assert "Your certificate" not in client.get("/").text
    complete_course(client, app)
    assert orm_certificate_queries(client) == 1  # then the certificate itself, by its id
    with app.app_context():
        serial = db.session.scalar(select(Certificate.serial).where(Certificate.user_id == user.id))
    shown = client.get("/").text
    assert "Your certificate" in shown
    assert serial in shown


def test_a_standings_rebuild_for_a_trainee_without_a_certificate_runs_no_orm_query_of_certificates(app, make_user):
    from course.models import TraineeStanding

    queries = []

    def seen(state):
        if state.is_select and any(d.get("entity") is Certificate for d in state.statement.column_descriptions):
            queries.append(state.statement)

    user = make_user()
    client = signed_in(app, user)
    with app.app_context():
        maker = db.sessionmaker
    event.listen(maker, "do_orm_execute", seen)
    try:
        page = client.get("/modules/basics/lessons/first?note=read")  # the first visit: the module is now started
    finally:
        event.remove(maker, "do_orm_execute", seen)
    assert page.status_code == 200
    assert queries == []  # core/records.certificate_summary_of: one prepared read found none
    with app.app_context():
        standing = db.session.get(TraineeStanding, user.id)
        assert standing.started
        assert standing.certificate_id is None
