"""Grade passback (Assignment and Grade Services): scores queued when progress changes, sent until accepted.

A launch that carries the AGS claim records a grade target: where this person's result for this placed link
goes. Whenever progress changes (the completion seam), each of the person's targets gets its current score
queued, if it differs from the last one queued. `flask --app app lti send-grades` (run every minute by the
scheduler, see docs/integrations.md) posts due scores; a platform that is down or refuses one gets it again
later, with growing pauses (1, 2, 4 … minutes, at most 6 hours) and the error kept for the admin page.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.core.progress import CourseProgress
from course.lti.registry import registration_for
from course.models import LtiGradeTarget, LtiPlatform, LtiScore, User

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
MAX_PAUSE = timedelta(hours=6)
TIMEOUT_SECONDS = 10


def remember_target(session: Session, platform: LtiPlatform, user: User, subject: str, resource_link_id: str,
                    module_slug: str | None, claims: dict) -> LtiGradeTarget | None:
    """Record where this person's score for this link goes, if the launch allows posting scores."""
    endpoint = claims.get(AGS_CLAIM) or {}
    scopes = [str(s) for s in endpoint.get("scope") or []]
    if SCORE_SCOPE not in scopes or not (endpoint.get("lineitem") or endpoint.get("lineitems")):
        return None
    target = session.scalar(select(LtiGradeTarget).where(
        LtiGradeTarget.platform_id == platform.id, LtiGradeTarget.resource_link_id == resource_link_id,
        LtiGradeTarget.user_id == user.id))
    if target is None:
        target = LtiGradeTarget(platform_id=platform.id, user_id=user.id, resource_link_id=resource_link_id,
                                last_queued="")
        session.add(target)
    target.subject, target.module_slug, target.scopes = subject, module_slug, scopes
    target.lineitem_url, target.lineitems_url = endpoint.get("lineitem"), endpoint.get("lineitems")
    session.flush()
    return target


def current_score(progress: CourseProgress, module_slug: str | None) -> tuple[float | None, str, str]:
    """(score out of 100 or None, activity progress, grading progress) for a module, or the course if None.

    A module: its best quiz score, completed when all its steps are. The course: the final exam's best score
    (the share of steps done when the course has no exam), completed when the course is.
    """
    if module_slug is not None:
        module = progress.for_module(module_slug)
        if module is None:
            return None, "Initialized", "NotReady"
        score, done, started = module.quiz.best_score, module.is_complete, module.started
    else:
        exam = progress.exam
        score = exam.best_score if exam is not None else float(progress.percent)
        done, started = progress.is_complete, progress.started
    activity = "Completed" if done else ("InProgress" if started else "Initialized")
    return score, activity, ("FullyGraded" if done else ("Pending" if score is not None else "NotReady"))


def queue_scores(session: Session, user: User, progress: CourseProgress) -> int:
    """Queue the current score for each of `user`'s grade targets whose score changed; how many were queued."""
    queued = 0
    for target in session.scalars(select(LtiGradeTarget).where(LtiGradeTarget.user_id == user.id)):
        score, activity, grading = current_score(progress, target.module_slug)
        fingerprint = f"{score}|{activity}|{grading}"
        if fingerprint == target.last_queued:
            continue
        # A newer score replaces one not yet sent: the gradebook wants the latest, not the history.
        session.execute(delete(LtiScore).where(LtiScore.target_id == target.id, LtiScore.sent_at.is_(None)))
        session.add(LtiScore(target_id=target.id, score_given=score, activity_progress=activity,
                             grading_progress=grading, attempts=0, last_error=""))
        target.last_queued = fingerprint
        queued += 1
    session.flush()
    return queued


def after_progress(session: Session, user: User, progress: CourseProgress) -> None:
    """The completion-seam listener (registered by create_app)."""
    queue_scores(session, user, progress)


def next_due_score(session: Session, now: datetime) -> LtiScore | None:
    """The oldest score not yet accepted whose next try is due, locked until the caller commits.

    On PostgreSQL a second sender skips it (SKIP LOCKED) and takes the next one, so two senders never post the
    same score at once; SQLite runs one writer at a time anyway.
    """
    return session.scalar(select(LtiScore).where(LtiScore.sent_at.is_(None), LtiScore.next_try_at <= now)
                          .order_by(LtiScore.id).limit(1).with_for_update(skip_locked=True))


def _grade(score: LtiScore) -> Grade:
    grade = (Grade().set_score_maximum(score.score_maximum).set_user_id(score.target.subject)
             .set_activity_progress(score.activity_progress).set_grading_progress(score.grading_progress)
             .set_timestamp(score.timestamp.isoformat()))
    if score.score_given is not None:
        grade.set_score_given(round(score.score_given, 2))
    return grade


def post_score(score: LtiScore, http: requests.Session) -> None:
    """Send one score to the platform's gradebook; raises on any refusal or network failure."""
    target = score.target
    connector = ServiceConnector(registration_for(target.platform), requests_session=http)
    service = AssignmentsGradesService(connector, {"scope": target.scopes, "lineitem": target.lineitem_url,
                                                   "lineitems": target.lineitems_url})
    lineitem = None
    if not target.lineitem_url:  # the link has no line item of its own: find or make ours by resource id
        resource = target.module_slug or "course"
        lineitem = (LineItem().set_tag(f"dignity:{resource}").set_resource_id(resource).set_label(resource)
                    .set_score_maximum(100).set_resource_link_id(target.resource_link_id))
    service.put_grade(_grade(score), lineitem)


class _TimeoutSession(requests.Session):
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def send_score(session: Session, score: LtiScore, http: requests.Session, now: datetime) -> bool:
    """Try one score: mark it sent, or count the attempt and schedule the next. Flushes, never commits."""
    score.attempts += 1
    try:
        post_score(score, http)
    except Exception as error:  # whatever went wrong, the score stays queued and is tried again later
        score.last_error = _describe(error)[:500]
        score.next_try_at = now + min(timedelta(minutes=2 ** min(score.attempts - 1, 10)), MAX_PAUSE)
        session.flush()
        return False
    score.sent_at, score.last_error = now, ""
    session.flush()
    return True


def _describe(error: Exception) -> str:
    if isinstance(error, LtiServiceException):
        return f"HTTP {error.response.status_code} from {error.response.url}"
    return f"{type(error).__name__}: {error}"


def http_session() -> requests.Session:
    """A requests session with a timeout on every call, so a hung platform cannot hold a sender forever."""
    http = _TimeoutSession()
    http.headers["User-Agent"] = "Dignity-LTI"
    return http


def waiting_scores(session: Session, limit: int = 50) -> list[LtiScore]:
    """Scores not yet accepted, for the admin page (most attempts first)."""
    return list(session.scalars(select(LtiScore).where(LtiScore.sent_at.is_(None))
                                .order_by(LtiScore.attempts.desc(), LtiScore.id).limit(limit)))
