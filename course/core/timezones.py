"""Time zones: each user's own (an IANA name), else the academy's default, for every time the interface shows.

Times are stored in UTC. Pages show them in the reader's zone, named next to them (`zone_label`), through
Flask-Babel's `format_datetime` and `format_time`, whose zone `select_time_zone` chooses. Emails use the
recipient's zone (`force_time_zone`). Due dates are calendar dates: they are never converted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import available_timezones

import pytz
from flask import current_app, has_request_context
from flask_babel import _get_current_context, format_date, get_timezone
from flask_babel import gettext as _
from flask_babel import to_user_timezone as _to_user_timezone
from flask_login import current_user
from sqlalchemy.orm import Session

from course.core.settings import stored_settings
from course.extensions import db
from course.models import User

# Offered first on the account page: the academy's region, then zones its partners work in.
COMMON_TIME_ZONES = ("Asia/Seoul", "UTC", "Asia/Tokyo", "Asia/Shanghai", "Asia/Singapore", "Australia/Sydney",
                     "Europe/London", "Europe/Paris", "America/Vancouver", "America/Toronto", "America/New_York",
                     "America/Los_Angeles")


@cache
def all_time_zones() -> tuple[str, ...]:
    """Every IANA zone name the system's zone database and the date formatter both know, sorted."""
    return tuple(sorted(name for name in available_timezones() & pytz.all_timezones_set
                        if "/" in name or name == "UTC"))


def time_zone_choices(blank: str) -> dict[str, list[tuple[str, str]]]:
    """The choices of a time zone select: `blank` (the default) and the common zones, then every other zone, each
    with its offset from UTC now ("Asia/Seoul (UTC+09:00)")."""
    now = datetime.now(UTC)

    def label(name: str) -> str:
        offset = now.astimezone(pytz.timezone(name)).strftime("%z")  # the zone data the formatting uses
        return f"{name} (UTC{offset[:3]}:{offset[3:]})"

    common = [("", blank)] + [(name, label(name)) for name in COMMON_TIME_ZONES]
    return {str(_("Common time zones")): common,
            str(_("All time zones")): [(name, label(name)) for name in all_time_zones()
                                       if name not in COMMON_TIME_ZONES]}


def is_time_zone(name: object) -> bool:
    """Whether `name` is an IANA time zone this application can show times in."""
    return isinstance(name, str) and name in all_time_zones()


def academy_time_zone(session: Session) -> str:
    """The academy's default zone: the admin's setting, else BABEL_DEFAULT_TIMEZONE (DEFAULT_TIME_ZONE)."""
    stored = stored_settings(session).get("time_zone")
    return stored if is_time_zone(stored) else current_app.config.get("BABEL_DEFAULT_TIMEZONE", "UTC")


def user_time_zone(session: Session, user: User | None) -> str:
    """The zone `user` reads times in: their own choice, else the academy's default."""
    if user is not None and is_time_zone(user.time_zone):
        return user.time_zone
    return academy_time_zone(session)


def select_time_zone() -> str:
    """Flask-Babel's time zone selector: the signed-in user's zone, else the academy's default."""
    user = current_user if has_request_context() and current_user and current_user.is_authenticated else None
    return user_time_zone(db.session, user)


def zone_label() -> str:
    """The name of the zone times are shown in now, for next to them ("Asia/Seoul", "UTC")."""
    return get_timezone().zone


def format_local_date(value: date | datetime | None = None, format: str = "medium") -> str:  # noqa: A002
    """Flask-Babel's `format_date`, but a moment is first put in the reader's zone (Flask-Babel takes its UTC
    date): a certificate issued at 20:00 UTC on 1 March reads "2 March" in Seoul. Plain dates (due dates)
    are never converted."""
    if isinstance(value, datetime):
        value = to_user_timezone(value)
    return format_date(value, format)


def to_user_timezone(moment: datetime) -> datetime:
    """`moment` (UTC, naive or aware) in the zone times are shown in now."""
    return _to_user_timezone(moment)


@contextmanager
def force_time_zone(name: str) -> Iterator[None]:
    """Show times in `name` for a while (an email in its recipient's zone), then in the zone chosen before.

    Like Flask-Babel's `force_locale`, it changes only the current context's cached zone.
    """
    context = _get_current_context()
    if context is None:
        yield
        return
    before = getattr(context, "babel_tzinfo", None)
    context.babel_tzinfo = pytz.timezone(name)
    try:
        yield
    finally:
        context.babel_tzinfo = before
