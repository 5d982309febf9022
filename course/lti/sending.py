"""Posting queued scores to the platforms' gradebooks (Assignment and Grade Services), for `lti send-grades`.

`flask --app app lti send-grades` (run every minute by the scheduler, see docs/integrations.md) posts due scores;
a platform that is down or refuses one gets it again later, with growing pauses (1, 2, 4 … minutes, at most
6 hours) and the error kept for the admin page. Apart from the grades queue (lti/grades.py), so that serving
workers, which only queue scores, never load the LTI library and requests for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.orm import Session

from course.lti.registry import registration_for
from course.models import LtiScore

MAX_PAUSE = timedelta(hours=6)
TIMEOUT_SECONDS = 10


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
