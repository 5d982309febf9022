"""Steps shared by the certificate tests: earning, ageing, fetching and revoking certificates."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from course.extensions import db
from course.models import Certificate, QuizAttempt
from tests.conftest import post_form
from tests.test_certificates import certificates, complete_course, complete_module

__all__ = ["age_records", "certificate", "certificates", "complete_course", "complete_module", "earn_certificate",
           "pass_all_quizzes_again", "revoke"]


def earn_certificate(client, app) -> Certificate:
    """Complete the fixture course as the signed-in trainee; return their newest certificate."""
    complete_course(client, app)
    return certificates(app)[-1]


def pass_all_quizzes_again(client, app):
    """Renewal the way a trainee does it: pass each module quiz again, no lessons."""
    complete_module(client, app, "basics", [])
    return complete_module(client, app, "practice", [])


def certificate(app, serial: str) -> Certificate:
    """The certificate with `serial`, freshly loaded (relationships loaded too)."""
    with app.app_context():
        found = db.session.scalar(select(Certificate).where(Certificate.serial == serial))
        _ = found.superseded_by, found.content_version
        db.session.expunge_all()
        return found


def age_records(app, user_id: int, days: int) -> None:
    """Let `days` pass: move the user's certificates and quiz attempts that far into the past."""
    shift = timedelta(days=days)
    with app.app_context():
        for cert in db.session.scalars(select(Certificate).where(Certificate.user_id == user_id)):
            for name in ("issued_at", "expires_at", "renewal_due_at", "superseded_at", "revoked_at"):
                if getattr(cert, name) is not None:
                    setattr(cert, name, getattr(cert, name) - shift)
        for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user_id)):
            attempt.started_at -= shift
            if attempt.submitted_at is not None:
                attempt.submitted_at -= shift
        db.session.commit()


def revoke(client, serial: str, public: str = "Issued in error", internal: str = "Ticket 42: wrong account"):
    """An admin (signed in on `client`) revokes the certificate through the admin page."""
    return post_form(client, f"/admin/certificates/{serial}/revoke",
                     {"public_reason": public, "internal_note": internal}, form_url=f"/admin/certificates/{serial}")
