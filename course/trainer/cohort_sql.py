"""The cohort page in SQL: counts, filters, search, sorting and paging over the standings, rows for one page only.

Every trainee's place in the course is summarised in `trainee_standings` and `module_standings`
(core/standings.py keeps them current). This module turns the page's questions into SQL over those rows joined
with the cohort's memberships, so the work of a request does not grow with the trainees it does not show:
- one query counts the cohort and every filter (the summary and the filter menu);
- one query picks the page's trainees (filter, search, sort, LIMIT/OFFSET); their matrix rows are then built
  from their records alone (`progress.cohort_progress` for those ids);
- module totals and score bands come from the cohort's kept totals (core/cohort_totals.py), completion over time
  from a GROUP BY over the members' first certificate dates.

The filter rules are those of `progress.flags_for` (tests compare the two on the same cohort).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import has_request_context
from sqlalchemy import Date, Select, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.orm import Session

from course.core.cohort_totals import BAND_WIDTH, NO_SCORE, materialize, read_totals
from course.core.memberships import EFFECTIVE_DUE_ON
from course.core.progress import COMPLETED, IN_PROGRESS
from course.core.search import text_match
from course.core.standings import rebuild, stale_user_ids
from course.database import write_first
from course.models import (
    Cohort,
    CohortMember,
    CohortTotals,
    ContentVersion,
    MemberExemption,
    ModuleStanding,
    TraineeStanding,
    User,
    utcnow,
)
from course.trainer.progress import DUE_SOON_DAYS, ModuleTotals, TraineeRow, cohort_progress


@dataclass
class CohortPage:
    """What the cohort page shows: the totals of the whole cohort and the rows of one page."""

    cohort: Cohort
    version: ContentVersion
    size: int  # trainees in the cohort
    completed: int  # done for this cohort (every module completed or exempt, exam passed)
    exam_passed: int
    counts: dict[str, int]  # trainees per filter
    rows: list[TraineeRow] = field(default_factory=list)
    matched: int = 0  # trainees the filter and search keep
    page: int = 1
    pages: int = 1
    totals: list[ModuleTotals] = field(default_factory=list)
    bands: list[list[int]] = field(default_factory=list)  # per module: trainees per score band
    completion_points: list[tuple[str, int]] = field(default_factory=list)

    @property
    def percent_complete(self) -> int:
        return round(100 * self.completed / self.size) if self.size else 0

    def count(self, flag: str) -> int:
        return self.counts.get(flag, 0)


def members_of(cohort: Cohort):
    """The cohort's member ids as a subquery (`user_id`)."""
    return select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id).subquery()


def flag_clauses(version: ContentVersion, now: datetime, exemptions: bool = True,
                 cohort: Cohort | None = None) -> dict[str, object]:
    """Each filter as a SQL condition over cohort_members ⋈ cohorts ⟕ trainee_standings.

    `exemptions=False` when the cohort has none: the exemption rule's subquery is left out. With `cohort`, its
    due date is a parameter (the effective due date is then `coalesce(cohort_members.due_on, :cohort_due_on)`,
    the same rule as core.memberships.EFFECTIVE_DUE_ON) and the conditions need no join to `cohorts`."""
    standing, today = TraineeStanding, now.date()
    slugs = [module.slug for module in version.modules]
    completed_there = exists().where(ModuleStanding.user_id == CohortMember.user_id,
                                     ModuleStanding.module_slug == MemberExemption.module_slug,
                                     ModuleStanding.status == COMPLETED).correlate_except(ModuleStanding)
    exempt_open = (select(func.count()).select_from(MemberExemption)
                   .where(MemberExemption.cohort_member_id == CohortMember.id,
                          MemberExemption.module_slug.in_(slugs), not_(completed_there))
                   .correlate_except(MemberExemption).scalar_subquery())
    modules_done = func.coalesce(standing.modules_complete, 0) + (exempt_open if exemptions else 0)
    complete = and_(func.coalesce(standing.exam_ok, False).is_(True), modules_done >= len(slugs)) if slugs else False
    current = and_(standing.certificate_id.is_not(None), standing.certificate_void.is_(False))
    valid = and_(current, or_(standing.certificate_expires_at.is_(None), standing.certificate_expires_at > now))
    done = or_(complete, valid)
    due = EFFECTIVE_DUE_ON if cohort is None else func.coalesce(CohortMember.due_on, literal(cohort.due_on, Date))
    return {
        "complete": complete,
        "completed": done,
        "overdue": and_(not_(done), due.is_not(None), due < today),
        "due_soon": and_(not_(done), due.is_not(None), due >= today, due <= today + timedelta(days=DUE_SOON_DAYS)),
        "not_started": func.coalesce(standing.started, False).is_(False),
        "failed": func.coalesce(standing.failed, False).is_(True),
        "renewal_due": and_(current, standing.certificate_renewal_due_at.is_not(None),
                            standing.certificate_renewal_due_at <= now),
    }


def _members(query: Select, cohort: Cohort, users: bool = True) -> Select:
    """`query` over the cohort's members and their standings (and their accounts, for names and searching)."""
    query = query.select_from(CohortMember)
    if users:
        query = query.join(User, User.id == CohortMember.user_id)
    return (query.outerjoin(TraineeStanding, TraineeStanding.user_id == CohortMember.user_id)
            .where(CohortMember.cohort_id == cohort.id))


