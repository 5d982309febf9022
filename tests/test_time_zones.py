"""Each user's time zone (else the academy's): chosen on the account page, used for every time shown, never for
due dates, and for the times in emails."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, Certificate, Notice, NoticeKind, QuizAttempt, Role, User, utcnow
from course.reminders.messages import Batch, notice_message
from tests.certificate_steps import earn_certificate
from tests.conftest import post_form, signed_in


def zone_of(app, user) -> str | None:
    with app.app_context():
        return db.session.get(User, user.id).time_zone


def choose_zone(client, zone: str):
    return post_form(client, "/account/time-zone", {"time_zone": zone}, form_url="/account")


def test_the_account_page_offers_every_zone_and_saves_the_choice(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    page = client.get("/account").get_data(as_text=True)
    assert '<label for="time_zone">Time zone</label>' in page
    assert '<option value="Asia/Seoul">Asia/Seoul (UTC+09:00)</option>' in page
    assert '<option selected value="">The academy&#39;s time zone (UTC)</option>' in page
    assert '<option value="America/Argentina/Ushuaia">' in page  # every zone, not only the common ones
    assert "Times are shown in UTC now." in page
    response = choose_zone(client, "Asia/Seoul")
    assert response.status_code == 302
    assert zone_of(app, user) == "Asia/Seoul"
    page = client.get("/account").get_data(as_text=True)
    assert "Times are shown in Asia/Seoul now." in page
    assert '<option selected value="Asia/Seoul">' in page
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "account.time_zone_changed")).all()
    assert [e.details["time_zone"] for e in events] == ["Asia/Seoul"]
    assert choose_zone(client, "").status_code == 302  # back to the academy's zone
    assert zone_of(app, user) is None


def test_a_zone_that_does_not_exist_is_refused_and_nothing_is_written(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    assert choose_zone(client, "Asia/Seoul").status_code == 302
    for bad in ("Mars/Olympus_Mons", "asia/seoul", "../../etc/passwd", "Asia/Seoul" + "x" * 200, "localtime"):
        response = choose_zone(client, bad)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, bad
        assert "Choose a time zone from the list." in html
        assert 'aria-invalid="true"' in html
        assert zone_of(app, user) == "Asia/Seoul"
    forged = client.post("/account/time-zone", data={"time_zone": "UTC"})  # no CSRF token
    assert forged.status_code == 400
    assert zone_of(app, user) == "Asia/Seoul"


def test_the_attempt_page_shows_the_deadline_in_the_user_s_zone(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    choose_zone(client, "Asia/Seoul")
    response = post_form(client, "/modules/basics/quiz/start", form_url="/modules/basics/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    deadline = (utcnow() + timedelta(minutes=30)).replace(second=0, microsecond=0)
    with app.app_context():
        db.session.get(QuizAttempt, attempt_id).deadline_at = deadline
        db.session.commit()
    page = client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    seoul = deadline.astimezone(ZoneInfo("Asia/Seoul")).strftime("%H:%M")
    assert f"Time limit: ends at {seoul} Asia/Seoul (about" in page
    assert deadline.strftime("%H:%M") + " UTC" not in page
    # The attempts table names the zone of its times too.
    intro = client.get("/modules/basics/quiz").get_data(as_text=True)
    assert "Asia/Seoul</td>" in intro


def test_an_admin_sets_the_academy_zone_for_everyone_who_has_not_chosen(app, make_user):
    admin, trainee, own = make_user(Role.ADMIN), make_user(), make_user()
    staff = signed_in(app, admin)
    settings = staff.get("/admin/settings").get_data(as_text=True)
    assert '<label for="time_zone">Default time zone</label>' in settings
    refused = post_form(staff, "/admin/settings", {"time_zone": "Nowhere/Land"})
    assert refused.status_code == 422
    assert "Choose a time zone from the list." in refused.get_data(as_text=True)
    assert post_form(staff, "/admin/settings", {"time_zone": "Asia/Seoul"}).status_code == 302
    assert "Times are shown in Asia/Seoul now." in signed_in(app, trainee).get("/account").get_data(as_text=True)
    mine = signed_in(app, own)
    choose_zone(mine, "Europe/London")
    page = mine.get("/account").get_data(as_text=True)
    assert "Times are shown in Europe/London now." in page
    assert "The academy&#39;s time zone (Asia/Seoul)" in page


def test_due_dates_are_dates_in_every_zone(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Seoul"):  # UTC+14, UTC-11, UTC+9
        trainee = make_user()
        make_cohort(trainer, [trainee], name=f"Intake {zone}", due_on=date(2031, 3, 10))
        client = signed_in(app, trainee)
        choose_zone(client, zone)
        dashboard = client.get("/").get_data(as_text=True)
        assert "due 10 March 2031" in dashboard, zone
        assert "9 March 2031" not in dashboard
        assert "11 March 2031" not in dashboard


def test_a_renewal_email_names_the_expiry_date_in_the_recipient_s_zone(app, make_user):
    app.config["MAIL_FROM"] = "academy@police.example"
    user = make_user()
    earn_certificate(signed_in(app, user), app)
    with app.test_request_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
        recipient = db.session.get(User, user.id)
        db.session.expunge_all()  # changed here only, never written
        certificate.expires_at = datetime(2031, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC"))  # 2 March 05:00 in Seoul
        notice = Notice(user_id=user.id, kind=NoticeKind.RENEWAL_DUE, subject=str(certificate.id))
        batch = Batch(academy="Test Academy", certificates={certificate.id: certificate}, time_zone="UTC")
        in_utc = notice_message(notice, recipient, batch).get_body(("plain",)).get_content()
        recipient.time_zone = "Asia/Seoul"
        in_seoul = notice_message(notice, recipient, batch).get_body(("plain",)).get_content()
        recipient.time_zone = None
        academy_seoul = notice_message(notice, recipient, Batch(academy="Test Academy", time_zone="Asia/Seoul",
                                                                certificates={certificate.id: certificate}))
    assert "It expires on March 1, 2031." in in_utc
    assert "It expires on March 2, 2031." in in_seoul
    assert "It expires on March 2, 2031." in academy_seoul.get_body(("plain",)).get_content()


def test_a_moment_s_date_is_the_reader_s_date_but_a_due_date_never_moves(app, make_user):
    user = make_user()
    client = signed_in(app, user)
    earn_certificate(client, app)
    with app.app_context():
        certificate = db.session.scalar(select(Certificate).where(Certificate.user_id == user.id))
        certificate.issued_at = datetime(2026, 3, 1, 20, 0, tzinfo=ZoneInfo("UTC"))  # 2 March 05:00 in Seoul
        db.session.commit()
    assert "Issued 1 March 2026" in client.get("/certificates").get_data(as_text=True)
    choose_zone(client, "Asia/Seoul")
    assert "Issued 2 March 2026" in client.get("/certificates").get_data(as_text=True)
