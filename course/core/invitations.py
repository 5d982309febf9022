"""Cohort invitations waiting for the invited trainee's answer (shown on their dashboard)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from course.models import CohortInvitation, User


def pending_invitations(session: Session, user: User) -> list[CohortInvitation]:
    """The invitations `user` has not yet accepted or declined, oldest first, with their cohorts."""
    return list(session.scalars(select(CohortInvitation).where(CohortInvitation.user_id == user.id)
                                .options(selectinload(CohortInvitation.cohort)).order_by(CohortInvitation.id)))
