"""API tokens: issued once in clear, stored as a hash, limited to a scope and optionally one cohort, revocable."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.models import ApiScope, ApiToken, Cohort, User, utcnow

TOKEN_PREFIX = "dgn_"  # noqa: S105 - makes a leaked token easy to recognise (and to scan for) in logs and repositories


class TokenError(ValueError):
    """A token request that cannot be carried out, with a message for the person who made it."""


def token_digest(token: str) -> str:
    """The stored form of a token: SHA-256 (a random 256-bit token needs no slow hash)."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, actor: User | None, *, name: str, scope: str,
                 cohort_id: int | None = None) -> tuple[str, ApiToken]:
    """A new token, returned once in clear with its row (flushed, audited)."""
    name = " ".join(name.split())
    if not name or len(name) > 120:
        raise TokenError(_("Give the token a name of 1 to 120 characters."))
    if scope not in ApiScope.ALL:
        raise TokenError(_("The scope must be read or write."))
    if cohort_id is not None and session.get(Cohort, cohort_id) is None:
        raise TokenError(_("There is no cohort %(id)s.", id=cohort_id))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(name=name, prefix=token[:12], token_hash=token_digest(token), scope=scope, cohort_id=cohort_id,
                   created_by_id=actor.id if actor else None)
    session.add(row)
    session.flush()
    record_event(session, actor, "api.token_created", "api_token", row.id, name=name, scope=scope,
                 cohort_id=cohort_id)
    return token, row


def find_active_token(session: Session, token: str) -> ApiToken | None:
    """The unrevoked token row for `token`, or None."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token),
                                                 ApiToken.revoked_at.is_(None)))


def revoke_token(session: Session, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token at once; revoking it again changes nothing."""
    row = session.get(ApiToken, token_id)
    if row is None:
        raise TokenError(_("There is no API token %(id)s.", id=token_id))
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        record_event(session, actor, "api.token_revoked", "api_token", row.id, name=row.name)
        session.flush()
    return row


def all_tokens(session: Session) -> list[ApiToken]:
    """Every token, active first, newest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc())))
