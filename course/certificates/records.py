"""What certificates report through the records-out seam: statements and webhook events."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from course.core.events import Activity, LearningEvent, course_activity, notify, record_learning, statements_wanted
from course.models import Certificate, ContentVersion, User


def certificate_data(certificate: Certificate) -> dict:
    """The certificate as a webhook event describes it (the trainee is added by the writer)."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return {"certificate": {
        "serial": certificate.serial, "sequence": certificate.sequence, "course_title": certificate.course_title,
        "recipient_name": certificate.recipient_name,
        "issued_at": certificate.issued_at.isoformat().replace("+00:00", "Z"),
        "expires_at": certificate.expires_at.isoformat().replace("+00:00", "Z") if certificate.expires_at else None,
        "verify_url": f"{base}/verify/{certificate.serial}" if base else None,
    }}


def report_issued(session: Session, user: User, certificate: Certificate, version: ContentVersion,
                  renews: Certificate | None) -> None:
    """A first certificate is the course completed (`trainee.completed`, `certificate.issued`); else a renewal."""
    data = certificate_data(certificate)
    data["certificate"]["content_version"] = version.content_hash
    if renews is None:
        notify(session, "trainee.completed", f"course:{user.id}", {**data, "course_title": version.title}, user)
        notify(session, "certificate.issued", certificate.serial, data, user)
    else:
        data["certificate"]["renews"] = renews.serial
        notify(session, "certificate.renewed", certificate.serial, data, user)
    if not statements_wanted():
        return
    if renews is None:
        record_learning(session, LearningEvent("completed", user, course_activity(version), key=f"course:{user.id}",
                                               at=certificate.issued_at, version=version, completion=True))
    record_learning(session, LearningEvent(
        "earned", user, Activity(f"/verify/{certificate.serial}", "certificate", certificate.course_title),
        key=f"certificate:{certificate.serial}:earned", at=certificate.issued_at, version=version,
        parent=course_activity(version),
        extensions={"renews": renews.serial} if renews else None))


def report_revoked(session: Session, certificate: Certificate) -> None:
    """`certificate.revoked`, with the public reason (never the internal note)."""
    data = certificate_data(certificate)
    data["certificate"]["revoked_at"] = certificate.revoked_at.isoformat().replace("+00:00", "Z")
    data["certificate"]["revocation_reason"] = certificate.revocation_reason
    notify(session, "certificate.revoked", certificate.serial, data, certificate.user)
