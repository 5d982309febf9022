"""Cohorts: groups of trainees with trainers and a due date."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow
from course.models.users import User


class Cohort(Model):
    """A group of trainees working to one due date, run by one or more trainers."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    due_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped by every change to the cohort and to its membership: the API's `updated_since`.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)
    invite_code: Mapped[str] = mapped_column(String(32), unique=True)
    invite_expires_at: Mapped[datetime | None]
    member_limit: Mapped[int | None]

    trainers: Mapped[list[User]] = relationship(secondary="cohort_trainers", order_by="User.name", viewonly=True)


class CohortTrainer(Model):
    """A trainer of a cohort (the creator and any co-trainers)."""

    __tablename__ = "cohort_trainers"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortMember(Model):
    """A trainee's membership of a cohort. Removing it never touches the trainee's records."""

    __tablename__ = "cohort_members"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The import of this cohort created the account: only this cohort's trainers may issue its password links.
    created_account: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The trainee's own due date, set by a trainer's extension; it overrides the cohort's (core.memberships).
    due_on: Mapped[date | None]

    user: Mapped[User] = relationship()


class MemberExemption(Model):
    """A trainee excused from one module of a cohort's course, with the reason (audited too).

    The module counts as done for the cohort's completion and overdue status, never towards a certificate.
    """

    __tablename__ = "member_exemptions"
    __table_args__ = (UniqueConstraint("cohort_member_id", "module_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_member_id: Mapped[int] = mapped_column(ForeignKey("cohort_members.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CohortInvitation(Model):
    """An existing account asked to join a cohort: it becomes a member only when its owner accepts."""

    __tablename__ = "cohort_invitations"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    cohort: Mapped[Cohort] = relationship()
