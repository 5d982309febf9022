"""Cohort operations the trainer's pages and the API share: editing a cohort, removing a member, marking a change."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.standings import members_changed
from course.models import Cohort, CohortMember, User, utcnow

EDITABLE = ("name", "description", "starts_on", "due_on")


class CohortInvalid(ValueError):
    """Cohort details that break a rule; `field` names the one at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def due_date_problem(starts_on: date | None, due_on: date | None) -> str | None:
    """What is wrong with a due date for a cohort starting on `starts_on`, or None (the one rule for form and API)."""
    if due_on and starts_on and due_on < starts_on:
        return _("The due date cannot be before the start date.")
    return None


def update_cohort(session: Session, actor: User | None, cohort: Cohort, **changes) -> None:
    """Change a cohort's name, description or dates (already checked by a form or the API), audited."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    problem = due_date_problem(changes.get("starts_on", cohort.starts_on), changes.get("due_on", cohort.due_on))
    if problem:
        raise CohortInvalid("due_on", problem)
    for field, value in changes.items():
        setattr(cohort, field, value)
    record_event(session, actor, "cohort.edited", "cohort", cohort.id, fields=sorted(changes))
    session.flush()


def membership_changed(session: Session, cohort_id: int) -> None:
    """Mark the cohort updated: its member list is part of what the API syncs by `updated_since`; its kept module
    totals are dropped at commit (core.cohort_totals)."""
    session.execute(update(Cohort).where(Cohort.id == cohort_id).values(updated_at=utcnow())
                    .execution_options(synchronize_session=False))
    members_changed(session, cohort_id)


def remove_member(session: Session, actor: User | None, cohort: Cohort, user_id: int) -> bool:
    """Take a trainee out of the cohort. Their progress, attempts and certificates are untouched."""
    removed = session.execute(delete(CohortMember).where(
        CohortMember.cohort_id == cohort.id, CohortMember.user_id == user_id)).rowcount
    if removed:
        membership_changed(session, cohort.id)
        record_event(session, actor, "cohort.member_removed", "cohort", cohort.id, user_id=user_id)
    return bool(removed)
