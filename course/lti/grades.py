"""Grade passback (Assignment and Grade Services): scores queued when progress changes, sent until accepted.

A launch that carries the AGS claim records a grade target: where this person's result for this placed link
goes. Whenever progress changes (the completion seam), each of the person's targets gets its current score
queued, if it differs from the last one queued. `flask --app app lti send-grades` posts them (lti/sending.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from course.core.progress import CourseProgress
from course.models import LtiGradeTarget, LtiPlatform, LtiScore, User

SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"


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


def waiting_scores(session: Session, limit: int = 50) -> list[LtiScore]:
    """Scores not yet accepted, for the admin page (most attempts first)."""
    return list(session.scalars(select(LtiScore).where(LtiScore.sent_at.is_(None))
                                .order_by(LtiScore.attempts.desc(), LtiScore.id).limit(limit)))
