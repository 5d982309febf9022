"""Learning progress: lesson visits, module status and the next step, in constant queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from course.models import (
    AttemptPurpose,
    AttemptStatus,
    ContentVersion,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    User,
    utcnow,
)
from course.scenarios.services import ScenarioRecord, scenario_records

# Module status names, also used as CSS classes and in tests.
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


@dataclass
class QuizRecord:
    """A trainee's attempts at one module's quiz, summarised."""

    attempts: int = 0
    best_score: float | None = None
    passed: bool = False
    open_attempt_id: int | None = None
    failed: int = 0  # submitted attempts that did not pass


@dataclass
class ModuleProgress:
    """Where one trainee stands in one module.

    Built complete, then read: the derived values are worked out once, when it is built. A cohort page builds
    one per trainee and module (8,000 for 1,000 trainees), so they are plain attributes, not properties.
    """

    module: Module
    completed_lessons: set[str] = field(default_factory=set)
    visited_lessons: set[str] = field(default_factory=set)
    quiz: QuizRecord = field(default_factory=QuizRecord)
    scenario: ScenarioRecord = field(default_factory=ScenarioRecord)
    # Set instead of the lesson sets when built from aggregates (cohort pages): (completed, any visited).
    lesson_tally: tuple[int, bool] | None = None
    # Derived in __post_init__:
    lessons_done: int = field(init=False, repr=False, compare=False)  # of this module's lessons as published now
    started: bool = field(init=False, repr=False, compare=False)
    scenario_counts: bool = field(init=False, repr=False, compare=False)  # is the scenario required?
    steps_total: int = field(init=False, repr=False, compare=False)
    steps_done: int = field(init=False, repr=False, compare=False)
    status: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        module, quiz, scenario = self.module, self.quiz, self.scenario
        lessons = module.lessons
        if self.lesson_tally is not None:
            self.lessons_done, visited = self.lesson_tally
        else:
            self.lessons_done = len(self.completed_lessons & {lesson.slug for lesson in lessons})
            visited = bool(self.visited_lessons)
        self.started = visited or bool(quiz.attempts) or bool(scenario.runs)
        self.scenario_counts = bool(module.scenario_required and module.scenario)
        self.steps_total = len(lessons) + 1 + self.scenario_counts
        self.steps_done = self.lessons_done + quiz.passed + (self.scenario_counts and scenario.completed)
        if self.steps_done == self.steps_total:
            self.status = COMPLETED
        else:
            self.status = IN_PROGRESS if self.started else NOT_STARTED

    @property
    def percent(self) -> int:
        return round(100 * self.steps_done / self.steps_total)

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
    """Every module's progress for `user`, in three queries beyond loading the version."""
    visited: dict[str, set[str]] = {}
    completed: dict[str, set[str]] = {}
    rows = session.execute(
        select(LessonProgress.module_slug, LessonProgress.lesson_slug, LessonProgress.completed_at)
        .where(LessonProgress.user_id == user.id)
    )
    for module_slug, lesson_slug, completed_at in rows:
        visited.setdefault(module_slug, set()).add(lesson_slug)
        if completed_at is not None:
            completed.setdefault(module_slug, set()).add(lesson_slug)
    quizzes, scenarios = quiz_records(session, user), scenario_records(session, user)
    return CourseProgress(version, [
        ModuleProgress(m, completed.get(m.slug, set()), visited.get(m.slug, set()),
                       quizzes.get(m.slug, QuizRecord()), scenarios.get(m.slug, ScenarioRecord()))
        for m in version.modules
    ])


def quiz_records(session: Session, user: User) -> dict[str, QuizRecord]:
    """Per module slug: attempts made, best score, passed, and any open attempt (one query)."""
    rows = quiz_record_rows(session, QuizAttempt.user_id == user.id)
    return {slug: record for (_user_id, slug), record in rows.items()}


def quiz_record_rows(session: Session, *where) -> dict[tuple[int, str], QuizRecord]:
    """Per (user id, module slug), for the users `where` selects: quiz attempts summarised (one query)."""
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
        .where(QuizAttempt.purpose == AttemptPurpose.QUIZ, *where)
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
