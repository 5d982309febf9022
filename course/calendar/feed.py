"""A trainee's due dates as iCalendar (RFC 5545) events, and the secret token of their feed URL."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.core.notices import member_due_on
from course.core.settings import academy_name
from course.models import CalendarFeed, Certificate, Cohort, CohortMember, User, utcnow

if TYPE_CHECKING:
    from icalendar import Event


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_feed_token(session: Session, user: User) -> str:
    """A new secret feed URL token for `user` (returned once, in clear); the previous URL stops working."""
    token = secrets.token_urlsafe(32)
    row = session.get(CalendarFeed, user.id)
    if row is None:
        session.add(CalendarFeed(user_id=user.id, token_hash=_digest(token)))
    else:
        row.token_hash, row.created_at = _digest(token), utcnow()
    session.flush()
    return token


def revoke_feed(session: Session, user: User) -> bool:
    """Stop `user`'s feed URL working; False if there was none."""
    return session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id)).rowcount > 0


def feed_owner(session: Session, token: str) -> User | None:
    """The active user whose feed URL holds `token`, or None."""
    return session.scalar(select(User).join(CalendarFeed, CalendarFeed.user_id == User.id)
                          .where(CalendarFeed.token_hash == _digest(token), User.active))


def has_feed(session: Session, user: User) -> CalendarFeed | None:
    """The user's feed row, if they have made a URL."""
    return session.get(CalendarFeed, user.id)


def due_dates(session: Session, user: User) -> list[tuple[int, str, date]]:
    """(cohort id, cohort name, due date) for every cohort of `user` that has one, soonest first."""
    due = member_due_on()
    return [tuple(row) for row in session.execute(
        select(Cohort.id, Cohort.name, due).join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user.id, due.is_not(None)).order_by(due, Cohort.id))]


def renewal_certificate(session: Session, user: User) -> Certificate | None:
    """The trainee's certificate in force that will need renewing (has a renewal date), if any."""
    return session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.revoked_at.is_(None), Certificate.superseded_by_id.is_(None),
        Certificate.renewal_due_at.is_not(None)).order_by(Certificate.sequence.desc()).limit(1))


def calendar_for(session: Session, user: User) -> bytes:
    """The user's calendar in their language: an all-day event per due date, and the certificate's renewal
    and expiry dates. UIDs name the cohort or certificate and the user, so calendar apps update, not duplicate."""
    # Imported here, not above: icalendar (~3 MB) loads only in a worker that serves a calendar.
    from icalendar import Calendar

    host = urlsplit(current_app.config.get("PUBLIC_BASE_URL") or url_for("learn.dashboard", _external=True)).hostname
    stamp = utcnow()
    academy = academy_name(session)
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        calendar = Calendar()
        calendar.add("prodid", "-//Dignity//Training calendar//EN")
        calendar.add("version", "2.0")
        calendar.add("x-wr-calname", _("%(academy)s: my training dates", academy=academy))
        dashboard = url_for("learn.dashboard", _external=True)
        for cohort_id, name, due in due_dates(session, user):
            calendar.add_component(_event(f"due-{cohort_id}-{user.id}@{host}", stamp, due,
                                          _("Training due: %(cohort)s", cohort=name),
                                          _("Finish the course for %(cohort)s by this date.", cohort=name), dashboard))
        certificate = renewal_certificate(session, user)
        if certificate is not None:
            renew = url_for("certificates.renewal", _external=True)
            calendar.add_component(_event(
                f"renewal-{certificate.id}-{user.id}@{host}", stamp, certificate.renewal_due_at.date(),
                _("Certificate renewal opens"),
                _("You can renew certificate %(serial)s from today.", serial=certificate.serial), renew))
            if certificate.expires_at is not None:
                calendar.add_component(_event(
                    f"expiry-{certificate.id}-{user.id}@{host}", stamp, certificate.expires_at.date(),
                    _("Certificate expires"),
                    _("Certificate %(serial)s expires today unless renewed.", serial=certificate.serial), renew))
    return calendar.to_ical()


def _event(uid: str, stamp: datetime, day: date, summary: str, description: str, link: str) -> Event:
    from icalendar import Event  # see calendar_for

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + timedelta(days=1))
    event.add("summary", summary)
    event.add("description", f"{description}\n{link}")
    event.add("url", link)
    event.add("transp", "TRANSPARENT")
    return event
