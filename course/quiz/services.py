"""Quiz attempts: start or resume, save answers page by page, grade exactly once, time limits."""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from course.core.i18n import content_language
from course.core.questions import ResponseError, get_type
from course.core.standings import standing_unchanged
from course.core.timezones import zone_label
from course.models import AttemptItem, AttemptPurpose, AttemptStatus, Module, Question, QuizAttempt, User, utcnow
from course.quiz.grading import choice_order, draw_questions, has_passed, score_percent
from course.quiz.history import attempts_used, open_attempt
from course.quiz.records import report_graded, report_launched

FIELD = re.compile(r"^q(\d+)(?:-\d+)?$")


class QuizUnavailable(Exception):
    """The trainee may not start an attempt now; the message says why and when."""


def field_name(item: AttemptItem) -> str:
    """The form field name of an attempt item."""
    return f"q{item.position}"


def check_can_start(settings: dict, count: int, last_submitted: datetime | None, now: datetime) -> None:
    """Raise QuizUnavailable if the attempt limit or the cooldown forbids a new attempt."""
    if settings.get("max_attempts") and count >= settings["max_attempts"]:
        raise QuizUnavailable(_("You have used all %(n)d attempts at this quiz.", n=settings["max_attempts"]))
    if last_submitted is not None and settings.get("cooldown_minutes"):
        ready_at = last_submitted + timedelta(minutes=settings["cooldown_minutes"])
        if now < ready_at:
            raise QuizUnavailable(_("You can start another attempt at %(time)s %(zone)s. "
                                    "Use the time to review the lessons you missed.",
                                    time=format_time(ready_at, "short"), zone=zone_label()))


def start_attempt(session: Session, user: User, module: Module, now: datetime | None = None) -> QuizAttempt:
    """Resume the open attempt, or draw a new one if the module's limits allow it."""
    now = now or utcnow()
    existing = open_attempt(session, user, module.slug)
    if existing is not None:
        if not finalize_if_overdue(session, existing, now):
            return existing
    settings = module.quiz_settings
    count, last_submitted, total = attempts_used(session, user, module.slug)
    check_can_start(settings, count, last_submitted, now)
    limit = settings.get("time_limit_minutes")
    attempt = QuizAttempt(user_id=user.id, module_id=module.id, module_slug=module.slug, number=total + 1,
                          pass_mark=settings.get("pass_mark", 80), started_at=now,
                          deadline_at=now + timedelta(minutes=limit) if limit else None)
    rng = random.SystemRandom()
    drawn = draw_questions([(q.id, q.objective) for q in module.questions],
                           settings.get("questions_per_attempt", 10), rng)
    items = drawn_items([next(q for q in module.questions if q.id == qid) for qid in drawn], rng)
    if not total:
        return insert_attempt(session, attempt, user, items)  # the module's first attempt: it may now count as started
    # An earlier attempt at the module means it was started already, and an open attempt changes nothing else in the
    # standing (scores, passes and failures come from submitted ones): not rebuilt, unless grading an overdue
    # attempt above changed it.
    with standing_unchanged(session, user.id):
        return insert_attempt(session, attempt, user, items)


def drawn_items(questions: list, rng: random.Random) -> list[dict]:
    """The attempt items for the drawn questions, in order, each with its shuffled choice order (`insert_attempt`)."""
    return [{"position": position, "question_id": question.id,
             "choice_order": choice_order(question.type, len(question.data["choices"]), rng)}
            for position, question in enumerate(questions, start=1)]


def insert_attempt(session: Session, attempt: QuizAttempt, user: User, items: list[dict]) -> QuizAttempt:
    """Insert `attempt` with its `items` (`drawn_items`), in the language its questions are shown in now (kept for
    good: its pages show them in it whatever language the viewer later reads in); if a racing request inserted one
    first (double click), return that one.

    The attempt goes through the ORM (a savepoint settles a double click; its flush marks the trainee's standing);
    its items in one bulk INSERT: through the unit of work they were half of a quiz start's cost. The attempt's
    `items` load from the database when next read."""
    attempt.language = attempt.language or content_language()
    try:
        with session.begin_nested():
            session.add(attempt)
    except IntegrityError:
        existing = open_attempt(session, user, attempt.module_slug)
        if existing is None:
            raise
        return existing
    session.execute(insert(AttemptItem), [{"attempt_id": attempt.id, **item} for item in items])
    session.expire(attempt, ["items"])
    report_launched(session, attempt, user)
    return attempt


class AttemptClosed(Exception):
    """Another request graded the attempt first: whatever this request changed must be rolled back."""


def load_attempt(session: Session, attempt_id: int, lock: bool = False, content: bool = True) -> QuizAttempt | None:
    """An attempt with its items, questions and module, in a constant number of queries.

    `lock=True` (every POST to an attempt) takes the attempt's row lock first (`SELECT … FOR UPDATE`; SQLite's
    POSTs already hold the write lock), so a save or submit racing a submission waits, then sees it graded.
    `content=False`: the attempt and its items only (two queries), for a page that shows the questions from the
    cached live course (`attempt_content`).
    """
    return session.execute(ATTEMPT_QUERIES[lock, content], {"attempt_id": attempt_id}).unique().scalar_one_or_none()


def _attempt_query(lock: bool, content: bool):
    query = select(QuizAttempt).where(QuizAttempt.id == bindparam("attempt_id"))
    if lock:
        query = query.with_for_update(of=QuizAttempt).execution_options(populate_existing=True)
    # The items come joined to their attempt, in its query: a second query for them (selectinload) cost more than the
    # rest of a quiz page's reads together.
    if not content:
        return query.options(joinedload(QuizAttempt.items))
    return query.options(
        # The questions come with their items, their modules in one more query; the attempt's own module is among
        # those (found without a query), and its lessons load only on pages that link to them.
        joinedload(QuizAttempt.items).joinedload(AttemptItem.question).selectinload(Question.module))


