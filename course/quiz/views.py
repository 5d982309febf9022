"""Taking a module quiz or a practice round: start, answer page by page, submit, review."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_time
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.catalogue import find_lesson, load_live_version
from course.core.completion import announce_certificate, certify_if_complete
from course.core.i18n import question_words
from course.core.progress import course_progress
from course.core.questions import ResponseError, get_type
from course.core.timezones import zone_label
from course.database import write_first
from course.extensions import db
from course.models import QuizAttempt, utcnow
from course.quiz.exam_views import assessment_result_page
from course.quiz.forms import AttemptForm, StartAttemptForm
from course.quiz.history import attempts_used, module_attempts
from course.quiz.practice import NothingToPractise, recent_practice_rounds, start_practice_round
from course.quiz.review import missed_objectives, review, shows_correct_answers
from course.quiz.services import (
    AttemptClosed,
    QuizUnavailable,
    attempt_content,
    field_name,
    finalize_if_overdue,
    load_attempt,
    page_count,
    page_items,
    record_answers,
    start_attempt,
)

bp = Blueprint("quiz", __name__)
CROSS_MODULE_PAGE_SIZE = 5  # practice rounds, the final exam and the baseline check: questions a page


def own_attempt(attempt_id: int, lock: bool = False, content: bool = True) -> QuizAttempt:
    """The current user's attempt, or 404: other people's attempts do not exist for them."""
    attempt = load_attempt(db.session, attempt_id, lock, content)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


def live_module(slug: str):
    version = load_live_version(db.session) or abort(404)
    module, _lesson = find_lesson(version, slug)
    return version, module or abort(404)


def quiz_intro(slug: str, error: str | None = None, status: int = 200):
    version, module = live_module(slug)
    attempts = module_attempts(db.session, current_user, slug)
    settings = module.quiz_settings
    limit = settings.get("max_attempts")
    left = limit - attempts_used(db.session, current_user, slug)[0] if limit else None
    progress = course_progress(db.session, current_user, version).for_module(slug)
    return render_template("quiz/intro.html", module=module, attempts=attempts, mp=progress, attempts_left=left,
                           form=StartAttemptForm(), error=error), status


@bp.get("/modules/<slug>/quiz")
@login_required
def intro(slug: str):
    return quiz_intro(slug)


@bp.post("/modules/<slug>/quiz/start")
@login_required
def start(slug: str):
    _version, module = live_module(slug)
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    try:
        attempt = start_attempt(db.session, current_user, module)
    except QuizUnavailable as exc:
        db.session.rollback()
        return quiz_intro(slug, error=str(exc), status=409)
    db.session.flush()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


def per_page(attempt: QuizAttempt, module=None) -> int:
    """Questions a page: the module's setting; practice rounds, the exam and the baseline check span modules."""
    if attempt.module_id is None:
        return CROSS_MODULE_PAGE_SIZE
    return (module or attempt.module).quiz_settings.get("questions_per_page", 5)


def closed_attempt(attempt: QuizAttempt, posted: bool = False, content=None):
    """The response for an attempt that can no longer be answered (time ran out, or submitted), or None.
    `content`: the attempt's module and questions (`attempt_content`), else read from the attempt."""
    if finalize_if_overdue(db.session, attempt, questions=content[1] if content else None):
        flash(_("Time ran out at %(time)s %(zone)s. Your attempt was graded on the answers saved by then.",
                time=format_time(attempt.deadline_at, "short"), zone=zone_label()), "warning")
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    if attempt.is_submitted and posted:
        return result_page(attempt, notice=_("This attempt was already submitted; nothing was changed."), status=409,
                           content=content)
    if attempt.is_submitted:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    return None


def attempt_page(attempt: QuizAttempt, page: int, problems: dict | None = None, content=None):
    """One page of questions, with any problems in what was just sent (422): a question with a problem shows
    what was sent, not what was saved before, so the trainee fixes their answer rather than redoing it.

    `content`: the attempt's module and questions by id (`attempt_content`), else read from the attempt."""
    module, questions = content or (attempt.module, {item.question_id: item.question for item in attempt.items})
    answered = sum(1 for item in attempt.items if item.response)
    items = page_items(attempt, page, per_page(attempt, module))
    # In the language the attempt was started in, even if the trainee has switched language since.
    words = {item.position: question_words(questions[item.question_id], attempt.language) for item in items}
    return render_template("quiz/attempt.html", attempt=attempt, module=module, questions=questions,
                           problems=problems or {}, sent=request.form if problems else {},
                           words=words, items=items, page=page,
                           pages=page_count(attempt, per_page(attempt, module)), answered=answered, now=utcnow(),
                           field_name=field_name, get_type=get_type), 422 if problems else 200


