"""`flask reminders send` against a real SMTP server (aiosmtpd, started by the tests): each due email once, in
the recipient's language, plain text and HTML, failures recorded and retried, concurrent runs safe."""

from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from course.extensions import db
from course.models import (
    UNUSABLE_PASSWORD,
    Certificate,
    CohortMember,
    Notice,
    NoticeKind,
    NoticeStatus,
    Role,
    User,
    utcnow,
)
from course.reminders.deliver import send_due
from tests.certificate_steps import earn_certificate
from tests.conftest import signed_in

TODAY = date.today()


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, name="Tae Trainer")


def seed_trainees(app, cohort, count: int, locale: str | None = None, prefix: str = "officer") -> list[int]:
    """`count` trainees in `cohort`, inserted in bulk (no password hashing)."""
    with app.app_context():
        ids = list(db.session.scalars(insert(User).returning(User.id), [
            {"email": f"{prefix}{n}@police.example", "name": f"Officer {n}", "password_hash": UNUSABLE_PASSWORD,
             "role": Role.TRAINEE.value, "locale": locale} for n in range(count)]))
        db.session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": i} for i in ids])
        db.session.commit()
    return ids


def run(app, *args):
    result = app.test_cli_runner().invoke(args=["reminders", "send", *args])
    return result


def test_due_reminders_arrive_in_each_language_as_text_and_html(smtp_app, smtp_server, make_user, trainer,
                                                                 make_cohort):
    mailbox, _port = smtp_server
    english = make_user(email="en@police.example", name="Sam Rivera")
    korean = make_user(email="ko@police.example", name="박민지")
    with smtp_app.app_context():
        db.session.execute(update(User).where(User.id == korean.id).values(locale="ko"))
        db.session.commit()
    due = TODAY + timedelta(days=3)
    cohort = make_cohort(trainer, [english, korean], name="Spring intake", due_on=due)
    result = run(smtp_app)
    assert result.exit_code == 0, result.output
    assert "Sent 2, failed 0" in result.output
    [en] = mailbox.to("en@police.example")
    [ko] = mailbox.to("ko@police.example")
    assert en["From"] == "academy@academy.example"
    assert en["Subject"].startswith("Test Academy: Spring intake is due on")
    assert "마감" in ko["Subject"]
    for message in (en, ko):
        assert message.is_multipart()
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert "Test Academy" in text
        assert "Test Academy" in html
        assert "Spring intake" in text
        assert 'href="http://localhost/"' in html
    assert "Hello Sam Rivera," in en.get_body(("plain",)).get_content()
    korean_text = ko.get_body(("plain",)).get_content()
    assert "박민지 님" in korean_text
    assert "Hello" not in korean_text
    assert '<html lang="ko">' in ko.get_body(("html",)).get_content()
    link = re.search(r"http://localhost(/\S*)", en.get_body(("plain",)).get_content()).group(1)
    assert signed_in(smtp_app, english).get(link).status_code == 200
    assert run(smtp_app).output.startswith("Queued: none. Sent 0")
    assert len(mailbox.messages) == 2
    with smtp_app.app_context():
        notice = db.session.scalar(select(Notice).where(Notice.user_id == english.id))
        assert (notice.kind, notice.subject, notice.status, notice.cohort_id) == (
            NoticeKind.DUE_SOON, due.isoformat(), NoticeStatus.SENT, cohort.id)


def test_overdue_reminders_skip_trainees_who_finished(smtp_app, smtp_server, make_user, trainer, make_cohort):
    mailbox, _port = smtp_server
    late, done = make_user(email="late@police.example"), make_user(email="done@police.example")
    earn_certificate(signed_in(smtp_app, done), smtp_app)
    make_cohort(trainer, [late, done], name="Winter intake", due_on=TODAY - timedelta(days=2))
    make_cohort(trainer, [late], name="Long closed", due_on=TODAY - timedelta(days=90))
    make_cohort(trainer, [late], name="Far off", due_on=TODAY + timedelta(days=30))
    assert run(smtp_app).exit_code == 0
    [overdue] = mailbox.to("late@police.example")
    assert "Winter intake was due on" in overdue["Subject"]
    kinds = sorted(m["Subject"].split(": ", 1)[1] for m in mailbox.to("done@police.example"))
    assert kinds == ["your certificate"]  # no overdue reminder once the course is done


