"""Records out: the transactional outbox of xAPI statements and webhook deliveries, and the webhook endpoints.

A message is written in the same transaction as the progress it reports, with its receiver-facing id (the
statement's UUID, the webhook's `webhook-id`) fixed at that moment, so every retry is the same message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow


class MessageKind:
    """Where a message goes: the LRS, or one webhook endpoint."""

    XAPI = "xapi"
    WEBHOOK = "webhook"


class MessageStatus:
    """Pending until delivered; dead after the last attempt (an admin may send it again)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"


class WebhookEndpoint(Model):
    """An address an admin registered to be told about certificates and completions, with its signing secret."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list]  # event types, e.g. ["certificate.issued", "trainee.completed"]
    # Standard Webhooks secret `whsec_<base64>`; kept to sign, shown to the admin once.
    secret: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OutboxMessage(Model):
    """One statement or webhook call waiting for delivery, delivered, or given up on."""

    __tablename__ = "outbox_messages"
    # Workers find what is due, and the admin page pages through a status, each by one index range.
    __table_args__ = (Index("ix_outbox_messages_due", "status", "next_attempt_at"),
                      Index("ix_outbox_messages_status_id", "status", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # What the receiver dedupes on: the statement id (UUID) or the webhook-id, fixed when written.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    # What makes writing idempotent: the same fact reported twice (a double click, a race) is one message.
    dedupe_key: Mapped[str] = mapped_column(String(255), unique=True)
    event: Mapped[str] = mapped_column(String(64))  # the xAPI verb or the webhook event type
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    payload: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # When a worker may next try. A claim moves it to the end of the claim's lease, so a crashed worker's
    # messages come due again by themselves.
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    redelivered: Mapped[bool] = mapped_column(default=False, server_default=false())  # the receiver had it

    endpoint: Mapped[WebhookEndpoint | None] = relationship()
