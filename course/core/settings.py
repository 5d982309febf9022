"""Academy settings: admin overrides stored in the database, falling back to the environment and course.yaml."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, has_app_context
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.database import read
from course.models import ContentVersion, Setting, User, utcnow
from course.prepared import Prepared

KEYS = ("academy_name", "validity_months", "credit_hours", "renewal_window_days", "time_zone",
        # single sign-on (core/sso.py): whether directory users may also use passwords, link by email, claims
        "sso_passwords_allowed", "sso_link_by_email", "sso_role_claim", "sso_badge_claim")
PROCEDURE_PREFIX = "procedure."  # the academy's procedures (core/procedures.py), read by the same query
# Read on every page (the academy's name is in the header): built once.
SETTINGS_QUERY = Prepared(select(Setting.key, Setting.value).where(
    or_(Setting.key.in_(KEYS), Setting.key.startswith(PROCEDURE_PREFIX, autoescape=True))))


@dataclass(frozen=True)
class CertificateTerms:
    """What a certificate issued now records: the issuer, how long it is valid, its credit hours."""

    academy_name: str
    validity_months: int | None
    credit_hours: float | None
    renewal_window_days: int


def _load(session: Session) -> tuple[dict[str, object], dict[str, dict[str, str]]]:
    """Settings and procedures in one query, remembered for the rest of the request."""
    if has_app_context() and "dignity_settings" in g and "dignity_procedures" in g:
        return g.dignity_settings, g.dignity_procedures
    values, procedures = {}, {}
    for row in read(session, SETTINGS_QUERY):
        if row.key.startswith(PROCEDURE_PREFIX):
            procedures[row.key.removeprefix(PROCEDURE_PREFIX)] = {
                locale: text for locale, text in (row.value.get("value") or {}).items() if text}
        else:
            values[row.key] = row.value.get("value")
    if has_app_context():
        g.dignity_settings, g.dignity_procedures = values, procedures
    return values, procedures


def stored_settings(session: Session) -> dict[str, object]:
    """The overrides an admin has saved (one query, remembered for the rest of the request)."""
    return _load(session)[0]


def stored_procedures(session: Session) -> dict[str, dict[str, str]]:
    """The academy's procedures as saved, {name: {locale: text}}, read by the same query as the settings."""
    return _load(session)[1]


def forget_stored() -> None:
    """Drop what this request remembered, after a change (so the next read sees it)."""
    if has_app_context():
        g.pop("dignity_settings", None)
        g.pop("dignity_procedures", None)


def academy_name(session: Session) -> str:
    """The academy's name: the admin's setting, else ACADEMY_NAME from the environment."""
    return stored_settings(session).get("academy_name") or current_app.config["ACADEMY_NAME"]


def certificate_terms(session: Session, version: ContentVersion) -> CertificateTerms:
    """The terms for a certificate issued now: admin overrides first, then course.yaml."""
    stored = stored_settings(session)
    return CertificateTerms(
        academy_name=academy_name(session),
        validity_months=stored.get("validity_months", version.validity_months),
        credit_hours=stored.get("credit_hours", version.credit_hours),
        renewal_window_days=stored.get("renewal_window_days", version.renewal_window_days),
    )


def save_settings(session: Session, actor: User, values: dict[str, object]) -> list[str]:
    """Store overrides (None removes one, so the default applies again); returns the keys changed."""
    current = stored_settings(session)
    changed = []
    for key, value in values.items():
        if key not in KEYS or current.get(key) == value:
            continue
        row = session.get(Setting, key)
        if value is None:
            if row is not None:
                session.delete(row)
        elif row is None:
            session.add(Setting(key=key, value={"value": value}, updated_by_id=actor.id))
        else:
            row.value, row.updated_at, row.updated_by_id = {"value": value}, utcnow(), actor.id
        changed.append(key)
    if changed:
        record_event(session, actor, "settings.changed", "settings", "academy", changed=changed,
                     **{key: values[key] for key in changed})
        forget_stored()
    session.flush()
    return changed


PIN_KEY = "content_pinned"  # not in KEYS: set by activating a version, not on the settings form


def pinned_version(session: Session) -> ContentVersion | None:
    """The version an admin made live by hand, if they have not since chosen to follow new content again.

    While it is set, `content sync` publishes new content without making it live.
    """
    row = session.get(Setting, PIN_KEY)
    return session.get(ContentVersion, row.value["value"]) if row is not None else None


def pin_version(session: Session, actor: User, version: ContentVersion) -> None:
    """Record that `version` is live by an admin's choice, so that syncs leave it live (audited by the caller)."""
    row = session.get(Setting, PIN_KEY)
    if row is None:
        session.add(Setting(key=PIN_KEY, value={"value": version.id}, updated_by_id=actor.id))
    else:
        row.value, row.updated_at, row.updated_by_id = {"value": version.id}, utcnow(), actor.id
    session.flush()


def unpin_version(session: Session, actor: User) -> bool:
    """Follow new content again: the next `content sync` makes the files' version live. Audited."""
    row = session.get(Setting, PIN_KEY)
    if row is None:
        return False
    record_event(session, actor, "content.unpinned", "content_version", row.value["value"])
    session.delete(row)
    session.flush()
    return True
