"""Certificates lapse; within the renewal window trainees pass the quizzes again and get a new one."""

from sqlalchemy import func, select

from course.certificates import services
from course.core.catalogue import load_live_version
from course.core.progress import course_progress
from course.extensions import db
from course.models import AuditEvent, Certificate, Role, User
from tests.certificate_steps import (
    age_records,
    certificate,
    certificates,
    complete_module,
    earn_certificate,
    pass_all_quizzes_again,
    revoke,
)
from tests.conftest import AuthActions

# The fixture course is valid for 24 months with a 60-day renewal window. After 700 days the
# certificate expires in about a month and the window has been open for about a month.
IN_WINDOW, BEFORE_WINDOW, AFTER_EXPIRY = 700, 600, 760


def test_renewal_due_is_shown_with_the_date_only_inside_the_window(client, app, trainee):
    cert = earn_certificate(client, app)
    assert "Renewal due" not in client.get("/").get_data(as_text=True)
    age_records(app, trainee.id, BEFORE_WINDOW)
    assert "Renewal due" not in client.get("/").get_data(as_text=True)
    age_records(app, trainee.id, IN_WINDOW - BEFORE_WINDOW)
    expires = certificate(app, cert.serial).expires_at
    expiry = f"{expires.day} {expires:%B %Y}"  # as the page writes it: 1 January 2027, not 01
    for page in ("/", "/certificates"):
        html = client.get(page).get_data(as_text=True)
        assert "Renewal due" in html
        assert f"expires on {expiry}" in html
    renewal = client.get("/certificates/renewal").get_data(as_text=True)
    assert "0 of 2 modules done" in renewal


def test_passing_every_quiz_again_issues_abuild_certificate_that_supersedes_the_old(client, app, trainee):
    old = earn_certificate(client, app)
    age_records(app, trainee.id, IN_WINDOW)
    complete_module(client, app, "basics", [])
    assert len(certificates(app)) == 1  # one module is not enough; lessons are not needed
    assert "1 of 2 modules done" in client.get("/certificates/renewal").get_data(as_text=True)
    complete_module(client, app, "practice", [])
    renewed = certificates(app)
    assert len(renewed) == 2
    new = max(renewed, key=lambda c: c.sequence)
    assert new.sequence == 2
    assert new.serial != old.serial
    assert new.expires_at.year == new.issued_at.year + 2
    previous = certificate(app, old.serial)
    assert previous.superseded_by.serial == new.serial
    history = client.get("/certificates").get_data(as_text=True)
    assert old.serial in history
    assert new.serial in history
    assert "Superseded by a renewal" in history
    assert "Renewal due" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.target_id == new.serial))
        assert event.action == "certificate.issued"
        assert event.details["renews"] == old.serial


def test_an_expired_certificate_can_still_be_renewed(client, app, trainee):
    old = earn_certificate(client, app)
    age_records(app, trainee.id, AFTER_EXPIRY)
    html = client.get("/").get_data(as_text=True)
    assert "Renewal due" in html
    assert "expired on" in html
    assert "Expired on" in client.get(f"/verify/{old.serial}").get_data(as_text=True)
    pass_all_quizzes_again(client, app)
    assert len(certificates(app)) == 2
    assert "Valid" in client.get(f"/verify/{max(certificates(app), key=lambda c: c.sequence).serial}").get_data(
        as_text=True)


def test_quizzes_passed_before_the_window_opened_do_not_count(client, app, trainee):
    earn_certificate(client, app)
    complete_module(client, app, "basics", [])  # passed again now, long before the window opens
    age_records(app, trainee.id, IN_WINDOW)
    complete_module(client, app, "practice", [])
    assert len(certificates(app)) == 1


def test_passing_quizzes_again_before_the_window_issues_nothing(client, app, trainee):
    earn_certificate(client, app)
    pass_all_quizzes_again(client, app)
    assert len(certificates(app)) == 1
    assert "Renewal opens on" in client.get("/certificates/renewal").get_data(as_text=True)


def test_a_revoked_certificate_is_not_renewed_automatically(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    admin = app.test_client()
    AuthActions(admin).login(make_user(Role.ADMIN).email)
    revoke(admin, cert.serial)
    age_records(app, trainee.id, IN_WINDOW)
    pass_all_quizzes_again(client, app)
    assert len(certificates(app)) == 1
    html = client.get("/certificates").get_data(as_text=True)
    assert "Your certificate was revoked" in html
    assert "Renewal due" not in html


def test_a_certificate_without_expiry_never_asks_for_renewal(client, app, trainee):
    cert = earn_certificate(client, app)
    with app.app_context():
        record = db.session.scalar(select(Certificate).where(Certificate.serial == cert.serial))
        record.expires_at = record.renewal_due_at = None
        db.session.commit()
    age_records(app, trainee.id, 3650)
    pass_all_quizzes_again(client, app)
    assert len(certificates(app)) == 1
    assert "Renewal due" not in client.get("/").get_data(as_text=True)
    assert client.get("/certificates/renewal").status_code == 302


def test_passing_again_after_renewing_issues_nothing_more(client, app, trainee):
    earn_certificate(client, app)
    age_records(app, trainee.id, IN_WINDOW)
    pass_all_quizzes_again(client, app)
    complete_module(client, app, "practice", [])
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 2


def test_two_racing_renewals_issue_one_certificate(client, app, trainee, monkeypatch):
    old = earn_certificate(client, app)
    age_records(app, trainee.id, IN_WINDOW)
    pass_all_quizzes_again(client, app)
    with app.app_context():
        # A second request that read the old certificate as the latest, before the first committed.
        stale = db.session.scalar(select(Certificate).where(Certificate.serial == old.serial))
        stale.superseded_by_id = None
        monkeypatch.setattr(services, "latest_certificate", lambda session, user: stale)
        user = db.session.get(User, trainee.id)
        progress = course_progress(db.session, user, load_live_version(db.session))
        services.issue_certificate_if_complete(db.session, user, progress)
        db.session.rollback()
        assert db.session.scalar(select(func.count(Certificate.id))) == 2
