"""Single sign-on policy that more than one area needs: is it set up, and may this account use a password?

The OpenID Connect flow itself is in the auth area (auth/sso.py). Settings (admin page): whether directory
users may also sign in with a password, whether a first directory sign-in may take over an existing
account with the same (verified) email, and which claims carry the role and the badge number.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.settings import stored_settings
from course.models import User, UserIdentity


@dataclass(frozen=True)
class SsoSettings:
    """The admin's choices for directory sign-in."""

    passwords_allowed: bool
    link_by_email: bool
    role_claim: str | None
    badge_claim: str | None


def sso_configured(config=None) -> bool:
    """Whether OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are all set."""
    config = config if config is not None else current_app.config
    return all(config.get(key) for key in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"))


def sso_settings(session: Session) -> SsoSettings:
    stored = stored_settings(session)
    return SsoSettings(passwords_allowed=bool(stored.get("sso_passwords_allowed", True)),
                       link_by_email=bool(stored.get("sso_link_by_email", False)),
                       role_claim=stored.get("sso_role_claim") or None,
                       badge_claim=stored.get("sso_badge_claim") or None)


def password_sign_in_allowed(session: Session, user: User) -> bool:
    """False for an account linked to the directory when the admin has said directory users use it only."""
    if not sso_configured() or sso_settings(session).passwords_allowed:
        return True
    return session.scalar(select(UserIdentity.id).where(UserIdentity.user_id == user.id).limit(1)) is None
