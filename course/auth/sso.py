"""Single sign-on with the academy's directory: OpenID Connect with Authlib (discovery, PKCE, state, nonce).

Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (and OIDC_NAME for the button's label) and the
sign-in page offers "Sign in with <OIDC_NAME>". A directory account (issuer + subject) is linked to one of
ours on its first sign-in: a new account is made, or, only when the admin allows it and the directory
says the email is verified, an existing account with that email is taken over. See docs/integrations.md.
"""

from __future__ import annotations

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.core.accounts import find_user_by_email, normalise_email
from course.core.audit import record_event
from course.core.sso import SsoSettings, sso_configured, sso_settings
from course.models import UNUSABLE_PASSWORD, Role, User, UserIdentity, utcnow

CLIENT = "directory"
ROLE_RANK = [Role.TRAINEE.value, Role.TRAINER.value, Role.ADMIN.value]


class SsoRefused(Exception):
    """Directory sign-in cannot go ahead; the message says why, for the person signing in."""


def init_sso(app: Flask) -> None:
    """Offer directory sign-in on the sign-in page when it is configured (the client itself is made on first use)."""

    @app.context_processor
    def sso_button():
        return {"sso_name": (app.config.get("OIDC_NAME") or _l("your academy directory"))
                if sso_configured(app.config) else None}


def directory_client():
    """The registered OpenID Connect client (None when single sign-on is not configured), registered on first use."""
    if not sso_configured():
        return None
    oauth = current_app.extensions.get("dignity_sso")
    if oauth is None:  # two threads may both register one: the same settings, and the last one stays
        oauth = current_app.extensions["dignity_sso"] = _register_directory(current_app)
    return oauth.create_client(CLIENT)


def directory_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The exceptions of a directory exchange: (the answer did not check out, the directory could not be reached).
    Imported on use, like the client's libraries."""
    import requests
    from authlib.integrations.base_client import OAuthError
    from joserfc.errors import JoseError

    return (OAuthError, JoseError, KeyError), (requests.RequestException,)


def _register_directory(app: Flask):
    # Imported here, not above: Authlib, joserfc and requests (~16 MB) load only in a worker that signs someone
    # in with the directory.
    from authlib.integrations.flask_client import OAuth

    oauth = OAuth(app)
    oauth.register(
        CLIENT, client_id=app.config["OIDC_CLIENT_ID"], client_secret=app.config["OIDC_CLIENT_SECRET"],
        server_metadata_url=app.config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": app.config.get("OIDC_SCOPES") or "openid email profile",
                       "code_challenge_method": "S256", "timeout": 10})
    return oauth


def directory_user(session: Session, issuer: str, claims: dict) -> User:
    """The account for verified ID-token `claims`: linked before, linked now, or made now. Flushes."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise SsoRefused(_l("The directory did not say who you are. Try again, or ask its administrators."))
    settings = sso_settings(session)
    identity = session.scalar(select(UserIdentity).where(UserIdentity.issuer == issuer,
                                                         UserIdentity.subject == subject))
    user = session.get(User, identity.user_id) if identity else _link(session, issuer, subject, claims, settings)
    identity = identity or session.scalar(select(UserIdentity).where(UserIdentity.issuer == issuer,
                                                                     UserIdentity.subject == subject))
    if not user.active:
        raise SsoRefused(_l("This account has been deactivated. Ask an administrator if you think this is wrong."))
    _apply_claims(session, user, claims, settings)
    identity.last_used_at = utcnow()
    record_event(session, user, "auth.signed_in", "user", user.id, via="sso", issuer=issuer)
    session.flush()
    return user


def _link(session: Session, issuer: str, subject: str, claims: dict, settings: SsoSettings) -> User:
    email = claims.get("email")
    if not isinstance(email, str) or "@" not in email:
        raise SsoRefused(_l("The directory gave no email address for your account. Ask its administrators."))
    user = find_user_by_email(session, email)
    if user is not None and not (settings.link_by_email and claims.get("email_verified") is True):
        record_event(session, None, "auth.sign_in_failed", "user", user.id, reason="sso_email_taken")
        raise SsoRefused(_l("An account with your email address exists already. Sign in with your password, or ask "
                            "an administrator to allow directory sign-in for existing accounts."))
    try:
        with session.begin_nested():  # two first sign-ins at once: one links, the other finds the link
            if user is None:
                name = claims.get("name") if isinstance(claims.get("name"), str) else ""
                user = User(email=normalise_email(email), name=(name.strip() or email.split("@")[0])[:120],
                            password_hash=UNUSABLE_PASSWORD, role=Role.TRAINEE.value)
                session.add(user)
                session.flush()
                record_event(session, None, "user.created", "user", user.id, via="sso", issuer=issuer)
            session.add(UserIdentity(user_id=user.id, issuer=issuer, subject=subject))
    except IntegrityError:
        identity = session.scalar(select(UserIdentity).where(UserIdentity.issuer == issuer,
                                                             UserIdentity.subject == subject))
        if identity is None:
            raise SsoRefused(_l("Your account could not be linked. Please try again.")) from None
        return session.get(User, identity.user_id)
    record_event(session, user, "user.sso_linked", "user", user.id, issuer=issuer)
    return user


def _apply_claims(session: Session, user: User, claims: dict, settings: SsoSettings) -> None:
    """The badge number and role the admin said the directory gives (role values: trainee, trainer, admin)."""
    badge = claims.get(settings.badge_claim) if settings.badge_claim else None
    if isinstance(badge, str | int) and str(badge).strip() and len(str(badge)) <= 40:
        user.badge_number = str(badge).strip()
    if not settings.role_claim:
        return
    value = claims.get(settings.role_claim)
    named = [v.lower() for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)]
    roles = [role for role in ROLE_RANK if role in named]
    if not roles or roles[-1] == user.role:
        return
    if user.role == Role.ADMIN.value and _active_admins(session) <= 1:
        return  # the directory may not remove the last admin
    record_event(session, None, "user.role_changed", "user", user.id, old=user.role, new=roles[-1], via="sso")
    user.role = roles[-1]


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN.value, User.active.is_(True)))
