"""A cohort's progress matrix, trainees × modules, built in a constant number of queries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.core.memberships import EFFECTIVE_DUE_ON, done_for_cohort, exemptions_by_member
from course.core.progress import ModuleProgress, progress_by_user
from course.core.records import QuizRecord, certificate_summaries
from course.models import (
    Certificate,
    Cohort,
    CohortMember,
    ContentVersion,
    User,
    utcnow,
)

DUE_SOON_DAYS = 14
FILTERS = ("all", "overdue", "due_soon", "not_started", "failed", "renewal_due", "completed")
SORTS = ("name", "progress", "-progress", "joined")


@dataclass
class TraineeRow:
    """One trainee's line in the matrix."""

    user: User
    joined_at: datetime
    modules: list[ModuleProgress]
    certificate: Certificate | None
    first_certificate_at: datetime | None = None
    flags: set[str] = field(default_factory=set)
    exam: QuizRecord | None = None  # the final exam's attempts; None when the course has no exam
    due_on: date | None = None  # the effective due date (core.memberships.effective_due_on)
    exempt: frozenset[str] = frozenset()  # module slugs the trainee is exempt from in this cohort

    @property
    def steps_done(self) -> int:
        return sum(m.steps_done for m in self.modules) + bool(self.exam and self.exam.passed)

    @cached_property
    def percent(self) -> int:
        total = sum(m.steps_total for m in self.modules) + (self.exam is not None)
        return round(100 * self.steps_done / total) if total else 0

    @cached_property
    def is_complete(self) -> bool:
        """Done for the cohort: every module completed or exempt (core.memberships.done_for_cohort), exam passed."""
        modules_done = bool(self.modules) and all(done_for_cohort(m, self.exempt) for m in self.modules)
        return modules_done and (self.exam is None or self.exam.passed)

    @property
    def started(self) -> bool:
        return any(m.started for m in self.modules)

    @property
    def failed_attempts(self) -> int:
        return sum(m.quiz.failed for m in self.modules)


@dataclass
class ModuleTotals:
    """How a cohort stands in one module (trainer.cohort_sql counts them in SQL)."""

    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    average_best: float | None = None  # the mean of the trainees' best quiz scores, of those who have one


@dataclass
class CohortProgress:
    """The whole matrix, with totals and the flags the filters use."""

    cohort: Cohort
    version: ContentVersion
    rows: list[TraineeRow]
    today: date

    @cached_property
    def completed(self) -> int:
        return sum(row.is_complete for row in self.rows)

    @property
    def percent_complete(self) -> int:
        return round(100 * self.completed / len(self.rows)) if self.rows else 0

    @cached_property
    def flag_counts(self) -> Counter[str]:
        return Counter(flag for row in self.rows for flag in row.flags)

    def count(self, flag: str) -> int:
        return self.flag_counts[flag]

    def matching(self, flag: str = "all", sort: str = "name") -> list[TraineeRow]:
        """The rows a filter keeps, in the requested order."""
        rows = self.rows if flag == "all" else [row for row in self.rows if flag in row.flags]
        keys = {
            "name": lambda r: (r.user.name.lower(), r.user.id),
            "joined": lambda r: (r.joined_at, r.user.id),
            "progress": lambda r: (r.percent, r.user.name.lower()),
            "-progress": lambda r: (-r.percent, r.user.name.lower()),
        }
        return sorted(rows, key=keys.get(sort, keys["name"]))


def member_filter(cohort: Cohort, column):
    """`column IN (the cohort's member ids)`, as a subquery so the statement does not grow with N."""
    return column.in_(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id).scalar_subquery())


def cohort_progress(session: Session, cohort: Cohort, version: ContentVersion, now: datetime | None = None,
                    user_ids: list[int] | None = None) -> CohortProgress:
    """Members' progress in every module, plus certificates and exemptions, in eight queries whatever the size.

    Every member, or only those in `user_ids` (one page of the cohort page, one batch of an export).
    """
    now = now or utcnow()

    def among(column):
        return member_filter(cohort, column) if user_ids is None else column.in_(user_ids)

    member_query = select(CohortMember.id).where(CohortMember.cohort_id == cohort.id)
    if user_ids is not None:
        member_query = member_query.where(CohortMember.user_id.in_(user_ids))
    members = session.execute(
        select(User, CohortMember.joined_at, CohortMember.id, EFFECTIVE_DUE_ON)
        .join(CohortMember, CohortMember.user_id == User.id).join(Cohort, Cohort.id == CohortMember.cohort_id)
        .where(CohortMember.id.in_(member_query))
    ).all()
    exempt = exemptions_by_member(session, member_query)
    courses = progress_by_user(session, version, [user.id for user, *_rest in members], among)
    latest, first_at = certificate_summaries(session, among(Certificate.user_id))
    rows = []
    for user, joined_at, member_id, due_on in members:
        course = courses[user.id]
        row = TraineeRow(user, joined_at, course.modules, latest.get(user.id), first_at.get(user.id),
                         exam=course.exam, due_on=due_on, exempt=exempt.get(member_id, frozenset()))
        row.flags = flags_for(row, now)
        rows.append(row)
    return CohortProgress(cohort, version, rows, now.date())


def flags_for(row: TraineeRow, now: datetime) -> set[str]:
    """The filter flags that apply to a trainee (overdue and due soon against their effective due date)."""
    flags = set()
    done = row.is_complete or (row.certificate is not None and row.certificate.status_at(now) == "valid")
    if done:
        flags.add("completed")
    elif row.due_on is not None:
        if now.date() > row.due_on:
            flags.add("overdue")
        elif row.due_on - now.date() <= timedelta(days=DUE_SOON_DAYS):
            flags.add("due_soon")
    if not row.started:
        flags.add("not_started")
    if any(m.quiz.failed and not m.quiz.passed for m in row.modules):
        flags.add("failed")
    if row.certificate is not None and row.certificate.renewal_due(now):
        flags.add("renewal_due")
    return flags

