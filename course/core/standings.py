"""Standings: each trainee's place in the live course, kept current in the transaction that changes it.

The cohort pages count, filter, sort and page thousands of trainees in SQL over `trainee_standings` and
`module_standings` (course/models/standings.py) instead of working out every trainee's progress in Python.

How they stay true:
- **Written with the change.** Every change to a trainee's lessons, attempts, scenario runs or certificates marks
  the trainee (`touch`, or the session hooks for changes made through the ORM); before the transaction commits,
  the marked trainees' standings are worked out again from their records and written in that same transaction.
  A change and its summary commit together or not at all.
- **Rebuilt when stale.** A standing records the content version it was worked out on. After another version goes
  live (or for trainees added in bulk, or before this table existed), a cohort page first rebuilds the standings
  of its members that are missing or stale (`stale_user_ids`, then `rebuild`), in bulk; `flask standings rebuild`
  does the same for everyone.
- **One writer per trainee.** Writers lock the trainee's standing row before reading the records (PostgreSQL;
  SQLite writers are serialised already), so two transactions changing one trainee cannot leave the older
  summary behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from flask import has_app_context
from sqlalchemy import bindparam, delete, event, or_, select, tuple_, update
from sqlalchemy.orm import Session

from course.core.catalogue import load_live_version
from course.core.cohort_totals import FORGET, apply_changes, forget
from course.core.progress import CourseProgress, progress_by_user, progress_of
from course.core.records import certificate_summaries, certificate_summary_of
from course.database import dialect_insert
from course.models import (
    Certificate,
    CertificateStatus,
    CohortMember,
    ContentVersion,
    LessonProgress,
    ModuleStanding,
    QuizAttempt,
    ScenarioRun,
    TraineeStanding,
    utcnow,
)

TOUCHED = "dignity.standings_touched"
BATCH = 500  # trainees per bulk rebuild statement group
TRACKED = (LessonProgress, QuizAttempt, ScenarioRun, Certificate)
PLACEHOLDER = {"content_hash": "", "percent": 0, "started": False, "failed": False, "modules_complete": 0,
               "exam_ok": False, "exam_passed": False, "certificate_id": None, "certificate_void": False,
               "certificate_expires_at": None, "certificate_renewal_due_at": None, "first_certified_on": None}


def touch(session: Session, user_id: int) -> None:
    """Mark a trainee whose records changed outside the ORM (a bulk or conditional statement)."""
    session.info.setdefault(TOUCHED, set()).add(user_id)


@contextmanager
def standing_unchanged(session: Session, user_id: int) -> Iterator[None]:
    """The changes made inside cannot change `user_id`'s standing (the caller knows why): they do not mark the trainee
    for a rebuild. Marks made before, or for other trainees, stay (pending changes are flushed first, so they mark)."""
    session.flush()
    marked_before = user_id in session.info.get(TOUCHED, ())
    yield
    session.flush()
    if not marked_before:
        session.info.get(TOUCHED, set()).discard(user_id)


def members_changed(session: Session, cohort_id: int) -> None:
    """Mark a cohort whose members were added or removed outside the ORM: its kept totals are dropped at commit."""
    session.info.setdefault(FORGET, set()).add(cohort_id)


def register_standings(session_factory) -> None:
    """Keep standings current for every session `session_factory` makes (called once by `create_app`)."""
    event.listen(session_factory, "after_flush", _after_flush)
    event.listen(session_factory, "before_commit", _before_commit)
    event.listen(session_factory, "after_rollback", _after_rollback)


def _after_flush(session: Session, _context) -> None:
    touched = session.info.setdefault(TOUCHED, set())
    for instance in (*session.new, *session.deleted):
        if isinstance(instance, TRACKED):
            touched.add(instance.user_id)
        elif isinstance(instance, CohortMember):
            session.info.setdefault(FORGET, set()).add(instance.cohort_id)
    for instance in session.dirty:
        if isinstance(instance, TRACKED) and session.is_modified(instance):
            touched.add(instance.user_id)


def _before_commit(session: Session) -> None:
    if not has_app_context() or session.in_nested_transaction():
        return  # a savepoint's release: the marks wait for the commit of the transaction around it
    session.flush()  # the commit would flush anyway; changes still pending mark their trainees now
    forget(session, session.info.pop(FORGET, ()))
    touched = session.info.pop(TOUCHED, None)
    if not touched:
        return
    version = load_live_version(session)
    if version is not None:
        rebuild(session, version, touched)


def _after_rollback(session: Session) -> None:
    session.info.pop(TOUCHED, None)
    session.info.pop(FORGET, None)


def stale_user_ids(session: Session, version: ContentVersion, members) -> list[int]:
    """Of the users `members` selects (a query of user ids), those whose standing is missing or stale."""
    return list(session.scalars(
        select(members.c.user_id).outerjoin(TraineeStanding, TraineeStanding.user_id == members.c.user_id)
        .where(or_(TraineeStanding.user_id.is_(None), TraineeStanding.content_hash != version.content_hash))
        .order_by(members.c.user_id)))


def rebuild(session: Session, version: ContentVersion, user_ids: Iterable[int], only_stale: bool = False) -> int:
    """Work out these trainees' standings from their records and write them; how many were written.

    With `only_stale`, a standing another transaction made current meanwhile is left alone.
    """
    ids = sorted(set(user_ids))
    written = 0
    for start in range(0, len(ids), BATCH):
        written += _rebuild_batch(session, version, ids[start:start + BATCH], only_stale)
    return written


# The statements of every rebuild, built once (a trainee's own change rebuilds their standing on most commits).
_STANDINGS, _CELLS = TraineeStanding.__table__, ModuleStanding.__table__
_IDS = bindparam("ids", expanding=True)
LOCK = (select(_STANDINGS.c.user_id, _STANDINGS.c.content_hash).where(_STANDINGS.c.user_id.in_(_IDS))
        .order_by(_STANDINGS.c.user_id).with_for_update())  # their standings' content hashes, rows locked
WRITE_STANDING = update(_STANDINGS).where(_STANDINGS.c.user_id == bindparam("key"))
OLD_CELLS = select(_CELLS.c.user_id, _CELLS.c.module_slug, _CELLS.c.status, _CELLS.c.best_score).where(
    _CELLS.c.user_id.in_(_IDS))
WRITE_CELL = update(_CELLS).where(_CELLS.c.user_id == bindparam("key"), _CELLS.c.module_slug == bindparam("slug"))


def _rebuild_batch(session: Session, version: ContentVersion, ids: list[int], only_stale: bool) -> int:
    connection = session.connection()  # plain statements on tables: the ORM's execution layer adds nothing

    def lock(user_ids: list[int]) -> dict[int, str]:
        return dict(connection.execute(LOCK, {"ids": user_ids}).all())

    kept = lock(ids)
    if missing := [user_id for user_id in ids if user_id not in kept]:  # a first standing: a row of defaults
        session.execute(dialect_insert(session)(_STANDINGS).values([
            {"user_id": user_id, "updated_at": utcnow(), **PLACEHOLDER} for user_id in missing
        ]).on_conflict_do_nothing(index_elements=["user_id"]))
        kept.update(lock(missing))
    ids = [user_id for user_id in ids if not only_stale or kept[user_id] != version.content_hash]
    if not ids:
        return 0
    if len(ids) == 1 and not only_stale:  # a trainee's own change (most commits): two queries built once
        progress = {ids[0]: progress_of(session, ids[0], version)}
        latest, first = certificate_summary_of(session, ids[0])
    else:
        progress = progress_by_user(session, version, ids)
        latest, first = certificate_summaries(session, Certificate.user_id.in_(ids))
    now = utcnow()
    rows, new = [], defaultdict(list)
    for user_id in ids:
        course = progress[user_id]
        rows.append({"key": user_id, "updated_at": now, "content_hash": version.content_hash,
                     **standing_values(course, latest.get(user_id), first.get(user_id))})
        new[user_id] = [(m.module.slug, m.status, m.quiz.best_score) for m in course.modules]
    connection.execute(WRITE_STANDING, rows)
    old: dict[int, list] = defaultdict(list)
    for user_id, slug, status, score in connection.execute(OLD_CELLS, {"ids": ids}):
        old[user_id].append((slug, status, score))
    _write_cells(session, old, new)
    apply_changes(session, version, old, new)  # the cohorts' kept totals follow, in this transaction
    return len(ids)


def _write_cells(session: Session, old: dict[int, list], new: dict[int, list]) -> None:
    """Bring the module standings from `old` to `new` (per user id: (module slug, status, best score)), writing only
    the cells that changed: a trainee's change touches one module, not all eight."""
    changed, added, gone = [], [], []
    for user_id in old.keys() | new.keys():
        before = {slug: (status, score) for slug, status, score in old.get(user_id, [])}
        after = {slug: (status, score) for slug, status, score in new.get(user_id, [])}
        for slug, (status, score) in after.items():
            if slug not in before:
                added.append({"user_id": user_id, "module_slug": slug, "status": status, "best_score": score})
            elif before[slug] != (status, score):
                changed.append({"key": user_id, "slug": slug, "status": status, "best_score": score})
        gone += [(user_id, slug) for slug in before.keys() - after.keys()]
    if gone:
        session.execute(delete(_CELLS).where(tuple_(_CELLS.c.user_id, _CELLS.c.module_slug).in_(gone)))
    if changed:
        session.connection().execute(WRITE_CELL, changed)
    if added:
        session.connection().execute(dialect_insert(session)(_CELLS), added)


def standing_values(progress: CourseProgress, certificate: Certificate | None, first_at: datetime | None) -> dict:
    """A trainee's standing, as the columns of `trainee_standings`."""
    exam = progress.exam
    return {
        "percent": progress.percent,
        "started": progress.started,
        "failed": any(m.quiz.failed and not m.quiz.passed for m in progress.modules),
        "modules_complete": sum(m.is_complete for m in progress.modules),
        "exam_ok": exam is None or exam.passed,
        "exam_passed": bool(exam and exam.passed),
        "certificate_id": certificate.id if certificate else None,
        "certificate_void": bool(certificate and certificate.status_at(utcnow()) in (
            CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED)),
        "certificate_expires_at": certificate.expires_at if certificate else None,
        "certificate_renewal_due_at": certificate.renewal_due_at if certificate else None,
        "first_certified_on": first_at.date() if first_at else None,
    }
