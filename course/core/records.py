"""A trainee's records, summarised: quiz attempts, scenario runs, lessons, objective mastery and certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import bindparam, case, func, select, tuple_
from sqlalchemy.orm import Session, aliased

from course.database import read
from course.models import (
    AttemptItem,
    AttemptPurpose,
    AttemptStatus,
    Certificate,
    ContentVersion,
    LessonProgress,
    Question,
    QuizAttempt,
    ScenarioRun,
    User,
)
from course.prepared import Prepared


@dataclass
class QuizRecord:
    """A trainee's attempts at one module's quiz, summarised."""

    attempts: int = 0
    best_score: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None
    failed: int = 0  # submitted attempts that did not pass


@dataclass
class ScenarioRecord:
    """A trainee's play-throughs of one module's scenario."""

    runs: int = 0
    finished: int = 0
    passed: int = 0  # finished runs at or above the module's scenario pass score
    best: float | None = None
    latest: float | None = None
    open_run_id: int | None = None

    @property
    def completed(self) -> bool:
        """A required scenario counts towards the module only once a run has passed, not just ended."""
        return self.passed > 0


def quiz_record_rows(session: Session, *where, purposes: tuple[str, ...] = (AttemptPurpose.QUIZ,)
                     ) -> dict[tuple[int, str], QuizRecord]:
    """Per (user id, module slug), for the users `where` selects: attempts summarised (one query).

    Module quizzes by default; with AttemptPurpose.EXAM in `purposes`, the final exam too (slug "_exam").
    """
    submitted = QuizAttempt.status == AttemptStatus.SUBMITTED
    rows = session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.module_slug,
            func.count(QuizAttempt.id),
            func.max(case((submitted, QuizAttempt.score))),
            func.max(case((submitted & QuizAttempt.passed, 1), else_=0)),
            func.max(case((QuizAttempt.status == AttemptStatus.IN_PROGRESS, QuizAttempt.id))),
            func.sum(case((submitted & ~QuizAttempt.passed, 1), else_=0)),
        )
        .where(QuizAttempt.purpose.in_(purposes), *where)
        .group_by(QuizAttempt.user_id, QuizAttempt.module_slug)
    )
    return {(user_id, slug): QuizRecord(count, best, bool(passed), open_id, int(failed or 0))
            for user_id, slug, count, best, passed, open_id, failed in rows}


def lesson_tallies(session: Session, version: ContentVersion, *where) -> dict[tuple[int, str], tuple[int, bool]]:
    """Per (user id, module slug): lessons completed (of those published now) and whether any was opened."""
    live = [(m.slug, lesson.slug) for m in version.modules for lesson in m.lessons]
    is_live = tuple_(LessonProgress.module_slug, LessonProgress.lesson_slug).in_(live)
    rows = session.execute(
        select(LessonProgress.user_id, LessonProgress.module_slug,
               func.sum(case((LessonProgress.completed_at.is_not(None) & is_live, 1), else_=0)),
               func.count(LessonProgress.id))
        .where(*where).group_by(LessonProgress.user_id, LessonProgress.module_slug)
    )
    return {(user_id, slug): (int(done or 0), count > 0) for user_id, slug, done, count in rows}


def scenario_record_rows(session: Session, *where) -> dict[tuple[int, str], ScenarioRecord]:
    """Per (user id, module slug), for the users `where` selects: play-throughs summarised (one query)."""
    records: dict[tuple[int, str], ScenarioRecord] = {}
    rows = session.execute(
        select(ScenarioRun.user_id, ScenarioRun.module_slug, ScenarioRun.id, ScenarioRun.finished_at,
               ScenarioRun.score, ScenarioRun.passed)
        .where(*where).order_by(ScenarioRun.user_id, ScenarioRun.number)
    )
    for user_id, slug, run_id, finished_at, score, passed in rows:
        add_scenario_run(records.setdefault((user_id, slug), ScenarioRecord()), run_id, finished_at, score, passed)
    return records


def add_scenario_run(record: ScenarioRecord, run_id: int, finished_at, score: float | None, passed) -> None:
    """Count one play-through into `record`; runs are added in the order they were played."""
    record.runs += 1
    if finished_at is None:
        record.open_run_id = run_id
        return
    record.finished += 1
    record.passed += bool(passed)
    record.latest = score
    record.best = score if record.best is None else max(record.best, score)


@dataclass
class Mastery:
    """How well a trainee has shown an objective in module quizzes: best and latest attempt, 0-100."""

    best: float
    latest: float


_MASTERY = (  # each submitted quiz item's credit by objective, in submission order (every module page)
    select(QuizAttempt.id, QuizAttempt.submitted_at, Question.objective, AttemptItem.credit)
    .join(AttemptItem, AttemptItem.attempt_id == QuizAttempt.id)
    .join(Question, Question.id == AttemptItem.question_id)
    .where(QuizAttempt.user_id == bindparam("user_id"), QuizAttempt.status == AttemptStatus.SUBMITTED,
           QuizAttempt.purpose == AttemptPurpose.QUIZ)
    .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
)
MASTERY = Prepared(_MASTERY)
MODULE_MASTERY = Prepared(_MASTERY.where(QuizAttempt.module_slug == bindparam("module_slug")))


def objective_mastery(session: Session, user: User, module_slug: str | None = None) -> dict[str, Mastery]:
    """Per objective id: the best and the latest attempt's share of credit (one query)."""
    if module_slug is None:
        rows = read(session, MASTERY, {"user_id": user.id})
    else:
        rows = read(session, MODULE_MASTERY, {"user_id": user.id, "module_slug": module_slug})
    per_attempt: dict[tuple[int, str], list[float]] = {}
    for attempt_id, _submitted_at, objective, credit in rows:
        per_attempt.setdefault((attempt_id, objective), []).append(credit or 0.0)
    mastery: dict[str, Mastery] = {}
    for (_attempt_id, objective), credits in per_attempt.items():  # in submission order
        share = round(100 * sum(credits) / len(credits), 1)
        previous = mastery.get(objective)
        mastery[objective] = Mastery(best=max(share, previous.best) if previous else share, latest=share)
    return mastery