def current_page(attempt: QuizAttempt, values, module=None) -> int:
    """The page the request names, within the attempt's pages."""
    return min(max(values.get("page", 1, type=int) or 1, 1), page_count(attempt, per_page(attempt, module)))


@bp.get("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    attempt = own_attempt(attempt_id, content=False)  # the questions come from the cached live course
    if attempt.is_submitted:
        db.session.expire(attempt)
        return closed_attempt(own_attempt(attempt_id))
    if attempt.is_overdue(utcnow()):  # its time ran out: graded now, in a writer transaction of its own
        db.session.expire(attempt)
        with write_first(db.session):
            return closed_attempt(own_attempt(attempt_id))
    content = attempt_content(db.session, attempt, load_live_version(db.session))
    return attempt_page(attempt, current_page(attempt, request.args, content[0]), content=content)


def attempt_to_answer(attempt_id: int):
    """The current user's attempt, locked (its state is checked after the lock), with its module and questions by id
    (`attempt_content`: the cached live course's when it was drawn from it, so grading loads no question)."""
    attempt = own_attempt(attempt_id, lock=True, content=False)
    return attempt, attempt_content(db.session, attempt, load_live_version(db.session))


@bp.post("/attempts/<int:attempt_id>")
@login_required
def answer(attempt_id: int):
    (attempt, content), form = attempt_to_answer(attempt_id), AttemptForm()
    closed = closed_attempt(attempt, posted=True, content=content)
    if closed:
        return closed
    if not form.validate_on_submit():
        abort(400)
    page, size = current_page(attempt, request.form, content[0]), per_page(attempt, content[0])
    try:
        problems = record_answers(db.session, attempt, request.form, page_items(attempt, page, size),
                                  submit=form.choice() == "submit", questions=content[1])
    except ResponseError as exc:
        abort(400, str(exc))
    except AttemptClosed:  # graded by another request meanwhile: keep its answers, not this request's
        db.session.rollback()
        return result_page(own_attempt(attempt_id, content=False), status=409,
                           notice=_("This attempt was already submitted; nothing was changed."))
    if problems:
        return attempt_page(attempt, page, problems, content=content)
    if attempt.is_submitted:
        return after_grading(attempt)
    if form.choice() == "save":
        flash(_("Your answers are saved. You can come back and finish later."), "success")
    target = form.target_page(page, page_count(attempt, size))
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id, page=target))


def after_grading(attempt: QuizAttempt):
    if attempt.passed:
        announce_certificate(certify_if_complete(db.session, current_user))
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


def result_page(attempt: QuizAttempt, notice: str | None = None, status: int = 200, content=None):
    """A graded attempt's results. `content`: its module and questions (`attempt_content`): the live course's copies
    when it was taken on the live version (cached, lessons included), else its own."""
    version = load_live_version(db.session)
    module, questions = content or attempt_content(db.session, attempt, version)
    if attempt.is_exam or attempt.is_pretest:
        return assessment_result_page(attempt, version, questions, notice, status)
    attempts_left = None
    if not attempt.is_practice:
        settings = module.quiz_settings
        if settings.get("max_attempts"):
            attempts_left = settings["max_attempts"] - attempts_used(db.session, current_user, attempt.module_slug)[0]
        show = shows_correct_answers(attempt, settings.get("review_correct_answers", "when_passed"), attempts_left)
    else:
        show = True
    return render_template(
        "quiz/result.html", attempt=attempt, items=review(attempt, show, questions), notice=notice,
        attempts_left=attempts_left, module=module,
        missed=[] if attempt.is_practice else missed_objectives(attempt, module, questions),
        live_slugs={m.slug for m in version.modules} if version else set(), get_type=get_type,
    ), status


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = own_attempt(attempt_id, content=False)  # the questions come from the cached live course
    if not attempt.is_submitted and attempt.is_overdue(utcnow()):  # as on the attempt page: graded now, in a
        db.session.expire(attempt)                                # writer transaction of its own
        with write_first(db.session):
            attempt = own_attempt(attempt_id, content=False)
            finalize_if_overdue(db.session, attempt, questions=attempt_content(
                db.session, attempt, load_live_version(db.session))[1])
    if not attempt.is_submitted:
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    return result_page(attempt)


@bp.get("/review")
@login_required
def practice():
    version = load_live_version(db.session) or abort(404)
    progress = course_progress(db.session, current_user, version)
    rounds = recent_practice_rounds(db.session, current_user)
    completed = [m for m in progress.modules if m.is_complete]
    return render_template("quiz/practice.html", completed=completed, rounds=rounds, form=StartAttemptForm())


@bp.post("/review/start")
@login_required
def start_practice():
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    version = load_live_version(db.session) or abort(404)
    try:
        attempt = start_practice_round(db.session, current_user, course_progress(db.session, current_user, version))
    except NothingToPractise as exc:
        abort(409, str(exc))
    db.session.flush()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))

