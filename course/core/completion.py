"""The completion seam: every place where a trainee's progress changes calls `certify_if_complete`; a correction
of a name or email calls `reissue_certificate`.

Areas never import each other. The certificates area reacts to progress through this one seam: `create_app`
registers its certifier here (`register_certifier`), and learn, quiz and scenarios call `certify_if_complete`
without knowing who certifies or how.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, flash, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from course.core.catalogue import load_live_version
from course.core.events import LearningEvent, module_activity, record_learning, statements_wanted
from course.core.progress import CourseProgress, course_progress
from course.models import Certificate, User, utcnow

Certifier = Callable[[Session, User, CourseProgress], Certificate | None]
Listener = Callable[[Session, User, CourseProgress], None]
Reissuer = Callable[[Session, User, User, str], Certificate | None]
EXTENSION = "dignity.certifier"
LISTENERS = "dignity.progress_listeners"
REISSUER = "dignity.reissuer"


def register_certifier(app, certifier: Certifier) -> None:
    """Name the function that issues (or renews) a certificate when progress allows it."""
    app.extensions[EXTENSION] = certifier


def register_progress_listener(app, listener: Listener) -> None:
    """Add a function told of every progress change (LTI grade passback queues the new score)."""
    app.extensions.setdefault(LISTENERS, []).append(listener)


def register_reissuer(app, reissuer: Reissuer) -> None:
    """Name the function that reissues a trainee's current certificate after their name or email is corrected."""
    app.extensions[REISSUER] = reissuer


def reissue_certificate(session: Session, actor: User, user: User, reason: str) -> Certificate | None:
    """After a correction of `user`'s name or email: the reissued certificate, if they held a current one."""
    reissuer = current_app.extensions.get(REISSUER)
    return reissuer(session, actor, user, reason) if reissuer is not None else None


def certify_if_complete(session: Session, user: User, progress: CourseProgress | None = None) -> Certificate | None:
    """After progress changed: tell the listeners, then the certificate this issued or renewed, if any.

    Flushes, does not commit."""
    certifier = current_app.extensions.get(EXTENSION)
    listeners = current_app.extensions.get(LISTENERS, ())
    reporting = statements_wanted()
    if certifier is None and not listeners and not reporting:
        return None
    if progress is None:
        version = load_live_version(session)
        if version is None:
            return None
        progress = course_progress(session, user, version)
    for listener in listeners:
        listener(session, user, progress)
    if reporting:
        report_completed_modules(session, user, progress)
    return certifier(session, user, progress) if certifier is not None else None


def report_completed_modules(session: Session, user: User, progress: CourseProgress) -> None:
    """`completed` for each module done, once per trainee, module and content version (written once per fact)."""
    for module_progress in progress.modules:
        if module_progress.is_complete:
            module = module_progress.module
            record_learning(session, LearningEvent(
                "completed", user, module_activity(module), at=utcnow(), version=progress.version, completion=True,
                key=f"module:{user.id}:{module.slug}:{progress.version.content_hash[:16]}"))


def announce_certificate(certificate: Certificate | None) -> bool:
    """Flash the news of a new or renewed certificate, with a link to it; True if there was one."""
    if certificate is None:
        return False
    if certificate.sequence > 1:
        news = _("Your certificate is renewed. The new one replaces the old one from today.")
    else:
        news = _("You have completed the course. Your certificate is ready.")
    # Markup survives the session cookie (Flask tags it); format() escapes every piece it is given.
    flash(Markup('{} <a href="{}">{}</a>').format(news, url_for("certificates.detail", serial=certificate.serial),
                                                  _("Open your certificate %(serial)s", serial=certificate.serial)),
          "success")
    return True
