"""Queueing emails for the reminders run, and the one place that says when a trainee is due."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select
from sqlalchemy.orm import Session

from course.core.memberships import EFFECTIVE_DUE_ON
from course.database import dialect_insert
from course.models import Notice

NOTICE_COLUMNS = ["user_id", "kind", "subject", "cohort_id", "status", "attempts", "created_at"]


def member_due_on() -> ColumnElement:
    """The date a cohort member is due, as an SQL expression over `Cohort` (and `CohortMember`).

    Every query about due dates (reminders, calendars) goes through here: the trainee's own due date (a
    trainer's extension) if set, else the cohort's (`core.memberships.EFFECTIVE_DUE_ON`); callers join
    CohortMember to Cohort.
    """
    return EFFECTIVE_DUE_ON


def queue_notices(session: Session, rows: Select | list[dict]) -> int:
    """Insert a notice for each row of `rows` (a query with columns in NOTICE_COLUMNS order, or dicts),
    skipping any that exists.

    The database decides (INSERT … SELECT … ON CONFLICT DO NOTHING on the unique recipient/kind/subject),
    so two runs or two trainers at once cannot queue, and so cannot send, the same email twice.
    """
    insert = dialect_insert(session)
    if isinstance(rows, list):
        if not rows:
            return 0
        statement = insert(Notice.__table__).values(rows).on_conflict_do_nothing()
    else:
        statement = insert(Notice.__table__).from_select(NOTICE_COLUMNS, rows).on_conflict_do_nothing()
    # Without preserve_rowcount an INSERT's count is not kept once its cursor closes (PostgreSQL reports -1).
    return session.execute(statement.execution_options(preserve_rowcount=True)).rowcount
