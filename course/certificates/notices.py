"""What a trainee is told when a request issues their certificate."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _

from course.models import Certificate


def announce_certificate(certificate: Certificate | None) -> bool:
    """Flash the news of a new or renewed certificate; True if there was one."""
    if certificate is None:
        return False
    if certificate.sequence > 1:
        flash(_("Your certificate is renewed. The new one replaces the old one from today."), "success")
    else:
        flash(_("You have completed the course. Your certificate is ready."), "success")
    return True
