"""Registering a learning platform (admins: command line or admin page) and what an admin pastes into it."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.models import LtiPlatform, User


def origin(url: str) -> str | None:
    """`scheme://host[:port]` of an http(s) URL, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def platform_origins(platform: LtiPlatform) -> list[str]:
    """The web origins a platform shows Dignity from (its issuer and its sign-in page), for frame-ancestors."""
    found = [origin(platform.issuer), origin(platform.auth_login_url)]
    return sorted({o for o in found if o})


def registered_origins(session: Session) -> list[str]:
    """The origins of every active registered platform."""
    platforms = session.scalars(select(LtiPlatform).where(LtiPlatform.active.is_(True)))
    return sorted({o for platform in platforms for o in platform_origins(platform)})


def public_url(endpoint: str, **values) -> str:
    """An absolute URL of this site (PUBLIC_BASE_URL when set), as registered in the platform."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + url_for(endpoint, **values)


class PlatformError(ValueError):
    """A registration that cannot be saved, with a message for the admin."""


@dataclass(frozen=True)
class PlatformFields:
    """What the platform shows an admin when Dignity is added to it as an LTI 1.3 tool."""

    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]
    match_email: bool = False


def _problem(fields: PlatformFields) -> str | None:
    if not fields.issuer.strip() or not fields.client_id.strip():
        return _("The issuer and the client ID are required.")
    for url in (fields.auth_login_url, fields.auth_token_url, fields.key_set_url):
        if origin(url.strip()) is None or any(ch.isspace() for ch in url.strip()):
            return _("Each platform address must be a full http:// or https:// URL: %(url)s", url=url[:200])
    if not [d for d in fields.deployment_ids if d.strip()]:
        return _("At least one deployment ID is required.")
    if max(len(fields.issuer), len(fields.client_id), *(len(d) for d in fields.deployment_ids)) > 255:
        return _("The issuer, client ID and deployment IDs may be at most 255 characters.")
    return None


def register_platform(session: Session, fields: PlatformFields, actor: User | None = None) -> tuple[LtiPlatform, bool]:
    """Register a platform, or update the one with the same issuer and client ID (deployments are added).

    Returns (platform, created). Raises PlatformError. Flushes, never commits.
    """
    problem = _problem(fields)
    if problem:
        raise PlatformError(problem)
    issuer, client_id = fields.issuer.strip(), fields.client_id.strip()
    platform = session.scalar(select(LtiPlatform).where(LtiPlatform.issuer == issuer,
                                                        LtiPlatform.client_id == client_id))
    created = platform is None
    if created:
        platform = LtiPlatform(issuer=issuer, client_id=client_id, deployment_ids=[])
        session.add(platform)
    platform.name = (fields.name.strip() or issuer)[:120]
    platform.auth_login_url, platform.auth_token_url = fields.auth_login_url.strip(), fields.auth_token_url.strip()
    platform.key_set_url, platform.match_email, platform.active = fields.key_set_url.strip(), fields.match_email, True
    known = list(platform.deployment_ids or [])
    platform.deployment_ids = known + [d.strip() for d in fields.deployment_ids if d.strip() and d.strip() not in known]
    session.flush()
    record_event(session, actor, "lti.platform_registered" if created else "lti.platform_updated", "lti_platform",
                 platform.id, issuer=issuer, client_id=client_id)
    return platform, created


def set_platform_active(session: Session, platform: LtiPlatform, active: bool, actor: User | None = None) -> None:
    """Pause or resume a platform: a paused one's launches are refused; its links and queued grades stay."""
    platform.active = active
    record_event(session, actor, "lti.platform_resumed" if active else "lti.platform_paused", "lti_platform",
                 platform.id)
    session.flush()


def all_platforms(session: Session) -> list[LtiPlatform]:
    """Every registered platform, by name."""
    return list(session.scalars(select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)))


def tool_urls(url_for_public) -> dict[str, str]:
    """The addresses an admin pastes into the platform, from a function that makes public URLs."""
    return {"login": url_for_public("lti.login"), "launch": url_for_public("lti.launch"),
            "deep_link": url_for_public("lti.launch"), "jwks": url_for_public("lti.jwks")}