def test_certificate_issued_and_renewal_due_are_sent_once_per_certificate(smtp_app, smtp_server, make_user):
    mailbox, _port = smtp_server
    trainee = make_user(email="cert@police.example")
    certificate = earn_certificate(signed_in(smtp_app, trainee), smtp_app)
    assert run(smtp_app).exit_code == 0
    [issued] = mailbox.to("cert@police.example")
    text = issued.get_body(("plain",)).get_content()
    assert certificate.serial in text
    path = re.search(r"http://localhost(/certificates/\S+)", text).group(1)
    assert signed_in(smtp_app, trainee).get(path).status_code == 200
    with smtp_app.app_context():
        db.session.execute(update(Certificate).values(renewal_due_at=utcnow() - timedelta(days=1),
                                                      expires_at=utcnow() + timedelta(days=29)))
        db.session.commit()
    assert run(smtp_app).exit_code == 0
    assert run(smtp_app).exit_code == 0
    renewal = mailbox.to("cert@police.example")[1:]
    assert [m["Subject"] for m in renewal] == ["Test Academy: time to renew your certificate"]
    assert "/certificates/renewal" in renewal[0].get_body(("html",)).get_content()


def test_a_refused_recipient_is_recorded_and_retried_while_the_others_go_once(smtp_app, smtp_server, trainer,
                                                                               make_cohort):
    mailbox, _port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=5))
    seed_trainees(smtp_app, cohort, 5)
    mailbox.refuse = {"officer2@police.example"}
    assert "Sent 4, failed 1" in run(smtp_app).output
    with smtp_app.app_context():
        failed = db.session.scalar(select(Notice).where(Notice.status == NoticeStatus.FAILED))
        assert failed.attempts == 1
        assert "550" in failed.last_error
    page = signed_in(smtp_app, trainer).get(f"/trainer/cohorts/{cohort.id}/emails").get_data(as_text=True)
    assert "Failed, will retry" in page
    assert "550 5.1.1 Mailbox unavailable" in page
    mailbox.refuse = set()
    assert "Sent 1, failed 0" in run(smtp_app).output
    assert sorted(m["To"] for m in mailbox.messages) == sorted(f"officer{n}@police.example" for n in range(5))


def test_an_unreachable_server_loses_nothing(smtp_app, smtp_server, trainer, make_cohort):
    mailbox, port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=5))
    seed_trainees(smtp_app, cohort, 3)
    smtp_app.config["MAIL_PORT"] = port + 1 if port < 65535 else port - 1  # nothing listens there
    result = run(smtp_app)
    assert result.exit_code == 1
    assert "Sent 0, failed 3" in result.output
    smtp_app.config["MAIL_PORT"] = port
    assert "Sent 3, failed 0" in run(smtp_app).output
    assert len(mailbox.messages) == 3


def test_a_run_that_died_mid_send_is_retried_once_its_claim_is_stale(smtp_app, smtp_server, trainer, make_cohort):
    mailbox, _port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=5))
    first, second = seed_trainees(smtp_app, cohort, 2)
    with smtp_app.app_context():
        for user_id, claimed in ((first, utcnow() - timedelta(hours=1)), (second, utcnow())):
            db.session.add(Notice(user_id=user_id, kind=NoticeKind.DUE_SOON, subject=cohort.due_on.isoformat(),
                                  cohort_id=cohort.id, status=NoticeStatus.SENDING, claimed_by="dead-run",
                                  claimed_at=claimed))
        db.session.commit()
    assert "Sent 1, failed 0" in run(smtp_app).output
    assert [m["To"] for m in mailbox.messages] == ["officer0@police.example"]  # a fresh claim is left alone


