"""LTI 1.3: the learning platforms an admin registered, who launched from them, their courses and queued grades."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow


class LtiPlatform(Model):
    """A learning platform (an LMS) registered by an admin: its issuer, our client id there, and its endpoints."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    deployment_ids: Mapped[list] = mapped_column(default=list)
    # Match a first launch to an existing account by the platform's email claim: off unless the admin trusts
    # the platform's emails (otherwise anyone able to set an email there could take over an account here).
    match_email: Mapped[bool] = mapped_column(default=False, server_default=false())
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiIdentity(Model):
    """A platform's stable subject (iss + sub) for one of our accounts: how later launches find it."""

    __tablename__ = "lti_identities"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LtiContext(Model):
    """A course on a platform, kept in step with one cohort (launches and the roster service add its people)."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(255), default="")
    cohort_id: Mapped[int | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    memberships_url: Mapped[str | None] = mapped_column(String(500))
    synced_at: Mapped[datetime | None]

    platform: Mapped[LtiPlatform] = relationship()


class LtiGradeTarget(Model):
    """Where one person's result for one placed link goes: the platform's line item (module or whole course)."""

    __tablename__ = "lti_grade_targets"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    resource_link_id: Mapped[str] = mapped_column(String(255))
    module_slug: Mapped[str | None] = mapped_column(String(80))  # None: the whole course
    lineitem_url: Mapped[str | None] = mapped_column(String(500))
    lineitems_url: Mapped[str | None] = mapped_column(String(500))
    scopes: Mapped[list] = mapped_column(default=list)
    last_queued: Mapped[str] = mapped_column(String(64), default="")  # the last score queued, to queue changes only

    platform: Mapped[LtiPlatform] = relationship()


class LtiScore(Model):
    """A score waiting to reach the platform's gradebook, retried with growing pauses until it is accepted."""

    __tablename__ = "lti_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("lti_grade_targets.id", ondelete="CASCADE"), index=True)
    score_given: Mapped[float | None]
    score_maximum: Mapped[float] = mapped_column(default=100.0)
    activity_progress: Mapped[str] = mapped_column(String(16))
    grading_progress: Mapped[str] = mapped_column(String(16))
    timestamp: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")

    target: Mapped[LtiGradeTarget] = relationship()


class LtiLaunchValue(Model):
    """Short-lived launch state (single-use nonces, launch data, hand-over tokens), shared by every worker."""

    __tablename__ = "lti_launch_values"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[dict]
    expires_at: Mapped[datetime] = mapped_column(index=True)
