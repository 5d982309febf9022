"""What was emailed to whom: a cohort's notices for its trainers, every notice for admins."""

from __future__ import annotations

from sqlalchemy import Select, or_, select

from course.models import Cohort, CohortMember, Notice, User

LOG_PAGE = 50


def cohort_notices(cohort: Cohort) -> Select:
    """Notices about the cohort, or to its members (certificates name no cohort), newest first."""
    members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    return (select(Notice, User).join(User, User.id == Notice.user_id)
            .where(or_(Notice.cohort_id == cohort.id, Notice.user_id.in_(members)))
            .order_by(Notice.id.desc()))


def all_notices(status: str | None = None) -> Select:
    """Every notice (admins), optionally only those with `status`, newest first."""
    query = select(Notice, User).join(User, User.id == Notice.user_id).order_by(Notice.id.desc())
    return query.where(Notice.status == status) if status else query
