"""What a token may see: every trainee and cohort, or, for a token limited to a cohort, that cohort and its members."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from course.core.problems import ApiProblem
from course.models import ApiToken, Cohort, CohortMember, Role, User


def visible_trainee_ids(token: ApiToken) -> Select:
    """The ids of the trainees `token` may see."""
    if token.cohort_id is not None:
        return select(CohortMember.user_id).where(CohortMember.cohort_id == token.cohort_id)
    return select(User.id).where(User.role == Role.TRAINEE.value)


def visible_cohorts(token: ApiToken) -> Select:
    """The cohorts `token` may see."""
    query = select(Cohort)
    return query.where(Cohort.id == token.cohort_id) if token.cohort_id is not None else query


def trainee_for(session: Session, token: ApiToken, trainee_id: int) -> User:
    """The trainee if `token` may see them; 404 otherwise, so ids cannot be probed."""
    user = session.scalar(select(User).where(User.id == trainee_id, User.id.in_(visible_trainee_ids(token))))
    if user is None:
        raise ApiProblem(404, None)
    return user


def cohort_for(session: Session, token: ApiToken, cohort_id: int) -> Cohort:
    """The cohort if `token` may see it; 404 otherwise."""
    cohort = session.scalar(visible_cohorts(token).where(Cohort.id == cohort_id))
    if cohort is None:
        raise ApiProblem(404, None)
    return cohort
