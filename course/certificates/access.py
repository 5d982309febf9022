"""Who may see and download a certificate, and the audit trail of downloads by others."""

from __future__ import annotations

from sqlalchemy.orm import Session

from course.core.access import trains
from course.core.audit import record_event
from course.models import Certificate, User


def can_view_certificate(session: Session, user: User, certificate: Certificate) -> bool:
    """Whether `user` may open and download `certificate`: its owner, admins, and the owner's trainers."""
    if not user.is_authenticated:
        return False
    if user.id == certificate.user_id:
        return True
    return trains(session, user, certificate.user_id)


def record_download(session: Session, user: User, certificate: Certificate, file_format: str) -> None:
    """Audit a download by anyone other than the owner (who, which certificate, which format)."""
    if user.id != certificate.user_id:
        record_event(session, user, "certificate.downloaded", "certificate", certificate.serial,
                     format=file_format, holder_id=certificate.user_id, role=user.role)
