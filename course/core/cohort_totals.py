"""A cohort's module totals (completed, in progress, scores by band), kept change by change.

Adding up 10,000 trainees' module standings on every view of a cohort page costs more than the rest of the page.
So a cohort's totals are worked out once (`materialize`, one INSERT … SELECT … GROUP BY) and then kept current:
- each time trainees' module standings are rewritten (core.standings), `apply_changes` adds the difference
  (new rows less old rows) to the totals of every cohort they belong to whose totals are kept, in the same
  transaction;
- a change of membership (someone joins or leaves) `forget`s the cohort's totals; the next page works them out again.
Totals kept for another content version are worked out again too.

Locks (PostgreSQL): a writer applying changes holds the cohort rows FOR SHARE; `materialize` holds the cohort row
FOR UPDATE. So totals are never worked out from a snapshot that misses a change being applied at that moment.
SQLite serialises writers, which gives the same guarantee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, case, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from course.core.progress import NOT_STARTED
from course.database import dialect_insert
from course.models import Cohort, CohortMember, CohortModuleTotal, CohortTotals, ContentVersion, ModuleStanding
from course.reports.charts import band_index

BAND_WIDTH = 20  # score bands: 0-19%, 20-39%, … 80-100% (reports.charts.score_bands)
NO_SCORE = -1
FORGET = "dignity.cohort_totals_forget"

Cell = tuple[str, str, float | None]  # module slug, status, best score


def band_of(score: float | None) -> int:
    """The band of a best score, as the charts count it (reports.charts.band_index); NO_SCORE for none."""
    return NO_SCORE if score is None else band_index(score, BAND_WIDTH)


def band_sql(score):
    """`band_of` in SQL."""
    starts = list(range(0, 100, BAND_WIDTH))
    return case((score.is_(None), NO_SCORE),
                *((score >= start, index) for index, start in reversed(list(enumerate(starts))) if start > 0),
                else_=0)


def forget(session: Session, cohort_ids: Iterable[int]) -> None:
    """Members joined or left these cohorts: drop their kept totals (the next cohort page works them out)."""
    ids = sorted(set(cohort_ids))
    if ids:
        session.execute(delete(CohortTotals.__table__).where(CohortTotals.__table__.c.cohort_id.in_(ids)))
        session.execute(delete(CohortModuleTotal.__table__)
                        .where(CohortModuleTotal.__table__.c.cohort_id.in_(ids)))


def materialize(session: Session, cohort: Cohort, version: ContentVersion) -> bool:
    """Work out the cohort's totals from its members' module standings, unless they are kept already (True if so)."""
    session.execute(select(Cohort.id).where(Cohort.id == cohort.id).with_for_update())
    kept = session.scalar(select(CohortTotals.content_hash).where(CohortTotals.cohort_id == cohort.id))
    if kept == version.content_hash:
        return False
    forget(session, [cohort.id])
    band = band_sql(ModuleStanding.best_score)
    members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    grouped = (select(literal(cohort.id), ModuleStanding.module_slug, ModuleStanding.status, band, func.count(),
                      func.coalesce(func.sum(ModuleStanding.best_score), 0.0))
               .where(ModuleStanding.user_id.in_(members), ModuleStanding.status != NOT_STARTED)
               .group_by(ModuleStanding.module_slug, ModuleStanding.status, band))
    table = CohortModuleTotal.__table__
    session.execute(insert(table).from_select(
        ["cohort_id", "module_slug", "status", "band", "trainees", "score_sum"], grouped))
    session.execute(insert(CohortTotals.__table__).values(cohort_id=cohort.id, content_hash=version.content_hash))
    return True


# Built once: each trainee's change that moves a module standing applies the difference with these two statements.
MEMBERSHIPS = (select(CohortMember.cohort_id, CohortMember.user_id)  # the changed trainees' cohorts with kept totals
               .join(CohortTotals, CohortTotals.cohort_id == CohortMember.cohort_id)
               .join(Cohort, Cohort.id == CohortMember.cohort_id)
               .where(CohortMember.user_id.in_(bindparam("ids", expanding=True)),
                      CohortTotals.content_hash == bindparam("content_hash"))
               .order_by(CohortMember.cohort_id).with_for_update(read=True, of=Cohort))
_ADD_TO_TOTALS: dict[str, object] = {}  # per dialect: INSERT … ON CONFLICT DO UPDATE adding to the kept row


def _add_to_totals(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect not in _ADD_TO_TOTALS:
        table = CohortModuleTotal.__table__
        statement = dialect_insert(session)(table)
        _ADD_TO_TOTALS[dialect] = statement.on_conflict_do_update(
            index_elements=["cohort_id", "module_slug", "status", "band"],
            set_={"trainees": table.c.trainees + statement.excluded.trainees,
                  "score_sum": table.c.score_sum + statement.excluded.score_sum})
    return _ADD_TO_TOTALS[dialect]


def apply_changes(session: Session, version: ContentVersion, old: dict[int, list[Cell]],
                  new: dict[int, list[Cell]]) -> None:
    """Trainees' module standings went from `old` to `new` (per user id): add the difference to the kept totals."""
    changes: dict[int, dict[tuple[str, str, int], list]] = {}
    for user_id in new.keys() | old.keys():
        difference: dict[tuple[str, str, int], list] = defaultdict(lambda: [0, 0.0])
        for cells, sign in ((old.get(user_id, []), -1), (new.get(user_id, []), 1)):
            for slug, status, score in cells:
                if status != NOT_STARTED:
                    entry = difference[(slug, status, band_of(score))]
                    entry[0] += sign
                    entry[1] += sign * (score or 0.0)
        kept = {key: value for key, value in difference.items() if value[0] or value[1]}
        if kept:
            changes[user_id] = kept
    if not changes:
        return
    memberships = session.connection().execute(
        MEMBERSHIPS, {"ids": list(changes), "content_hash": version.content_hash}).all()
    per_cohort: dict[tuple[int, str, str, int], list] = defaultdict(lambda: [0, 0.0])
    for cohort_id, user_id in memberships:
        for (slug, status, band), (count, score) in changes[user_id].items():
            entry = per_cohort[(cohort_id, slug, status, band)]
            entry[0] += count
            entry[1] += score
    rows = [{"cohort_id": cohort_id, "module_slug": slug, "status": status, "band": band, "trainees": count,
             "score_sum": score} for (cohort_id, slug, status, band), (count, score) in sorted(per_cohort.items())
            if count or score]
    if rows:  # in the order of their keys, so two writers lock the rows in the same order
        session.connection().execute(_add_to_totals(session), rows)


def read_totals(session: Session, cohort: Cohort) -> list[tuple[str, str, int, int, float]]:
    """The kept totals of a cohort: (module slug, status, band, trainees, score sum) rows (one query)."""
    return list(session.execute(
        select(CohortModuleTotal.module_slug, CohortModuleTotal.status, CohortModuleTotal.band,
               CohortModuleTotal.trainees, CohortModuleTotal.score_sum)
        .where(CohortModuleTotal.cohort_id == cohort.id)).all())
