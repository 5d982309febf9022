"""Correcting a person's name or email: validated, audited with the reason, and their certificate reissued.

Admins correct anyone; trainers correct the trainees of their own cohorts (the views check who may). A name is
printed on certificates, so a correction reissues the current certificate under a new serial through the
reissue seam (core.completion.reissue_certificate): the old one is superseded and points to the new one; it is
never edited.
"""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from course.core.accounts import AccountError, name_problem, normalise_email
from course.core.audit import record_event
from course.core.completion import reissue_certificate
from course.models import Certificate, User


def correct_identity(session: Session, actor: User, user: User, *, name: str, email: str,
                     reason: str) -> tuple[dict[str, tuple[str, str]], Certificate | None]:
    """Correct `user`'s name and email. Returns what changed ({field: (old, new)}) and the reissued certificate.

    Raises AccountError (nothing written) for an empty or unprintable name, or an email another account holds.
    """
    name, email, reason = " ".join(name.split()), normalise_email(email), " ".join(reason.split())
    if not name:
        raise AccountError(_("Enter a name."))
    if problem := name_problem(name):
        raise AccountError(problem)
    if not reason:
        raise AccountError(_("Say why."))
    taken = session.scalar(select(User.id).where(func.lower(User.email) == email, User.id != user.id))
    if taken is not None:
        raise AccountError(_("Another account already uses that email."))
    changes = {field: (old, new) for field, old, new in (("name", user.name, name), ("email", user.email, email))
               if old != new}
    if not changes:
        return {}, None
    record_event(session, actor, "user.identity_corrected", "user", user.id, reason=reason,
                 **{field: {"old": old, "new": new} for field, (old, new) in changes.items()})
    user.name, user.email = name, email
    session.flush()
    return changes, reissue_certificate(session, actor, user, reason)


def announce_correction(changes: dict, reissued: Certificate | None) -> None:
    """Flash what a correction did (to the admin or trainer who made it)."""
    if not changes:
        flash(_("Nothing changed."), "info")
    elif reissued is not None:
        flash(_("Corrected. Their certificate is reissued as %(serial)s; the old one now points to it.",
                serial=reissued.serial), "success")
    else:
        flash(_("Corrected, and recorded in the audit log."), "success")
