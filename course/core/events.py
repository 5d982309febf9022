"""The records-out seam: areas report what a trainee did; whoever is registered writes it to the outbox.

Learning, quizzes, scenarios and certificates call `record_learning` (an xAPI statement) and `notify` (a webhook
event) inside the transaction that changes progress. `create_app` registers the outbox area's writers with
`register_records_out`, so the core never imports an area and the areas never import each other. Without a
registration (or without a receiver configured) nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy.orm import Session

from course.models import ContentVersion, Lesson, Module, User

EXTENSION = "dignity.records_out"


@dataclass(frozen=True)
class Activity:
    """What the trainee acted on: a path under PUBLIC_BASE_URL, an activity type key and a name."""

    path: str
    type: str  # course, module, lesson, assessment, question, scenario, certificate
    name: str


@dataclass(frozen=True)
class LearningEvent:
    """One thing a trainee did, as an xAPI statement will report it.

    `key` names the fact uniquely (the same fact reported twice is written once); `registration` names the
    attempt or run it belongs to; `score` is a percentage.
    """

    verb: str  # launched, experienced, answered, completed, passed, failed, earned
    user: User
    activity: Activity
    key: str
    at: datetime
    version: ContentVersion | None = None
    parent: Activity | None = None
    registration: str | None = None
    score: float | None = None
    success: bool | None = None
    completion: bool | None = None
    duration: timedelta | None = None
    extensions: dict | None = None
    language: str | None = None  # of the words the trainee saw, when it differs from the course's default


@dataclass(frozen=True)
class Writers:
    """The functions that put statements and webhook events in the outbox."""

    statement: Callable[[Session, LearningEvent], None]
    webhook: Callable[[Session, str, str, dict, User], None]
    statements_enabled: Callable[[], bool]


def register_records_out(app, writers: Writers) -> None:
    """Name the writers of statements and webhook events."""
    app.extensions[EXTENSION] = writers


def statements_wanted() -> bool:
    """Whether statements are written at all: callers skip the work of building them when not."""
    writers = current_app.extensions.get(EXTENSION)
    return writers is not None and writers.statements_enabled()


def record_learning(session: Session, event: LearningEvent) -> None:
    """Report what a trainee did (adds to the session; flushes nothing)."""
    writers = current_app.extensions.get(EXTENSION)
    if writers is not None:
        writers.statement(session, event)


def notify(session: Session, event_type: str, key: str, data: dict, user: User) -> None:
    """Tell the webhook endpoints that subscribe to `event_type` about `user`; `key` names the fact uniquely."""
    writers = current_app.extensions.get(EXTENSION)
    if writers is not None:
        writers.webhook(session, event_type, key, data, user)


def module_activity(module: Module) -> Activity:
    """A module as an xAPI activity."""
    return Activity(f"/modules/{module.slug}", "module", module.title)


def lesson_activity(lesson: Lesson) -> Activity:
    """A lesson as an xAPI activity."""
    return Activity(f"/modules/{lesson.module.slug}/lessons/{lesson.slug}", "lesson", lesson.title)


def course_activity(version: ContentVersion) -> Activity:
    """The course as an xAPI activity."""
    return Activity("/course", "course", version.title)