def _flag_sum(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


SORTS = {
    "name": lambda: (func.lower(User.name), User.id),
    "joined": lambda: (CohortMember.joined_at, User.id),
    "progress": lambda: (func.coalesce(TraineeStanding.percent, 0), func.lower(User.name), User.id),
    "-progress": lambda: (func.coalesce(TraineeStanding.percent, 0).desc(), func.lower(User.name), User.id),
}


def cohort_page(session: Session, cohort: Cohort, version: ContentVersion, flag: str = "all", sort: str = "name",
                search: str = "", page: int = 1, page_size: int = 50, now: datetime | None = None) -> CohortPage:
    """The cohort page's figures and one page of rows; brings stale standings up to date first (a write)."""
    now = now or utcnow()
    bring_up_to_date(session, cohort, version)
    exempted = session.scalar(select(exists().where(MemberExemption.cohort_member_id == CohortMember.id,
                                                    CohortMember.cohort_id == cohort.id)))
    flags = flag_clauses(version, now, exemptions=bool(exempted), cohort=cohort)
    filters = ("overdue", "due_soon", "not_started", "failed", "renewal_due", "completed")
    totals = session.execute(_members(select(
        func.count(CohortMember.id), _flag_sum(flags["complete"]),
        _flag_sum(func.coalesce(TraineeStanding.exam_passed, False).is_(True)),
        *(_flag_sum(flags[name]) for name in filters)), cohort, users=False)).one()
    size, completed, exam_passed, *counted = (int(value) for value in totals)
    result = CohortPage(cohort, version, size, completed, exam_passed, dict(zip(filters, counted, strict=True)))
    query = _members(select(CohortMember.user_id), cohort)
    if flag in flags and flag != "complete":
        query = query.where(flags[flag])
    if search.strip():
        query = query.where(text_match(search, User.name, User.email, User.badge_number))
    ids, result.matched, result.page = page_of(session, query.order_by(*SORTS.get(sort, SORTS["name"])()),
                                               page, page_size)
    result.pages = max(1, -(-result.matched // page_size))
    if ids:
        built = {row.user.id: row for row in cohort_progress(session, cohort, version, now, user_ids=ids).rows}
        result.rows = [built[user_id] for user_id in ids]
    result.totals, result.bands = module_totals(session, cohort, version, size)
    result.completion_points = completion_over_time(session, cohort)
    return result


def page_of(session: Session, query: Select, page: int, page_size: int) -> tuple[list[int], int, int]:
    """One page of the ids `query` selects, how many it selects in all, and the page number (a page past the end
    is the last page). The count comes with the page, from one scan (`count(*) OVER ()`)."""
    page = max(page, 1)
    rows = session.execute(query.add_columns(func.count().over()).offset((page - 1) * page_size)
                           .limit(page_size)).all()
    if rows or page == 1:
        return [row[0] for row in rows], rows[0][1] if rows else 0, page
    matched = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    if not matched:
        return [], 0, 1
    return page_of(session, query, -(-matched // page_size), page_size)


def bring_up_to_date(session: Session, cohort: Cohort, version: ContentVersion) -> bool:
    """Rebuild the members' missing or stale standings and work out the cohort's totals if they are not kept.

    Reads first (two queries) and writes only when needed; inside a request the writing happens in a transaction
    of its own that starts as a writer (database.write_first), so the page's usual views never take the write lock.
    True if it wrote.
    """
    members = members_of(cohort)
    stale = stale_user_ids(session, version, members)
    kept = session.scalar(select(CohortTotals.content_hash).where(CohortTotals.cohort_id == cohort.id))
    if not stale and kept == version.content_hash:
        return False
    with write_first(session) if has_request_context() else nullcontext():
        rebuild(session, version, stale, only_stale=True)  # each one checked again, under its lock
        materialize(session, cohort, version)
    return True


def module_totals(session: Session, cohort: Cohort, version: ContentVersion,
                  size: int) -> tuple[list[ModuleTotals], list[list[int]]]:
    """Per module: trainees completed / in progress / not started, the average best score and trainees per score
    band, from the cohort's kept totals (core.cohort_totals: one query of at most modules × 2 × 6 rows)."""
    by_slug = {module.slug: ModuleTotals() for module in version.modules}
    sums = {slug: [0.0, 0] for slug in by_slug}
    bands = {slug: [0] * len(range(0, 100, BAND_WIDTH)) for slug in by_slug}
    for slug, status, band, count, score_sum in read_totals(session, cohort):
        if slug not in by_slug:
            continue
        if status == COMPLETED:
            by_slug[slug].completed += count
        elif status == IN_PROGRESS:
            by_slug[slug].in_progress += count
        if band != NO_SCORE:
            sums[slug][0] += score_sum
            sums[slug][1] += count
            bands[slug][band] += count
    for slug, totals in by_slug.items():
        totals.not_started = size - totals.completed - totals.in_progress
        total, scored = sums[slug]
        totals.average_best = round(total / scored, 1) if scored else None
    return list(by_slug.values()), [bands[module.slug] for module in version.modules]


def completion_over_time(session: Session, cohort: Cohort) -> list[tuple[str, int]]:
    """Cumulative trainees with a certificate, by the UTC date each first got one (one query)."""
    members = members_of(cohort)
    total, points = 0, []
    for day, count in session.execute(
            select(TraineeStanding.first_certified_on, func.count())
            .where(TraineeStanding.user_id.in_(select(members.c.user_id)),
                   TraineeStanding.first_certified_on.is_not(None))
            .group_by(TraineeStanding.first_certified_on).order_by(TraineeStanding.first_certified_on)):
        total += count
        points.append((day.isoformat(), total))
    return points
