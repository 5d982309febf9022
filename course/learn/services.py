"""Learning progress: lesson visits, module status and the next step, in constant queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from course.models import (
    AttemptStatus,
    ContentVersion,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    User,
    utcnow,
)

# Module status names, also used as CSS classes and in tests.
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


@dataclass
class QuizRecord:
    """A trainee's attempts at one module's quiz, summarised."""

    attempts: int = 0
    best_score: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None


@dataclass
class ModuleProgress:
    """Where one trainee stands in one module."""

    module: Module
    completed_lessons: set[str] = field(default_factory=set)
    visited_lessons: set[str] = field(default_factory=set)
    quiz: QuizRecord = field(default_factory=QuizRecord)

    @property
    def steps_total(self) -> int:
        return len(self.module.lessons) + 1

    @property
    def steps_done(self) -> int:
        return len(self.completed_lessons & {lesson.slug for lesson in self.module.lessons}) + int(self.quiz.passed)

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total)

    @property
    def status(self) -> str:
        if self.steps_done == self.steps_total:
            return COMPLETED
        if self.visited_lessons or self.quiz.attempts:
            return IN_PROGRESS
        return NOT_STARTED

    @property
    def is_complete(self) -> bool:
        return self.status == COMPLETED

    def next_lesson(self) -> Lesson | None:
        """The first lesson, in order, not yet marked complete."""
        return next((lesson for lesson in self.module.lessons if lesson.slug not in self.completed_lessons), None)


@dataclass
class CourseProgress:
    """Where one trainee stands in the live course."""

    version: ContentVersion
    modules: list[ModuleProgress]

    @property
    def percent(self) -> int:
        total = sum(m.steps_total for m in self.modules)
        return round(100 * sum(m.steps_done for m in self.modules) / total) if total else 0

    @property
    def is_complete(self) -> bool:
        return bool(self.modules) and all(m.is_complete for m in self.modules)

    @property
    def minutes_left(self) -> int:
        return sum(m.module.minutes for m in self.modules if not m.is_complete)

    def next_module(self) -> ModuleProgress | None:
        """The first module, in course order, that is not complete."""
        return next((m for m in self.modules if not m.is_complete), None)

    def for_module(self, slug: str) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.slug == slug), None)


def load_live_version(session: Session) -> ContentVersion | None:
    """The live content version with its modules and lessons (three queries, whatever the size)."""
    return session.scalar(
        select(ContentVersion).where(ContentVersion.is_live)
        .options(selectinload(ContentVersion.modules).selectinload(Module.lessons))
    )


def course_progress(session: Session, user: User, version: ContentVersion) -> CourseProgress:
    """Every module's progress for `user`, in two queries beyond loading the version."""
    progress = {m.slug: ModuleProgress(m) for m in version.modules}
    rows = session.execute(
        select(LessonProgress.module_slug, LessonProgress.lesson_slug, LessonProgress.completed_at)
        .where(LessonProgress.user_id == user.id)
    )
    for module_slug, lesson_slug, completed_at in rows:
        if module_slug in progress:
            progress[module_slug].visited_lessons.add(lesson_slug)
            if completed_at is not None:
                progress[module_slug].completed_lessons.add(lesson_slug)
    for slug, record in quiz_records(session, user).items():
        if slug in progress:
            progress[slug].quiz = record
    return CourseProgress(version, [progress[m.slug] for m in version.modules])


def quiz_records(session: Session, user: User) -> dict[str, QuizRecord]:
    """Per module slug: attempts made, best score, passed, and any open attempt (one query)."""
    submitted = QuizAttempt.status == AttemptStatus.SUBMITTED
    rows = session.execute(
        select(
            QuizAttempt.module_slug,
            func.count(QuizAttempt.id),
            func.max(case((submitted, QuizAttempt.score))),
            func.max(case((submitted & QuizAttempt.passed, 1), else_=0)),
            func.max(case((QuizAttempt.status == AttemptStatus.IN_PROGRESS, QuizAttempt.id))),
        )
        .where(QuizAttempt.user_id == user.id)
        .group_by(QuizAttempt.module_slug)
    )
    return {slug: QuizRecord(count, best, bool(passed), open_id) for slug, count, best, passed, open_id in rows}


def _insert(session: Session):
    """The dialect's INSERT that can skip a row that already exists."""
    return (postgresql if session.get_bind().dialect.name == "postgresql" else sqlite).insert


def record_lesson_visit(session: Session, user: User, lesson: Lesson) -> None:
    """Note that `user` opened `lesson`; a second visit (or a race) changes nothing."""
    statement = _insert(session)(LessonProgress).values(
        user_id=user.id, module_slug=lesson.module.slug, lesson_slug=lesson.slug, visited_at=utcnow(),
    ).on_conflict_do_nothing(index_elements=["user_id", "module_slug", "lesson_slug"])
    session.execute(statement)


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
    session.flush()


def find_lesson(version: ContentVersion, module_slug: str, lesson_slug: str | None = None):
    """The module (and lesson) with these slugs in `version`, or None."""
    module = next((m for m in version.modules if m.slug == module_slug), None)
    if module is None or lesson_slug is None:
        return module, None
    return module, next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None)
