"""What the API reads: each list a keyset page of resources the token may see, in a constant number of queries."""

from __future__ import annotations

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session

from course.api import schemas
from course.api.scope import visible_cohorts, visible_trainee_ids
from course.api.sync import as_stamp, keyset_page
from course.core.catalogue import load_live_version
from course.core.i18n import kept_language
from course.core.progress import ModuleProgress
from course.core.records import QuizRecord, ScenarioRecord, lesson_tallies, quiz_record_rows, scenario_record_rows
from course.models import (
    ApiToken,
    AttemptPurpose,
    Certificate,
    Cohort,
    CohortMember,
    ContentVersion,
    LessonProgress,
    QuizAttempt,
    ScenarioRun,
    User,
    utcnow,
)
from course.models.base import UTCDateTime


def trainee_resource(user: User) -> schemas.Trainee:
    """A trainee as the API shows them."""
    return schemas.Trainee(id=user.id, email=user.email, name=user.name, badge_number=user.badge_number,
                           active=user.active, created_at=user.created_at, updated_at=user.updated_at)


def trainees(session: Session, token: ApiToken, params: schemas.ListQuery) -> schemas.TraineePage:
    """The trainees the token may see, changed since `updated_since`."""
    query = select(User).where(User.id.in_(visible_trainee_ids(token)))
    rows, cursor = keyset_page(session, query, User.updated_at, User.id, params)
    return schemas.TraineePage(data=[trainee_resource(row[0]) for row in rows], next_cursor=cursor)


def cohort_resource(cohort: Cohort, members: int) -> schemas.Cohort:
    """A cohort as the API shows it."""
    return schemas.Cohort(id=cohort.id, name=cohort.name, description=cohort.description, starts_on=cohort.starts_on,
                          due_on=cohort.due_on, created_at=cohort.created_at, updated_at=cohort.updated_at,
                          member_count=members)


def member_counts(session: Session, cohort_ids: list[int]) -> dict[int, int]:
    """Members per cohort id (one query)."""
    return dict(session.execute(select(CohortMember.cohort_id, func.count(CohortMember.id))
                                .where(CohortMember.cohort_id.in_(cohort_ids)).group_by(CohortMember.cohort_id)).all())


def cohorts(session: Session, token: ApiToken, params: schemas.ListQuery) -> schemas.CohortPage:
    """The cohorts the token may see, changed (details or membership) since `updated_since`."""
    rows, cursor = keyset_page(session, visible_cohorts(token), Cohort.updated_at, Cohort.id, params)
    counts = member_counts(session, [row[0].id for row in rows])
    return schemas.CohortPage(data=[cohort_resource(row[0], counts.get(row[0].id, 0)) for row in rows],
                                        next_cursor=cursor)


def members(session: Session, cohort: Cohort, params: schemas.ListQuery) -> schemas.MemberPage:
    """A cohort's members, by the time they joined."""
    query = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    rows, cursor = keyset_page(session, query, CohortMember.joined_at, CohortMember.id, params)
    return schemas.MemberPage(data=[schemas.Member(trainee_id=row[0], joined_at=row[1]) for row in rows],
                                        next_cursor=cursor)


def latest_activity():
    """Per trainee, the time of their latest learning activity: what "updated" means for progress.

    Progress is derived from lesson visits and completions, attempts and scenario runs, so it changes exactly
    when one of those rows is written; a trainee with none shows their account's creation.
    """
    activity = union_all(
        select(LessonProgress.user_id.label("user_id"), LessonProgress.visited_at.label("at")),
        select(LessonProgress.user_id, LessonProgress.completed_at).where(LessonProgress.completed_at.is_not(None)),
        select(QuizAttempt.user_id, QuizAttempt.updated_at),
        select(ScenarioRun.user_id, ScenarioRun.started_at),
        select(ScenarioRun.user_id, ScenarioRun.finished_at).where(ScenarioRun.finished_at.is_not(None)),
    ).subquery()
    return select(activity.c.user_id, func.max(activity.c.at).label("at")).group_by(activity.c.user_id).subquery()


def progress(session: Session, token: ApiToken, params: schemas.ListQuery) -> schemas.ProgressPage | None:
    """Each visible trainee's standing in every module of the live course (None: nothing is published)."""
    version = load_live_version(session)
    if version is None:
        return None
    latest = latest_activity()
    query = select(User.id).outerjoin(latest, latest.c.user_id == User.id).where(
        User.id.in_(visible_trainee_ids(token)))
    rows, cursor = keyset_page(session, query, func.coalesce(latest.c.at, User.created_at), User.id, params)
    ids = [row[0] for row in rows]
    lessons = lesson_tallies(session, version, LessonProgress.user_id.in_(ids))
    purposes = (AttemptPurpose.QUIZ, AttemptPurpose.EXAM)
    quizzes = quiz_record_rows(session, QuizAttempt.user_id.in_(ids), purposes=purposes)
    scenarios = scenario_record_rows(session, ScenarioRun.user_id.in_(ids))
    data = [standing(version, user_id, stamp, lessons, quizzes, scenarios) for user_id, stamp, _key in rows]
    return schemas.ProgressPage(data=data, next_cursor=cursor)


