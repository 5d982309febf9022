"""Where a launch keeps its state between the OIDC login and the launch: the database and one narrow cookie.

Nonces are single-use: the launch that presents one deletes it, so a replayed id_token is refused. The state
cookie is the only cookie a platform's page (another site, often an iframe) needs us to read: it is
`SameSite=None; Secure` over HTTPS, HttpOnly, and scoped to `/lti/` so no other page sends it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from pylti1p3.contrib.flask import FlaskCookieService
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.models import LtiLaunchValue, utcnow

COOKIE_PATH = "/lti/"
DEFAULT_LIFETIME = 86400  # launch data: a day (deep-linking forms and hand-overs need it for minutes only)


class DatabaseLaunchStorage(LaunchDataStorage):
    """pylti1p3's launch data storage in the `lti_launch_values` table (every worker sees the same values)."""

    _session_cookie_name = ""  # no per-browser key prefix: the state cookie already ties a launch to a browser

    def __init__(self, session: Session):
        super().__init__()
        self.session = session

    def can_set_keys_expiration(self) -> bool:
        return True

    def _lifetime(self, key: str, exp: int | None) -> int:
        if "-nonce-" in key:  # a nonce lives only as long as a person takes to get from the login to the launch
            return int(current_app.config.get("LTI_NONCE_SECONDS", 600))
        return exp or DEFAULT_LIFETIME

    def get_value(self, key: str) -> Any:
        row = self.session.scalar(select(LtiLaunchValue).where(
            LtiLaunchValue.key == self._prepare_key(key), LtiLaunchValue.expires_at > utcnow()))
        return row.value.get("v") if row else None

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        key = self._prepare_key(key)
        expires_at = utcnow() + timedelta(seconds=self._lifetime(key, exp))
        self.session.merge(LtiLaunchValue(key=key, value={"v": value}, expires_at=expires_at))
        self.session.flush()

    def check_value(self, key: str) -> bool:
        key = self._prepare_key(key)
        live = (LtiLaunchValue.key == key) & (LtiLaunchValue.expires_at > utcnow())
        if "-nonce-" in key:  # used up by this check: a second launch with the same nonce finds nothing
            return self.session.execute(delete(LtiLaunchValue).where(live)).rowcount == 1
        return self.session.scalar(select(LtiLaunchValue.key).where(live)) is not None


def take_value(session: Session, key: str) -> Any:
    """Read and delete a one-time value (a hand-over token); None if absent or expired."""
    row = session.scalar(select(LtiLaunchValue).where(LtiLaunchValue.key == key, LtiLaunchValue.expires_at > utcnow()))
    if row is None:
        return None
    if session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.key == key)).rowcount != 1:
        return None  # another request took it first
    return row.value.get("v")


def put_value(session: Session, key: str, value: Any, seconds: int) -> None:
    """Store a value that expires after `seconds`."""
    session.merge(LtiLaunchValue(key=key, value={"v": value}, expires_at=utcnow() + timedelta(seconds=seconds)))
    session.flush()


def forget_expired(session: Session) -> int:
    """Delete expired launch values; the number deleted."""
    return session.execute(delete(LtiLaunchValue).where(LtiLaunchValue.expires_at <= utcnow())).rowcount


class LaunchCookieService(FlaskCookieService):
    """The library's cookie service, with the cookie scoped to the LTI pages and cross-site only over HTTPS."""

    def update_response(self, response):
        for key, data in self._cookie_data_to_set.items():
            secure = self._request.is_secure()
            response.set_cookie(key, data["value"], max_age=data["exp"], path=COOKIE_PATH, httponly=True,
                                secure=secure, samesite="None" if secure else "Lax")
