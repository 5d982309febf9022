"""Which cohorts and trainees a trainer may see: their own cohorts; admins see everything."""

from __future__ import annotations

from flask import abort
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from course.models import Cohort, CohortMember, CohortTrainer, Role, User


def visible_cohorts(user: User) -> Select:
    """A query for the cohorts `user` may see: all for admins, the ones they train otherwise."""
    query = select(Cohort)
    if not user.has_role(Role.ADMIN):
        query = query.join(CohortTrainer, CohortTrainer.cohort_id == Cohort.id).where(CohortTrainer.user_id == user.id)
    return query


def cohort_for(session: Session, user: User, cohort_id: int) -> Cohort:
    """The cohort if `user` may see it; 404 otherwise, so ids cannot be probed."""
    cohort = session.scalar(visible_cohorts(user).where(Cohort.id == cohort_id))
    if cohort is None:
        abort(404)
    return cohort


def trains(session: Session, viewer: User, trainee_id: int) -> bool:
    """Whether `viewer` trains a cohort that `trainee_id` belongs to (admins: always)."""
    if viewer.has_role(Role.ADMIN):
        return True
    if not viewer.has_role(Role.TRAINER):
        return False
    return bool(session.scalar(select(exists().where(
        CohortMember.user_id == trainee_id, CohortMember.cohort_id == CohortTrainer.cohort_id,
        CohortTrainer.user_id == viewer.id,
    ))))