def test_dry_run_lists_and_sends_nothing(smtp_app, smtp_server, trainer, make_cohort):
    mailbox, _port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=1))
    seed_trainees(smtp_app, cohort, 3)
    result = run(smtp_app, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "due_soon\tofficer1@police.example" in result.output
    assert "3 email(s) would be sent." in result.output
    assert mailbox.messages == []
    with smtp_app.app_context():
        assert db.session.scalar(select(func.count(Notice.id))) == 0


def test_without_smtp_settings_the_command_says_what_to_set(runner):
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 1
    assert "Set MAIL_SERVER and PUBLIC_BASE_URL" in result.output


def test_concurrent_runs_send_nothing_twice(smtp_app, smtp_server, trainer, make_cohort):
    mailbox, _port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=2))
    seed_trainees(smtp_app, cohort, 300)
    smtp_app.config["MAIL_BATCH_SIZE"] = 20
    barrier, reports, errors = threading.Barrier(2), [], []

    def one_run():
        try:
            with smtp_app.test_request_context("/", base_url="http://localhost", method="POST"):
                barrier.wait()
                reports.append(send_due(db.session, batch_size=20))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    recipients = [m["To"] for m in mailbox.messages]
    assert len(recipients) == 300
    assert len(set(recipients)) == 300
    assert sum(r.sent for r in reports) == 300


def test_a_1000_trainee_cohort_gets_each_due_email_exactly_once(smtp_app, smtp_server, trainer, make_cohort,
                                                                count_queries):
    mailbox, _port = smtp_server
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=7))
    seed_trainees(smtp_app, cohort, 1000)
    with count_queries() as statements:
        first = run(smtp_app)
    assert "Sent 1000, failed 0" in first.output
    assert len(statements) < 1000 * 2 + 200  # one UPDATE per result; reads are per batch of 100, not per email
    second = run(smtp_app)
    assert "Sent 0, failed 0" in second.output
    assert len(mailbox.messages) == 1000
    assert len({m["To"] for m in mailbox.messages}) == 1000
    with smtp_app.app_context():
        assert db.session.scalar(select(func.count(Notice.id)).where(Notice.status == NoticeStatus.SENT)) == 1000


def test_the_email_log_is_seen_by_the_cohorts_trainers_and_admins_only(smtp_app, smtp_server, make_user, trainer,
                                                                       make_cohort):
    cohort = make_cohort(trainer, due_on=TODAY + timedelta(days=2))
    seed_trainees(smtp_app, cohort, 2)
    other_cohort = make_cohort(trainer, name="Other", due_on=TODAY + timedelta(days=2))
    seed_trainees(smtp_app, other_cohort, 1, prefix="elsewhere")
    run(smtp_app)
    url = f"/trainer/cohorts/{cohort.id}/emails"
    page = signed_in(smtp_app, trainer).get(url).get_data(as_text=True)
    assert "officer1@police.example" in page
    assert "elsewhere0@police.example" not in page
    assert signed_in(smtp_app, make_user(Role.TRAINER)).get(url).status_code == 404
    assert signed_in(smtp_app, make_user()).get(url).status_code == 403
    assert signed_in(smtp_app, make_user()).get("/admin/emails").status_code == 403
    assert signed_in(smtp_app, trainer).get("/admin/emails").status_code == 403
    admin = signed_in(smtp_app, make_user(Role.ADMIN))
    everything = admin.get("/admin/emails").get_data(as_text=True)
    assert "elsewhere0@police.example" in everything
    assert "officer0@police.example" in everything
    assert "officer0@police.example" not in admin.get("/admin/emails?status=failed").get_data(as_text=True)
    assert admin.get(url).status_code == 200


def test_an_invitation_emailed_at_import_is_not_sent_again(smtp_app, smtp_server, make_user, trainer, make_cohort):
    import io

    from tests.conftest import post_form

    mailbox, _port = smtp_server
    make_user(email="kim@police.example", name="Kim Existing")
    cohort = make_cohort(trainer, name="Invite cohort")
    post_form(signed_in(smtp_app, trainer), f"/trainer/cohorts/{cohort.id}/import",
              {"file": (io.BytesIO(b"kim@police.example,Kim Existing\n"), "r.csv"), "output": "page"},
              content_type="multipart/form-data")
    assert len(mailbox.to("kim@police.example")) == 1
    assert "Queued: none. Sent 0" in run(smtp_app).output
    assert len(mailbox.to("kim@police.example")) == 1
