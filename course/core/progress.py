"""A trainee's progress read-model: module status, quiz and scenario records and the next step, in constant queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app, has_app_context
from sqlalchemy import Float, Integer, String, bindparam, case, func, literal, null, select, union_all
from sqlalchemy.orm import Session

from course.core.kept import keep
from course.core.records import (
    QuizRecord,
    ScenarioRecord,
    add_scenario_run,
    lesson_tallies,
    quiz_record_rows,
    scenario_record_rows,
)
from course.database import read
from course.models import (
    AttemptPurpose,
    AttemptStatus,
    ContentVersion,
    Lesson,
    LessonProgress,
    Module,
    QuizAttempt,
    ScenarioRun,
    User,
)
from course.models.base import UTCDateTime
from course.prepared import Prepared

# Module status names, also used as CSS classes and in tests.
NOT_STARTED, IN_PROGRESS, COMPLETED = "not_started", "in_progress", "completed"


@dataclass
class ModuleProgress:
    """Where one trainee stands in one module.

    Built complete, then read: the derived values are worked out once, when it is built. A cohort page builds
    one per trainee and module (8,000 for 1,000 trainees), so they are plain attributes, not properties.
    """

    module: Module
    completed_lessons: frozenset[str] = frozenset()
    visited_lessons: frozenset[str] = frozenset()
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
    exam: QuizRecord | None = None  # the final exam's attempts; None when the course has no exam

    @property
    def percent(self) -> int:
        total = sum(m.steps_total for m in self.modules) + (self.exam is not None)
        done = sum(m.steps_done for m in self.modules) + bool(self.exam and self.exam.passed)
        return round(100 * done / total) if total else 0

    @property
    def modules_complete(self) -> bool:
        return bool(self.modules) and all(m.is_complete for m in self.modules)

    @property
    def exam_due(self) -> bool:
        """Every module is done and the final exam is all that is left."""
        return self.modules_complete and self.exam is not None and not self.exam.passed

    @property
    def is_complete(self) -> bool:
        """Every module (lessons, quiz, required scenario) and, if the course has one, the final exam passed."""
        return self.modules_complete and (self.exam is None or self.exam.passed)

    @property
    def started(self) -> bool:
        return any(m.started for m in self.modules)

    @property
    def minutes_left(self) -> int:
        return sum(m.module.minutes for m in self.modules if not m.is_complete)

    def next_module(self) -> ModuleProgress | None:
        """The first module, in course order, that is not complete."""
        return next((m for m in self.modules if not m.is_complete), None)

    def for_module(self, slug: str) -> ModuleProgress | None:
        return next((m for m in self.modules if m.module.slug == slug), None)


def course_progress(session: Session, user: User, version: ContentVersion) -> CourseProgress:
    """Every module's progress for `user`, in one query beyond loading the version.

    Lesson visits, quiz attempts (summarised per module, the final exam as "_exam") and scenario runs are read
    together, as one UNION ALL of three selects whose columns line up (each kind leaves the others' columns NULL).
    """
    return progress_of(session, user.id, version)


KEPT_PROGRESS = "dignity.kept_progress"
KEPT_LIMIT = 2048  # trainees whose last progress a process keeps (a few kilobytes each); all forgotten when full


def progress_of(session: Session, user_id: int, version: ContentVersion) -> CourseProgress:
    """`course_progress` by the user's id (one query): the standings of a single trainee are rebuilt from it.

    The progress is a function of the version and the rows alone, so the process keeps each trainee's last one with
    the rows it was built from: while the trainee's rows and the live version are the same (a lesson reread, the
    dashboard revisited), the kept one is returned instead of building a dozen objects again (about a twentieth of a
    lesson page). It is only read, never changed: its lesson sets are frozen."""
    rows = tuple(read(session, PROGRESS_QUERY, {"user_id": user_id}))
    kept: dict = current_app.extensions.setdefault(KEPT_PROGRESS, {}) if has_app_context() else {}
    found = kept.get(user_id)
    if found is not None and found[0] is version and found[1] == rows:
        return found[2]
    return keep(kept, user_id, (version, rows, _built(rows, version)), KEPT_LIMIT)[2]


def _built(rows: tuple, version: ContentVersion) -> CourseProgress:
    visited: dict[str, set[str]] = {}
    completed: dict[str, set[str]] = {}
    quizzes: dict[str, QuizRecord] = {}
    runs: list[tuple] = []
    for kind, slug, lesson_slug, number, passed, open_id, failed, score, at in rows:
        if kind == "lesson":
            visited.setdefault(slug, set()).add(lesson_slug)
            if at is not None:
                completed.setdefault(slug, set()).add(lesson_slug)
        elif kind == "quiz":
            quizzes[slug] = QuizRecord(int(number), score, bool(passed), open_id, int(failed or 0))
        else:
            runs.append((number, slug, open_id, at, score, passed))
    scenarios: dict[str, ScenarioRecord] = {}
    for _number, slug, run_id, finished_at, score, passed in sorted(runs):
        add_scenario_run(scenarios.setdefault(slug, ScenarioRecord()), run_id, finished_at, score, bool(passed))
    return CourseProgress(version, [
        ModuleProgress(m, frozenset(completed.get(m.slug, ())), frozenset(visited.get(m.slug, ())),
                       quizzes.get(m.slug, QuizRecord()), scenarios.get(m.slug, ScenarioRecord()))
        for m in version.modules
    ], quizzes.get(AttemptPurpose.EXAM_SLUG, QuizRecord()) if version.exam_settings else None)


def progress_by_user(session: Session, version: ContentVersion, user_ids: list[int],
                     among=None) -> dict[int, CourseProgress]:
    """Each of `user_ids`' progress in `version`, in three queries whatever their number (cohort pages, exports,
    standings). `among(column)` selects the trainees' rows (default: `column IN user_ids`; a cohort's subquery
    keeps the statement the same size however many there are)."""
    among = among or (lambda column: column.in_(user_ids))
    lessons = lesson_tallies(session, version, among(LessonProgress.user_id))
    purposes = (AttemptPurpose.QUIZ, AttemptPurpose.EXAM) if version.exam_settings else (AttemptPurpose.QUIZ,)
    quizzes = quiz_record_rows(session, among(QuizAttempt.user_id), purposes=purposes)
    scenarios = scenario_record_rows(session, among(ScenarioRun.user_id))
    result = {}
    for user_id in user_ids:
        modules = [ModuleProgress(module, quiz=quizzes.get((user_id, module.slug)) or QuizRecord(),
                                  scenario=scenarios.get((user_id, module.slug)) or ScenarioRecord(),
                                  lesson_tally=lessons.get((user_id, module.slug), (0, False)))
                   for module in version.modules]
        exam = (quizzes.get((user_id, AttemptPurpose.EXAM_SLUG)) or QuizRecord()) if version.exam_settings else None
        result[user_id] = CourseProgress(version, modules, exam)
    return result


def _progress_query():
    """(kind, module slug, lesson slug, count or run number, passed, open attempt or run id, failed, score, time)
    for the user id bound as `user_id`. Built once: only the parameter changes from request to request."""
    user_id = bindparam("user_id", type_=Integer)
    text_null, int_null = null().cast(String), null().cast(Integer)
    float_null, time_null = null().cast(Float), null().cast(UTCDateTime)
    submitted = QuizAttempt.status == AttemptStatus.SUBMITTED
    lessons = select(literal("lesson", String), LessonProgress.module_slug, LessonProgress.lesson_slug,
                     int_null, int_null, int_null, int_null, float_null, LessonProgress.completed_at
                     ).where(LessonProgress.user_id == user_id)
    quizzes = select(
        literal("quiz", String), QuizAttempt.module_slug, text_null,
        func.count(QuizAttempt.id),
        func.max(case((submitted & QuizAttempt.passed, 1), else_=0)),
        func.max(case((QuizAttempt.status == AttemptStatus.IN_PROGRESS, QuizAttempt.id))),
        func.sum(case((submitted & ~QuizAttempt.passed, 1), else_=0)),
        func.max(case((submitted, QuizAttempt.score))),
        time_null,
    ).where(QuizAttempt.user_id == user_id, QuizAttempt.purpose.in_((AttemptPurpose.QUIZ, AttemptPurpose.EXAM))
            ).group_by(QuizAttempt.module_slug)
    scenarios = select(literal("scenario", String), ScenarioRun.module_slug, text_null, ScenarioRun.number,
                       case((ScenarioRun.passed, 1), else_=0), ScenarioRun.id, int_null, ScenarioRun.score,
                       ScenarioRun.finished_at).where(ScenarioRun.user_id == user_id)
    return union_all(lessons, quizzes, scenarios)


PROGRESS_QUERY = Prepared(_progress_query())


def quiz_records(session: Session, user: User) -> dict[str, QuizRecord]:
    """Per module slug (and "_exam" for the final exam): attempts, best score, passed, any open attempt (one query)."""
    purposes = (AttemptPurpose.QUIZ, AttemptPurpose.EXAM)
    rows = quiz_record_rows(session, QuizAttempt.user_id == user.id, purposes=purposes)
    return {slug: record for (_user_id, slug), record in rows.items()}


def scenario_records(session: Session, user: User) -> dict[str, ScenarioRecord]:
    """Per module slug: runs, finished runs, best and latest score, and any open run (one query)."""
    rows = scenario_record_rows(session, ScenarioRun.user_id == user.id)
    return {slug: record for (_user_id, slug), record in rows.items()}
