"""xAPI 1.0.3 statements for what a trainee does, built once, when the fact happens.

The statement is stored whole in the outbox with its `id` fixed, so each delivery attempt sends the same bytes
and the LRS keeps it once. Verbs are ADL's (and the xAPI registry's `earned`); activity ids live under
PUBLIC_BASE_URL; the trainee is an `account` agent on PUBLIC_BASE_URL with a stable opaque name.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from course.core.events import Activity, LearningEvent, course_activity
from course.core.memberships import trainee_cohorts
from course.models import MessageKind, User
from course.outbox.queue import enqueue

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {
    "launched": ADL + "launched", "experienced": ADL + "experienced", "answered": ADL + "answered",
    "completed": ADL + "completed", "passed": ADL + "passed", "failed": ADL + "failed",
    "earned": "http://id.tincanapi.com/verb/earned",
}
ADL_TYPES = "http://adlnet.gov/expapi/activities/"
ACTIVITY_TYPES = {
    "course": ADL_TYPES + "course", "module": ADL_TYPES + "module", "lesson": ADL_TYPES + "lesson",
    "assessment": ADL_TYPES + "assessment", "question": ADL_TYPES + "cmi.interaction",
    "scenario": ADL_TYPES + "simulation",
}
COHORTS_CACHE = "records_out.cohorts"


def base_url() -> str:
    """PUBLIC_BASE_URL without its trailing slash."""
    return (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")


def statements_enabled() -> bool:
    """Statements are written only when an LRS is configured and activity ids can be absolute."""
    return bool(current_app.config.get("XAPI_LRS_URL") and base_url())


def account_name(user: User) -> str:
    """The trainee's name in every record sent out: a stable opaque UUID, or the email if the admin chose it."""
    if current_app.config.get("RECORDS_ACCOUNT_NAME") == "email":
        return user.email
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, base_url() + "/accounts"), str(user.id)))


def iso(moment: datetime) -> str:
    """An xAPI timestamp: UTC with a Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso_duration(duration: timedelta) -> str:
    """An ISO 8601 duration in seconds, to the hundredth (xAPI keeps 0.01 s)."""
    return f"PT{max(duration.total_seconds(), 0):.2f}S"


def activity_json(activity: Activity, language: str = "en") -> dict:
    """An xAPI Activity with its id under PUBLIC_BASE_URL, named in `language` (the content's language)."""
    type_iri = ACTIVITY_TYPES.get(activity.type) or f"{base_url()}/xapi/activity-types/{activity.type}"
    return {"objectType": "Activity", "id": base_url() + activity.path,
            "definition": {"type": type_iri, "name": {language: activity.name}}}


def registration_id(key: str) -> str:
    """A stable UUID for an attempt or run (the same attempt always has the same registration)."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, base_url() + "/registrations"), key))


def cohort_activities(session: Session, user: User) -> list[dict]:
    """The trainee's cohorts as grouping activities (one query per trainee per transaction)."""
    cache = session.info.setdefault(COHORTS_CACHE, {})
    if user.id not in cache:
        memberships, _invitations = trainee_cohorts(session, user)
        cache[user.id] = [activity_json(Activity(f"/cohorts/{m.cohort.id}", "cohort", m.cohort.name))
                          for m in memberships]
    return cache[user.id]


def result_json(event: LearningEvent) -> dict | None:
    """Score (scaled 0-1, raw percent), success, completion and duration, as far as the event knows them."""
    result: dict = {}
    if event.score is not None:
        result["score"] = {"scaled": round(event.score / 100, 4), "raw": event.score, "min": 0, "max": 100}
    if event.success is not None:
        result["success"] = event.success
    if event.completion is not None:
        result["completion"] = event.completion
    if event.duration is not None:
        result["duration"] = iso_duration(event.duration)
    return result or None


def content_language(event: LearningEvent) -> str:
    """The language of what the trainee saw: the lesson's or question's words, else the course's."""
    if event.language:
        return event.language
    return event.version.content_lang if event.version is not None else (event.user.locale or "en")


def context_json(session: Session, event: LearningEvent) -> dict:
    """Parent activity, course and cohorts, content version, language and registration."""
    grouping = list(cohort_activities(session, event.user))
    extensions = {key if ":" in key else f"{base_url()}/xapi/extensions/{key}": value
                  for key, value in (event.extensions or {}).items()}
    language = content_language(event)
    if event.version is not None:
        grouping.insert(0, activity_json(course_activity(event.version), language))
        extensions[f"{base_url()}/xapi/extensions/content-version"] = event.version.content_hash
    context: dict = {"platform": current_app.config.get("ACADEMY_NAME") or "Dignity", "language": language,
                     "contextActivities": {"grouping": grouping} if grouping else {}}
    if event.parent is not None:
        context["contextActivities"]["parent"] = [activity_json(event.parent, language)]
    if not context["contextActivities"]:
        del context["contextActivities"]
    if event.registration:
        context["registration"] = registration_id(event.registration)
    if extensions:
        context["extensions"] = extensions
    return context


def build_statement(session: Session, event: LearningEvent, statement_id: str) -> dict:
    """The full xAPI statement for `event`, with its id."""
    statement = {
        "id": statement_id,
        "actor": {"objectType": "Agent", "account": {"homePage": base_url(), "name": account_name(event.user)}},
        "verb": {"id": VERBS[event.verb], "display": {"en-US": event.verb}},
        "object": activity_json(event.activity, content_language(event)),
        "context": context_json(session, event),
        "timestamp": iso(event.at),
    }
    result = result_json(event)
    if result:
        statement["result"] = result
    return statement


def write_statement(session: Session, event: LearningEvent) -> None:
    """Put the statement for `event` in the outbox (once per fact), when an LRS is configured."""
    if not statements_enabled():
        return
    statement_id = str(uuid.uuid4())
    enqueue(session, MessageKind.XAPI, statement_id, f"xapi:{event.key}", event.verb,
            build_statement(session, event, statement_id))
