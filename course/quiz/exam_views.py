"""The final exam and the baseline check: intro pages, starting an attempt, and their results.

Answering uses the same attempt pages as module quizzes (`quiz.attempt`); the results differ: objective-level
feedback and lessons to review, never the exam's keys.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.catalogue import load_live_version
from course.core.exams import exam_status, renewal_opened_at
from course.core.progress import course_progress
from course.database import writes_on_get
from course.extensions import db
from course.models import QuizAttempt
from course.quiz.exam import (
    check_can_start_exam,
    objective_results,
    pretest_attempt,
    pretest_offered,
    start_exam,
    start_pretest,
)
from course.quiz.forms import StartAttemptForm
from course.quiz.services import QuizUnavailable

bp = Blueprint("exam", __name__)


def course_with_exam():
    """The live version, if it has a final exam; 404 otherwise."""
    version = load_live_version(db.session)
    if version is None or not version.exam_settings:
        abort(404)
    return version


def my_exam_status(version):
    """The current trainee's standing with the exam; during a renewal, only attempts since its window opened."""
    return exam_status(db.session, current_user, version, since=renewal_opened_at(db.session, current_user))


def exam_page(error: str | None = None, status: int = 200):
    """The exam's intro: rules, content note, attempts so far, and the last attempt's objective feedback."""
    version = course_with_exam()
    progress = course_progress(db.session, current_user, version)
    exam = my_exam_status(version)
    if error is None and not exam.passed:
        try:
            check_can_start_exam(exam)
        except QuizUnavailable as exc:
            error = str(exc)
    submitted = [a for a in exam.attempts if a.is_submitted]
    feedback = objective_results(submitted[-1], version) if submitted and not exam.passed else []
    return render_template("quiz/exam_intro.html", version=version, settings=version.exam_settings, exam=exam,
                           progress=progress, feedback=feedback, error=error, form=StartAttemptForm()), status


@bp.get("/exam")
@writes_on_get  # an exam attempt whose time ran out is graded when the page is next opened
@login_required
def intro():
    return exam_page()


@bp.post("/exam/start")
@login_required
def start():
    version = course_with_exam()
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    if not course_progress(db.session, current_user, version).modules_complete:
        return exam_page(error=_("Complete every module first; the final exam comes last."), status=409)
    try:
        attempt = start_exam(db.session, current_user, version, since=renewal_opened_at(db.session, current_user))
    except QuizUnavailable as exc:
        return exam_page(error=str(exc), status=409)
    db.session.flush()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


def pretest_page(error: str | None = None, status: int = 200):
    """The baseline check's intro, or its result once taken."""
    version = course_with_exam()
    attempt = pretest_attempt(db.session, current_user)
    if attempt is not None and attempt.is_submitted and error is None:
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    started = course_progress(db.session, current_user, version).started
    return render_template("quiz/pretest_intro.html", version=version, settings=version.exam_settings,
                           attempt=attempt, offered=pretest_offered(version, started, attempt), error=error,
                           form=StartAttemptForm()), status


@bp.get("/baseline")
@login_required
def pretest():
    return pretest_page()


@bp.post("/baseline/start")
@login_required
def start_baseline():
    version = course_with_exam()
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    started = course_progress(db.session, current_user, version).started
    try:
        attempt = start_pretest(db.session, current_user, version, started)
    except QuizUnavailable as exc:
        return pretest_page(error=str(exc), status=409)
    db.session.flush()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


def assessment_result_page(attempt: QuizAttempt, version, questions, notice: str | None = None, status: int = 200):
    """The result of an exam or baseline attempt: score, and how each objective went; never the keys. `version`: the
    live course (or None); `questions`: the attempt's by id (`attempt_content`)."""
    results = sorted(objective_results(attempt, version, questions), key=lambda r: (r.secure, r.share))
    exam = my_exam_status(version) if attempt.is_exam and version else None
    return render_template("quiz/exam_result.html", attempt=attempt, results=results, exam=exam,
                           notice=notice), status
