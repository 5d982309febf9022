"""Finding people academy-wide, and correcting a name or email (audited; the certificate reissued)."""

import io
import re
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import insert, select

from course.extensions import db
from course.models import UNUSABLE_PASSWORD, AuditEvent, Certificate, Role, User
from tests.certificate_steps import certificate, earn_certificate, revoke
from tests.conftest import post_form, signed_in

# --- Finding people -------------------------------------------------------------------------------------------


def seed_trainees(app, count: int) -> None:
    """`count` trainees in one statement: "Trainee 00001" <t00001@police.example>, badge B-00001."""
    rows = [{"email": f"t{n:05d}@police.example", "name": f"Trainee {n:05d}", "badge_number": f"B-{n:05d}",
             "password_hash": UNUSABLE_PASSWORD, "role": "trainee"} for n in range(1, count + 1)]
    rows += [{"email": f"kim{n}@police.example", "name": f"김민지 {n}", "badge_number": None,
              "password_hash": UNUSABLE_PASSWORD, "role": "trainee"} for n in range(1, 8)]
    with app.app_context():
        db.session.execute(insert(User), rows)
        db.session.commit()


def names(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/admin/users/\d+">([^<]+)</a></th>', page)


def test_search_finds_by_name_email_or_badge_among_ten_thousand(app, make_user):
    seed_trainees(app, 10_000)
    client = signed_in(app, make_user(Role.ADMIN))
    assert names(client.get("/admin/users?q=B-04242").get_data(as_text=True)) == ["Trainee 04242"]
    assert names(client.get("/admin/users?q=b-04242").get_data(as_text=True)) == ["Trainee 04242"]
    assert names(client.get("/admin/users?q=T09999@POLICE.example").get_data(as_text=True)) == ["Trainee 09999"]
    assert names(client.get("/admin/users?q=trainee 0777").get_data(as_text=True)) == [
        f"Trainee 0777{n}" for n in range(10)]
    assert names(client.get("/admin/users?q=민지").get_data(as_text=True)) == [f"김민지 {n}" for n in range(1, 8)]
    assert names(client.get("/admin/users?q=nobody-like-this").get_data(as_text=True)) == []
    first = client.get("/admin/users?q=police.example").get_data(as_text=True)
    assert len(names(first)) == 50
    assert "page=2" in first
    last = client.get("/admin/users?q=police.example&page=201").get_data(as_text=True)
    assert len(names(last)) == 10_007 - 200 * 50
    assert "page=202" not in last


def test_an_exact_email_or_badge_comes_first(app, make_user):
    seed_trainees(app, 120)
    client = signed_in(app, make_user(Role.ADMIN))
    page = client.get("/admin/users?q=t00011@police.example").get_data(as_text=True)
    assert names(page) == ["Trainee 00011"]
    with app.app_context():
        db.session.execute(insert(User), [{"email": "aaa-b-00100@other.example", "name": "Aaron B-00100 Fan",
                                           "password_hash": UNUSABLE_PASSWORD, "role": "trainee"}])
        db.session.commit()
    assert names(client.get("/admin/users?q=B-00100").get_data(as_text=True)) == ["Trainee 00100", "Aaron B-00100 Fan"]


def test_wildcards_in_the_search_are_taken_literally(app, make_user):
    seed_trainees(app, 30)
    client = signed_in(app, make_user(Role.ADMIN))
    assert names(client.get("/admin/users?q=%25").get_data(as_text=True)) == []
    assert names(client.get("/admin/users?q=_").get_data(as_text=True)) == []


@pytest.mark.parametrize("query", ["", "q=trainee", "q=B-00007", "q=t00007@police.example&role=trainee"])
def test_the_search_runs_the_same_queries_at_ten_or_ten_thousand(app, make_user, count_queries, query):
    admin = signed_in(app, make_user(Role.ADMIN))
    seed_trainees(app, 10)
    admin.get(f"/admin/users?{query}")
    with count_queries() as small:
        admin.get(f"/admin/users?{query}")
    seed_trainees_from = 11
    with app.app_context():
        db.session.execute(insert(User), [
            {"email": f"x{n:05d}@police.example", "name": f"Trainee X{n:05d}", "badge_number": f"X-{n:05d}",
             "password_hash": UNUSABLE_PASSWORD, "role": "trainee"} for n in range(seed_trainees_from, 10_000)])
        db.session.commit()
    with count_queries() as large:
        admin.get(f"/admin/users?{query}")
    assert len(large) == len(small)
    [search] = [s for s in large if "lower(users.name)" in s or "ORDER BY users.name" in s]
    assert "LIMIT" in search  # one page is read, never the academy


def test_the_search_is_for_admins_only(app, make_user):
    client = signed_in(app, make_user(Role.TRAINER))
    assert client.get("/admin/users?q=a").status_code == 403


# --- Correcting a name or email -------------------------------------------------------------------------------


def events(app, action):
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def correct(client, url, form_url, **data):
    payload = {f"identity-{key}": value for key, value in data.items()}
    return post_form(client, url, payload, form_url=form_url)


def test_an_admin_corrects_a_misspelled_name_and_the_certificate_is_reissued(app, make_user):
    trainee = make_user(name="Kim Minjj", email="minji@police.example")
    old = earn_certificate(signed_in(app, trainee), app)
    admin = signed_in(app, make_user(Role.ADMIN))
    page = f"/admin/users/{trainee.id}"
    response = correct(admin, f"{page}/identity", page, name="Kim  Minji", email="minji@police.example",
                       reason="Misspelled in the import")
    assert response.status_code == 302
    shown = admin.get(page).get_data(as_text=True)
    [event] = events(app, "user.identity_corrected")
    assert event.details == {"reason": "Misspelled in the import", "name": {"old": "Kim Minjj", "new": "Kim Minji"}}
    old_now = certificate(app, old.serial)
    new = old_now.superseded_by
    assert new.recipient_name == "Kim Minji"
    assert f"reissued as {new.serial}" in shown
    assert (new.sequence, new.expires_at, new.modules, new.credit_hours) == (
        old.sequence + 1, old.expires_at, old.modules, old.credit_hours)
    assert old_now.recipient_name == "Kim Minjj"  # never edited
    [reissue] = events(app, "certificate.reissued")
    assert reissue.details["supersedes"] == old.serial
    verify = admin.get(f"/verify/{old.serial}").get_data(as_text=True)
    assert "by a reissue with corrected details" in verify
    assert f"/verify/{new.serial}" in verify
    assert "Superseded by a renewal" not in verify
    assert "Valid" in admin.get(f"/verify/{new.serial}").get_data(as_text=True)
    old_pdf = PdfReader(io.BytesIO(admin.get(f"/certificates/{old.serial}/certificate.pdf").data))
    assert "by a reissue with corrected details" in old_pdf.pages[0].extract_text()
    new_pdf = PdfReader(io.BytesIO(admin.get(f"/certificates/{new.serial}/certificate.pdf").data))
    assert "Kim Minji" in new_pdf.pages[0].extract_text()


def test_an_email_another_account_holds_is_refused_and_nothing_changes(app, make_user):
    make_user(email="taken@police.example")
    trainee = make_user(name="Lee", email="lee@police.example")
    admin = signed_in(app, make_user(Role.ADMIN))
    page = f"/admin/users/{trainee.id}"
    response = correct(admin, f"{page}/identity", page, name="Lee Jiwoo", email="TAKEN@police.example", reason="r")
    assert response.status_code == 409
    assert "Another account already uses that email." in response.get_data(as_text=True)
    bad = correct(admin, f"{page}/identity", page, name="Lee", email="not an email", reason="r")
    assert bad.status_code == 422
    override = correct(admin, f"{page}/identity", page, name="Lee\u202eevil", email="lee@police.example", reason="r")
    assert override.status_code == 409
    no_reason = correct(admin, f"{page}/identity", page, name="Lee Jiwoo", email="lee@police.example", reason=" ")
    assert no_reason.status_code == 422
    with app.app_context():
        user = db.session.get(User, trainee.id)
        assert (user.name, user.email) == ("Lee", "lee@police.example")
    assert events(app, "user.identity_corrected") == []


def test_an_email_correction_is_normalised_and_the_person_signs_in_with_it(app, make_user):
    trainee = make_user(email="old@police.example")
    admin = signed_in(app, make_user(Role.ADMIN))
    page = f"/admin/users/{trainee.id}"
    correct(admin, f"{page}/identity", page, name=trainee.name, email="  New@Police.example ", reason="Typo")
    [event] = events(app, "user.identity_corrected")
    assert event.details["email"] == {"old": "old@police.example", "new": "new@police.example"}
    signed_in(app, SimpleNamespace(email="new@police.example"))


def test_a_revoked_certificate_is_not_reissued(app, make_user):
    trainee = make_user(name="Park Sojn")
    cert = earn_certificate(signed_in(app, trainee), app)
    admin_user = make_user(Role.ADMIN)
    revoke(signed_in(app, admin_user), cert.serial)
    admin = signed_in(app, admin_user)
    page = f"/admin/users/{trainee.id}"
    correct(admin, f"{page}/identity", page, name="Park Sojin", email=trainee.email, reason="typo")
    with app.app_context():
        assert db.session.scalar(select(Certificate).where(Certificate.sequence == 2)) is None


def test_a_trainer_corrects_their_own_trainees_only(app, make_user, make_cohort):
    trainer, stranger = make_user(Role.TRAINER), make_user(Role.TRAINER)
    trainee, colleague = make_user(name="Choi Yuna"), make_user(Role.TRAINER, name="Co Trainer")
    cohort = make_cohort(trainer, [trainee, colleague])
    record = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}"
    own = signed_in(app, trainer)
    assert correct(own, f"{record}/identity", record, name="Choi Yoona", email=trainee.email,
                   reason="Asked by the trainee").status_code == 302
    assert "Choi Yoona" in own.get(record).get_data(as_text=True)
    other = signed_in(app, stranger)
    assert correct(other, f"{record}/identity", "/trainer/", name="X", email=trainee.email,
                   reason="r").status_code == 404
    colleague_record = f"/trainer/cohorts/{cohort.id}/trainees/{colleague.id}"
    assert correct(own, f"{colleague_record}/identity", record, name="X", email=colleague.email,
                   reason="r").status_code == 403
    assert correct(signed_in(app, trainee), f"/admin/users/{trainee.id}/identity", "/", name="X",
                   email=trainee.email, reason="r").status_code == 403


def test_a_re_import_with_another_spelling_points_to_the_correction_and_changes_nothing(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    trainee = make_user(name="Kim Minjj", email="minji@police.example")
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainer)
    url = f"/trainer/cohorts/{cohort.id}/import"
    data = {"file": (io.BytesIO(b"email,name\nminji@police.example,Kim Minji\n"), "roster.csv"), "output": "page"}
    page = post_form(client, url, data, content_type="multipart/form-data").get_data(as_text=True)
    assert "Already in this cohort, as “Kim Minjj”" in page
    assert "correct the name on the trainee&#39;s record" in page
    with app.app_context():
        assert db.session.get(User, trainee.id).name == "Kim Minjj"