LATEST_CERTIFICATE_ID = Prepared(select(Certificate.id).where(Certificate.user_id == bindparam("user_id"))
                                 .order_by(Certificate.sequence.desc()).limit(1))


def latest_certificate(session: Session, user: User) -> Certificate | None:
    """The trainee's most recent certificate: its id by a prepared read, then the certificate itself (most trainees
    on their dashboard during the course have none, and an ORM query that finds nothing cost a tenth of the page)."""
    certificate_id = read(session, LATEST_CERTIFICATE_ID, {"user_id": user.id}).scalar()
    return None if certificate_id is None else session.get(Certificate, certificate_id)


def certificate_history(session: Session, user: User) -> list[Certificate]:
    """All the trainee's certificates, newest first."""
    return list(session.scalars(select(Certificate).where(Certificate.user_id == user.id)
                                .order_by(Certificate.sequence.desc())))


def _certificate_summary_query():
    """One trainee's latest certificate's id and when they first got one, for the user id bound as `user_id`: one
    prepared read (a trainee's standing reads it on every commit that changes their records)."""
    earlier = aliased(Certificate)
    first = select(func.min(earlier.issued_at)).where(earlier.user_id == bindparam("user_id")).scalar_subquery()
    return Prepared(select(Certificate.id, first).where(Certificate.user_id == bindparam("user_id"))
                    .order_by(Certificate.sequence.desc()).limit(1))


CERTIFICATE_SUMMARY = _certificate_summary_query()


def certificate_summary_of(session: Session, user_id: int) -> tuple[dict[int, Certificate], dict[int, datetime]]:
    """`certificate_summaries` for one trainee: a prepared read, then the certificate by its id when there is one
    (most trainees, during the course, have none: no ORM query)."""
    row = read(session, CERTIFICATE_SUMMARY, {"user_id": user_id}).first()
    if row is None:
        return {}, {}
    certificate_id, first_at = row
    return ({user_id: session.get(Certificate, certificate_id)},
            {user_id: first_at if first_at.tzinfo else first_at.replace(tzinfo=UTC)})


def certificate_summaries(session: Session, *where) -> tuple[dict[int, Certificate], dict[int, datetime]]:
    """For the trainees `where` selects: each one's latest certificate, and when each first got one, in UTC
    (two queries)."""
    newest = (select(Certificate.user_id, func.max(Certificate.sequence).label("sequence"))
              .where(*where).group_by(Certificate.user_id).subquery())
    latest = session.scalars(select(Certificate).join(
        newest, (Certificate.user_id == newest.c.user_id) & (Certificate.sequence == newest.c.sequence)))
    first = session.execute(select(Certificate.user_id, func.min(Certificate.issued_at))
                            .where(*where).group_by(Certificate.user_id))
    first_at = {user_id: issued_at if issued_at.tzinfo else issued_at.replace(tzinfo=UTC)
                for user_id, issued_at in first}
    return {c.user_id: c for c in latest}, first_at
