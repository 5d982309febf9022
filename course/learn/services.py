"""Recording a trainee's reading: lesson visits and completions; modules paused because the material affects them."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from course.core.audit import record_event
from course.core.events import LearningEvent, lesson_activity, module_activity, record_learning, statements_wanted
from course.core.standings import touch
from course.database import dialect_insert
from course.models import Lesson, LessonProgress, ModulePause, User, utcnow

VISITS: dict = {}  # the visit's INSERT … ON CONFLICT DO NOTHING, built once per database (by its insert construct)


def record_lesson_visit(session: Session, user: User, lesson: Lesson, module_started: bool = False) -> None:
    """Note that `user` opened `lesson`; a second visit (or a race) changes nothing.

    `module_started`: the caller read that the trainee had already started the lesson's module. A visit then leaves
    their standing as it was (a visit counts only towards "started"; started stays started), so it is not rebuilt.
    """
    insert = dialect_insert(session)
    statement = VISITS.get(insert)
    if statement is None:
        statement = VISITS[insert] = insert(LessonProgress).values(
            user_id=bindparam("user_id"), module_slug=bindparam("module_slug"), lesson_slug=bindparam("lesson_slug"),
            visited_at=bindparam("visited_at"),
        ).on_conflict_do_nothing(index_elements=["user_id", "module_slug", "lesson_slug"]).returning(LessonProgress.id)
    visit = {"user_id": user.id, "module_slug": lesson.module.slug, "lesson_slug": lesson.slug, "visited_at": utcnow()}
    if session.execute(statement, visit).scalar() is not None:  # a new row: the first visit
        if not module_started:
            touch(session, user.id)  # now started (core.standings)
        report_lesson(session, user, lesson, "experienced")


def report_lesson(session: Session, user: User, lesson: Lesson, verb: str) -> None:
    """`experienced` (first opened) or `completed` a lesson, through the records-out seam."""
    if statements_wanted():
        record_learning(session, LearningEvent(
            verb, user, lesson_activity(lesson), key=f"lesson:{user.id}:{lesson.module.slug}:{lesson.slug}:{verb}",
            at=utcnow(), version=lesson.module.version, parent=module_activity(lesson.module),
            completion=True if verb == "completed" else None, language=lesson.content_lang))


def complete_lesson(session: Session, user: User, lesson: Lesson) -> None:
    """Mark `lesson` complete for `user`. Idempotent: a double click keeps the first time."""
    record_lesson_visit(session, user, lesson)
    record = session.scalar(
        select(LessonProgress).where(
            LessonProgress.user_id == user.id, LessonProgress.module_slug == lesson.module.slug,
            LessonProgress.lesson_slug == lesson.slug,
        )
    )
    if record.completed_at is None:
        record.completed_at = utcnow()
        report_lesson(session, user, lesson, "completed")
    session.flush()


def pause_module(session: Session, user: User, module_slug: str) -> bool:
    """Pause `module_slug` for `user` and tell their trainers they asked for an alternative (no reason is kept).

    Audited. A second request (a double click, another tab) changes nothing and returns False.
    """
    statement = dialect_insert(session)(ModulePause).values(user_id=user.id, module_slug=module_slug,
                                                            requested_at=utcnow())
    inserted = session.scalar(statement.on_conflict_do_nothing(index_elements=["user_id", "module_slug"])
                              .returning(ModulePause.module_slug))  # no row back when it was already paused
    if inserted is None:
        return False
    record_event(session, user, "module.paused", "module", module_slug)
    session.flush()
    return True


def resume_module(session: Session, user: User, module_slug: str) -> bool:
    """Resume `module_slug`, withdrawing the request. Audited; False if it was not paused."""
    result = session.execute(delete(ModulePause).where(ModulePause.user_id == user.id,
                                                       ModulePause.module_slug == module_slug))
    if not result.rowcount:
        return False
    record_event(session, user, "module.resumed", "module", module_slug)
    session.flush()
    return True