def standing(version: ContentVersion, user_id: int, stamp, lessons, quizzes, scenarios) -> schemas.Progress:
    """One trainee's progress resource from the page's aggregates."""
    modules = [ModuleProgress(m, quiz=quizzes.get((user_id, m.slug)) or QuizRecord(),
                              scenario=scenarios.get((user_id, m.slug)) or ScenarioRecord(),
                              lesson_tally=lessons.get((user_id, m.slug), (0, False))) for m in version.modules]
    exam = (quizzes.get((user_id, AttemptPurpose.EXAM_SLUG)) or QuizRecord()) if version.exam_settings else None
    steps = sum(m.steps_total for m in modules) + (exam is not None)
    done = sum(m.steps_done for m in modules) + bool(exam and exam.passed)
    return schemas.Progress(
        trainee_id=user_id, content_version_id=version.id, updated_at=stamp,
        percent=round(100 * done / steps) if steps else 0, complete=bool(modules) and done == steps,
        exam_passed=exam.passed if exam is not None else None,
        modules=[schemas.ModuleStanding(
            slug=m.module.slug, title=m.module.title, status=m.status, lessons_done=m.lessons_done,
            lessons_total=len(m.module.lessons), quiz_attempts=m.quiz.attempts, quiz_best_score=m.quiz.best_score,
            quiz_passed=m.quiz.passed, scenario_required=m.scenario_counts, scenario_passed=m.scenario.completed,
        ) for m in modules])


def attempts(session: Session, token: ApiToken, params: schemas.ListQuery) -> schemas.AttemptPage:
    """Attempt summaries (never items, responses or answer keys) of the visible trainees."""
    query = select(QuizAttempt).where(QuizAttempt.user_id.in_(visible_trainee_ids(token)))
    rows, cursor = keyset_page(session, query, QuizAttempt.updated_at, QuizAttempt.id, params)
    return schemas.AttemptPage(data=[schemas.Attempt(
        id=a.id, trainee_id=a.user_id, module_slug=a.module_slug, purpose=a.purpose, number=a.number,
        status=a.status, started_at=a.started_at, submitted_at=a.submitted_at, late=a.late, score=a.score,
        passed=a.passed, pass_mark=a.pass_mark, language=kept_language(a.language), updated_at=a.updated_at)
        for a, _stamp, _key in rows],
        next_cursor=cursor)


def certificate_stamp(now):
    """A certificate's change time: its last update, or its expiry once that has passed (expiry writes nothing)."""
    moment = literal(now, UTCDateTime())
    expired = Certificate.expires_at.is_not(None) & (Certificate.expires_at <= moment) & (
        Certificate.expires_at > Certificate.updated_at)
    return as_stamp(case((expired, Certificate.expires_at), else_=Certificate.updated_at))


def certificates(session: Session, token: ApiToken, params: schemas.ListQuery) -> schemas.CertificatePage:
    """The visible trainees' certificates with their status now."""
    now = utcnow()
    query = select(Certificate).where(Certificate.user_id.in_(visible_trainee_ids(token)))
    rows, cursor = keyset_page(session, query, certificate_stamp(now), Certificate.id, params)
    replaced = dict(session.execute(select(Certificate.id, Certificate.serial).where(
        Certificate.id.in_([c.superseded_by_id for c, *_ in rows if c.superseded_by_id]))).all())
    return schemas.CertificatePage(data=[schemas.Certificate(
        serial=c.serial, trainee_id=c.user_id, sequence=c.sequence, status=c.status_at(now),
        course_title=c.course_title, recipient_name=c.recipient_name, credit_hours=c.credit_hours,
        issued_at=c.issued_at, expires_at=c.expires_at, revoked_at=c.revoked_at,
        revocation_reason=c.revocation_reason, superseded_by=replaced.get(c.superseded_by_id),
        modules=[schemas.CertificateModule(slug=m.get("slug", ""), title=m.get("title", ""), score=m.get("score"))
                 for m in c.modules], updated_at=stamp) for c, stamp, _key in rows], next_cursor=cursor)


def version_resource(version: ContentVersion) -> schemas.CourseVersion:
    """A content version as the API shows it."""
    return schemas.CourseVersion(id=version.id, content_hash=version.content_hash, title=version.title,
                                 is_live=version.is_live, synced_at=version.synced_at,
                                 validity_months=version.validity_months, credit_hours=version.credit_hours,
                                 has_final_exam=bool(version.exam_settings))


def course(session: Session) -> schemas.Course:
    """The live course's modules and every published version, newest first."""
    versions = list(session.scalars(select(ContentVersion).order_by(ContentVersion.id.desc())))
    live = next((v for v in versions if v.is_live), None)
    modules = [schemas.CourseModule(slug=m.slug, title=m.title, position=m.position, minutes=m.minutes)
               for m in live.modules] if live else []
    return schemas.Course(live=version_resource(live) if live else None, modules=modules,
                          versions=[version_resource(v) for v in versions])
