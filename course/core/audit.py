"""Writing to the audit log."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy.orm import Session

from course.models import AuditEvent, User


def record_event(session: Session, actor: User | None, action: str, target_type: str,
                 target_id: object, **details) -> AuditEvent:
    """Append an audit event (who, what, to what). Flushes nothing; committed with the request.

    During an API request the event also names the token that asked for it (the actor is then None).
    """
    if has_app_context() and g.get("api_token_id"):
        details.setdefault("api_token_id", g.api_token_id)
    event = AuditEvent(actor_id=actor.id if actor else None, action=action, target_type=target_type,
                       target_id=str(target_id), details=details)
    session.add(event)
    return event
