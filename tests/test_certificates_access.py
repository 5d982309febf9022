"""Who may download a certificate, how admins revoke one, and how the public page shows each status."""

import pytest
from sqlalchemy import select

from course.certificates.access import can_view_certificate
from course.certificates.services import RevocationError, revoke_certificate
from course.extensions import db
from course.models import AuditEvent, Certificate, Role, User
from tests.certificate_steps import age_records, certificate, earn_certificate, pass_all_quizzes_again, revoke
from tests.conftest import AuthActions

DOWNLOADS = ["certificate.pdf", "credential.jwt", "credential.json"]


def audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def signed_in(app, user):
    client = app.test_client()
    AuthActions(client).login(user.email)
    return client


@pytest.mark.parametrize("download", DOWNLOADS)
def test_only_the_owner_and_admins_can_download_and_others_downloads_are_audited(
        client, app, trainee, make_user, download):
    cert = earn_certificate(client, app)
    url = f"/certificates/{cert.serial}/{download}"
    assert client.get(url).status_code == 200
    assert audit(app, "certificate.downloaded") == []  # the owner's own downloads are not audited
    for role in (Role.TRAINEE, Role.TRAINER):
        assert signed_in(app, make_user(role)).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # anonymous: sign in first
    admin = make_user(Role.ADMIN)
    assert signed_in(app, admin).get(url).status_code == 200
    [event] = audit(app, "certificate.downloaded")
    assert (event.actor_id, event.target_id) == (admin.id, cert.serial)
    assert event.details["format"] == download.rsplit(".", 1)[1]


def test_trainers_see_the_certificates_of_their_own_cohorts_only(client, app, trainee, make_user, make_cohort):
    cert = earn_certificate(client, app)
    their_trainer, other_trainer = make_user(Role.TRAINER), make_user(Role.TRAINER)
    make_cohort(their_trainer, [trainee])
    with app.app_context():
        assert can_view_certificate(db.session, trainee, cert) is True
        assert can_view_certificate(db.session, their_trainer, cert) is True
        assert can_view_certificate(db.session, other_trainer, cert) is False
        assert can_view_certificate(db.session, make_user(Role.ADMIN), cert) is True
    url = f"/certificates/{cert.serial}/certificate.pdf"
    assert signed_in(app, other_trainer).get(url).status_code == 404
    assert signed_in(app, their_trainer).get(url).status_code == 200
    [event] = audit(app, "certificate.downloaded")
    assert event.actor_id == their_trainer.id


def test_an_admin_revokes_with_a_public_reason_and_an_internal_note(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    admin_user = make_user(Role.ADMIN)
    admin = signed_in(app, admin_user)
    assert "Revoke this certificate" in admin.get(f"/admin/certificates/{cert.serial}").get_data(as_text=True)
    response = revoke(admin, cert.serial, public="Issued in error", internal="Ticket 42: wrong account")
    assert response.status_code == 302
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "is revoked" in page
    assert "Ticket 42: wrong account" in page
    assert admin_user.name in page
    public = app.test_client().get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "Revoked on" in public
    assert "Issued in error" in public
    assert "cert-revoked" in public
    assert "Ticket 42" not in public
    [event] = audit(app, "certificate.revoked")
    assert event.actor_id == admin_user.id
    assert event.target_id == cert.serial
    assert event.details == {"public_reason": "Issued in error", "internal_note": "Ticket 42: wrong account",
                             "holder_id": trainee.id}
    assert "Revoked on" in client.get("/").get_data(as_text=True)


def test_revoking_needs_both_reasons_and_happens_once(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    admin_user = make_user(Role.ADMIN)
    admin = signed_in(app, admin_user)
    missing = revoke(admin, cert.serial, public="", internal="")
    assert missing.status_code == 422
    assert "Give the reason anyone checking will see" in missing.get_data(as_text=True)
    assert certificate(app, cert.serial).revoked_at is None
    revoke(admin, cert.serial)
    with app.app_context():  # a second admin, or a double submit, finds it revoked already
        record = db.session.scalar(select(Certificate).where(Certificate.serial == cert.serial))
        with pytest.raises(RevocationError):
            revoke_certificate(db.session, record, db.session.get(User, admin_user.id), "again", "again")
    assert len(audit(app, "certificate.revoked")) == 1


def test_only_admins_reach_the_revocation_page(client, app, trainee, make_user):
    cert = earn_certificate(client, app)
    url = f"/admin/certificates/{cert.serial}"
    assert client.get(url).status_code == 403
    assert signed_in(app, make_user(Role.TRAINER)).get(url).status_code == 403
    assert app.test_client().get(url).status_code == 302
    admin = signed_in(app, make_user(Role.ADMIN))
    lookup = admin.get(f"/admin/certificates?serial={cert.serial.lower().replace('-', '')}")
    assert lookup.headers["Location"] == url
    assert admin.get("/admin/certificates?serial=nope").status_code == 400


def test_the_verify_page_shows_each_status_in_words_and_colour(client, app, trainee):
    cert = earn_certificate(client, app)
    valid = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "cert-valid" in valid
    assert "Valid" in valid
    assert trainee.email not in valid
    age_records(app, trainee.id, 700)
    pass_all_quizzes_again(client, app)
    renewed = certificate(app, cert.serial).superseded_by
    superseded = client.get(f"/verify/{cert.serial}").get_data(as_text=True)
    assert "cert-superseded" in superseded
    assert "Superseded by a renewal on" in superseded
    assert f"/verify/{renewed.serial}" in superseded
    age_records(app, trainee.id, 800)
    expired = client.get(f"/verify/{renewed.serial}").get_data(as_text=True)
    assert "cert-expired" in expired
    assert "Expired on" in expired


def test_the_verify_endpoints_are_rate_limited_per_address(make_app):
    app = make_app(VERIFY_RATE_LIMIT="3/minute")
    client = app.test_client()
    assert client.get("/verify").status_code == 200
    assert client.get("/verify/0000-0000-0000-0000-0").status_code == 404
    assert client.post("/verify", data={"credential_text": "x"}).status_code == 200
    limited = client.get("/verify/0000-0000-0000-0000-0")
    assert limited.status_code == 429
    html = limited.get_data(as_text=True)
    assert "Please slow down" in html
    assert "Too many certificate checks" in html
    assert "Retry-After" in limited.headers
    other = app.test_client()
    assert other.get("/verify", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
    assert client.get("/.well-known/jwks.json").status_code == 200  # the keys are never rate limited