# Every quiz page and answer loads its attempt: the four statements are built once.
ATTEMPT_QUERIES = {(lock, content): _attempt_query(lock, content)
                   for lock in (False, True) for content in (False, True)}


def attempt_content(session: Session, attempt: QuizAttempt, version) -> tuple[Module | None, dict[int, Question]]:
    """The attempt's module (None for the exam, a baseline check or a review round) and its questions by id.

    From `version`, the cached live course, when the attempt was drawn from it: no query, and nothing attached to
    the session (the attempt's own relationships are left alone). An attempt on an earlier version reads them from
    the database, in one query for the questions (its items then find theirs without one) and one for the module.
    """
    wanted = {item.question_id for item in attempt.items}
    modules = [m for m in version.modules if attempt.module_id in (None, m.id)] if version is not None else []
    found = {q.id: q for m in modules for q in (*m.questions, *m.exam_questions) if q.id in wanted}
    module = next((m for m in modules if m.id == attempt.module_id), None)
    if len(found) == len(wanted) and (attempt.module_id is None or module is not None):
        return module, found
    session.scalars(select(Question).where(Question.id.in_(wanted))).all()
    return attempt.module, {item.question_id: item.question for item in attempt.items}


def page_items(attempt: QuizAttempt, page: int, per_page: int) -> list[AttemptItem]:
    """The items shown on `page` (1-based)."""
    return attempt.items[(page - 1) * per_page: page * per_page]


def page_count(attempt: QuizAttempt, per_page: int) -> int:
    """How many pages the attempt's questions fill."""
    return max(1, -(-len(attempt.items) // per_page))


def save_responses(attempt: QuizAttempt, form, items: list[AttemptItem], now: datetime | None = None,
                   questions: Mapping[int, Question] | None = None) -> dict[int, str]:
    """Store the answers in `form` for `items` (the page shown); return problems by position. `questions`: the
    attempt's questions by id (`attempt_content`), else each item's own is loaded.

    Raises ResponseError for fields that name no question of this attempt (a forged request).
    """
    now = now or utcnow()
    positions = {item.position for item in attempt.items}
    for key in form:
        match = FIELD.match(key)
        if match and int(match.group(1)) not in positions:
            raise ResponseError(_("The answers do not belong to this attempt."))
    problems: dict[int, str] = {}
    for item in items:
        kind = get_type(item.question_from(questions).type)
        values = kind.form_values(form, field_name(item), len(item.choice_order))
        try:
            response = kind.parse(values, item.choice_order)
        except ResponseError as exc:
            problems[item.position] = str(exc)
            continue
        if response != item.response:
            item.response, item.saved_at = response, now
    return problems


def grade_attempt(session: Session, attempt: QuizAttempt, now: datetime, late: bool = False,
                  questions: Mapping[int, Question] | None = None) -> bool:
    """Grade on the saved answers, once. Returns False if another request graded it first.

    Two submissions racing (double click, two tabs, two workers) are settled by the conditional
    UPDATE: only the request that moves the attempt out of `in_progress` grades it.
    """
    session.flush()
    claimed = session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.SUBMITTED, submitted_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(attempt)
        return False
    for item in attempt.items:
        question = item.question_from(questions)
        item.credit = get_type(question.type).grade(question.data, item.response)
    attempt.status, attempt.submitted_at, attempt.late = AttemptStatus.SUBMITTED, now, late
    attempt.score = score_percent([item.credit for item in attempt.items])
    attempt.passed = has_passed(attempt.score, attempt.pass_mark) if attempt.is_graded_for_completion else None
    session.flush()
    report_graded(session, attempt, questions)
    return True


def finalize_if_overdue(session: Session, attempt: QuizAttempt, now: datetime | None = None,
                        questions: Mapping[int, Question] | None = None) -> bool:
    """Grade an attempt whose time ran out, on the answers saved in time. True if it did."""
    now = now or utcnow()
    if attempt.is_submitted or not attempt.is_overdue(now):
        return False
    grade_attempt(session, attempt, attempt.deadline_at, late=True, questions=questions)
    return True


def submit_attempt(session: Session, attempt: QuizAttempt, form, items: list[AttemptItem],
                   now: datetime | None = None, questions: Mapping[int, Question] | None = None) -> dict[int, str]:
    """Save the page's answers and grade; after the time limit, grade only what was saved in time."""
    now = now or utcnow()
    if attempt.is_submitted:
        return {}
    if finalize_if_overdue(session, attempt, now, questions):
        return {}
    problems = save_responses(attempt, form, items, now, questions)
    if problems:
        return problems
    if not grade_attempt(session, attempt, now, questions=questions):
        raise AttemptClosed
    return {}


def is_quiz_attempt(attempt: QuizAttempt) -> bool:
    """Whether the attempt counts towards completion (a module quiz, not practice)."""
    return attempt.purpose == AttemptPurpose.QUIZ


def record_answers(session: Session, attempt: QuizAttempt, form, items: list[AttemptItem], submit: bool,
                   questions: Mapping[int, Question] | None = None) -> dict:
    """Save the answers on one page, and grade the attempt if `submit`. Returns problems per field, if any.
    `questions`: the attempt's questions by id (`attempt_content`), else each item's own is loaded."""
    if submit:
        return submit_attempt(session, attempt, form, items, questions=questions)
    return save_responses(attempt, form, items, questions=questions)
