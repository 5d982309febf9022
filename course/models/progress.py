"""A trainee's progress: lesson visits, quiz attempts and scenario runs.

Progress is keyed by the stable module and lesson ids, so a content update does not erase it;
attempts point at the exact published module and questions they were taken on.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow
from course.models.catalogue import Module, Question


class LessonProgress(Model):
    """One trainee's record of one lesson: first opened, and completed."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_slug", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80))
    lesson_slug: Mapped[str] = mapped_column(String(80))
    visited_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]


class AttemptStatus:
    """The life of an attempt: answered, then graded exactly once."""

    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


class AttemptPurpose:
    """A module quiz and the final exam count towards completion; practice rounds and the pre-test do not."""

    QUIZ = "quiz"
    PRACTICE = "practice"
    PRACTICE_SLUG = "_practice"  # module_slug of practice rounds, which span modules
    EXAM = "exam"
    EXAM_SLUG = "_exam"  # the final exam spans modules too
    PRETEST = "pretest"
    PRETEST_SLUG = "_pretest"  # the baseline test before module 1


class QuizAttempt(Model):
    """One attempt at a module's quiz, with the questions drawn for it."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (
        UniqueConstraint("user_id", "module_slug", "number"),
        # At most one open attempt per trainee and module: settles two "start" clicks racing.
        Index("uq_quiz_attempts_one_open", "user_id", "module_slug", unique=True,
              postgresql_where=text("status = 'in_progress'"), sqlite_where=text("status = 'in_progress'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id"))  # None for practice rounds
    module_slug: Mapped[str] = mapped_column(String(80))
    purpose: Mapped[str] = mapped_column(String(16), default=AttemptPurpose.QUIZ, server_default="quiz")
    number: Mapped[int]  # 1 for the trainee's first attempt at this module, and so on
    status: Mapped[str] = mapped_column(String(16), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None]  # set when the quiz has a time limit
    submitted_at: Mapped[datetime | None]
    late: Mapped[bool] = mapped_column(default=False, server_default=false())  # graded on answers saved in time
    score: Mapped[float | None]  # percent, 0-100
    passed: Mapped[bool | None]
    pass_mark: Mapped[int]
    # The content language the attempt was started in ("en", "ko"): its questions are shown in it for good.
    # None for attempts from before this was recorded: the course's default language.
    language: Mapped[str | None] = mapped_column(String(8))
    # Bumped by every change to the attempt (not to its saved answers): the API's `updated_since`.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    module: Mapped[Module | None] = relationship()
    items: Mapped[list[AttemptItem]] = relationship(
        back_populates="attempt", order_by="AttemptItem.position", cascade="all, delete-orphan"
    )

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED

    @property
    def is_practice(self) -> bool:
        return self.purpose == AttemptPurpose.PRACTICE

    @property
    def is_exam(self) -> bool:
        return self.purpose == AttemptPurpose.EXAM

    @property
    def is_pretest(self) -> bool:
        return self.purpose == AttemptPurpose.PRETEST

    @property
    def is_graded_for_completion(self) -> bool:
        """Module quizzes and the exam pass or fail; practice rounds and the pre-test only measure."""
        return self.purpose in (AttemptPurpose.QUIZ, AttemptPurpose.EXAM)

    def is_overdue(self, moment: datetime) -> bool:
        """Whether the time limit has run out at `moment`."""
        return self.deadline_at is not None and moment >= self.deadline_at


class AttemptItem(Model):
    """A question as shown in one attempt: its choice order, the response and its credit."""

    __tablename__ = "attempt_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    position: Mapped[int]
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id"))
    choice_order: Mapped[list]  # authored choice indexes, in the order shown
    response: Mapped[list | None]  # authored choice indexes chosen (ordering: in the given order)
    saved_at: Mapped[datetime | None]  # when the response was last saved
    credit: Mapped[float | None]  # 0.0-1.0 once graded

    attempt: Mapped[QuizAttempt] = relationship(back_populates="items")
    question: Mapped[Question] = relationship()

    def question_from(self, questions: Mapping[int, Question] | None) -> Question:
        """The item's question: from `questions` (by id; the cached live course's, see quiz.services.attempt_content)
        when given, so nothing is loaded, else its own relationship."""
        return questions[self.question_id] if questions is not None else self.question


class ScenarioRun(Model):
    """One play-through of a module's branching scenario: the choice order shown, the path taken, its score."""

    __tablename__ = "scenario_runs"
    __table_args__ = (
        UniqueConstraint("user_id", "module_slug", "number"),
        Index("uq_scenario_runs_one_open", "user_id", "module_slug", unique=True,
              postgresql_where=text("finished_at IS NULL"), sqlite_where=text("finished_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"))
    module_slug: Mapped[str] = mapped_column(String(80))
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    current_step: Mapped[str | None] = mapped_column(String(80))  # None once an ending is reached
    path: Mapped[list] = mapped_column(default=list)  # [{step, choice}] in the order decided; authored indexes
    # {step id: authored choice indexes in the order shown}, drawn at the start; None for runs started before
    # choices were shuffled, which show the authored order.
    choice_orders: Mapped[dict | None]
    flags: Mapped[list] = mapped_column(default=list, server_default="[]")  # set by the choices made, in order
    ending: Mapped[str | None] = mapped_column(String(80))
    points: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]  # percent of the best possible points for the decisions made
    passed: Mapped[bool | None]  # once finished: score at or above the module's scenario pass score
    language: Mapped[str | None] = mapped_column(String(8))  # as for QuizAttempt.language

    module: Mapped[Module] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None


class ExamUnlock(Model):
    """A trainer's or admin's decision to give a trainee fresh attempts, with the reason (audited too).

    At the final exam (`module_slug` "_exam") or at one module's quiz: attempts are counted from the latest
    unlock of that slug, and its cooldown is lifted.
    """

    __tablename__ = "exam_unlocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_slug: Mapped[str] = mapped_column(String(80), default="_exam", server_default="_exam")
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    unlocked_at: Mapped[datetime] = mapped_column(default=utcnow)
