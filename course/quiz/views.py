"""Taking a module quiz: start, answer, submit, review."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from course.certificates.services import issue_certificate_if_complete
from course.extensions import db
from course.learn.services import course_progress, find_lesson, load_live_version
from course.models import QuizAttempt
from course.quiz.forms import AttemptForm, StartAttemptForm
from course.quiz.services import (
    QuizUnavailable,
    field_name,
    load_attempt,
    missed_objectives,
    review,
    save_responses,
    start_attempt,
    submit_attempt,
)
from course.quiz.types import ResponseError, get_type

bp = Blueprint("quiz", __name__)


def own_attempt(attempt_id: int) -> QuizAttempt:
    """The current user's attempt, or 404: other people's attempts do not exist for them."""
    attempt = load_attempt(db.session, attempt_id)
    if attempt is None or attempt.user_id != current_user.id:
        abort(404)
    return attempt


@bp.get("/modules/<slug>/quiz")
@login_required
def intro(slug: str):
    version = load_live_version(db.session) or abort(404)
    module, _lesson = find_lesson(version, slug)
    if module is None:
        abort(404)
    attempts = db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == current_user.id, QuizAttempt.module_slug == slug)
        .order_by(QuizAttempt.number)
    ).all()
    progress = course_progress(db.session, current_user, version).for_module(slug)
    return render_template("quiz/intro.html", module=module, attempts=attempts, mp=progress,
                           form=StartAttemptForm())


@bp.post("/modules/<slug>/quiz/start")
@login_required
def start(slug: str):
    version = load_live_version(db.session) or abort(404)
    module, _lesson = find_lesson(version, slug)
    if module is None:
        abort(404)
    if not StartAttemptForm().validate_on_submit():
        abort(400)
    try:
        attempt = start_attempt(db.session, current_user, module)
    except QuizUnavailable as exc:
        flash(str(exc), "warning")
        return redirect(url_for("quiz.intro", slug=slug))
    db.session.flush()
    return redirect(url_for("quiz.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>", methods=["GET", "POST"])
@login_required
def attempt(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if attempt.is_submitted:
        if request.method == "POST":
            flash(_("This attempt was already submitted; here are its results."), "info")
        return redirect(url_for("quiz.result", attempt_id=attempt.id))
    form = AttemptForm()
    problems: dict[int, str] = {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            if form.submit.data:
                problems = submit_attempt(db.session, attempt, request.form)
            else:
                problems = save_responses(attempt, request.form)
        except ResponseError as exc:
            abort(400, str(exc))
        if not problems and attempt.is_submitted:
            return _after_grading(attempt)
        if not problems:
            flash(_("Your answers are saved. You can come back and finish later."), "success")
            return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    status = 422 if problems else 200
    return render_template("quiz/attempt.html", attempt=attempt, form=form, problems=problems,
                           field_name=field_name, get_type=get_type), status


def _after_grading(attempt: QuizAttempt):
    db.session.flush()
    if attempt.passed:
        version = load_live_version(db.session)
        progress = course_progress(db.session, current_user, version)
        if issue_certificate_if_complete(db.session, current_user, progress, current_app.config["ACADEMY_NAME"]):
            flash(_("You have completed the course. Your certificate is ready."), "success")
    return redirect(url_for("quiz.result", attempt_id=attempt.id))


@bp.get("/attempts/<int:attempt_id>/result")
@login_required
def result(attempt_id: int):
    attempt = own_attempt(attempt_id)
    if not attempt.is_submitted:
        return redirect(url_for("quiz.attempt", attempt_id=attempt.id))
    version = load_live_version(db.session)
    return render_template("quiz/result.html", attempt=attempt, items=review(attempt),
                           missed=missed_objectives(attempt), module=attempt.module,
                           live_slugs={m.slug for m in version.modules} if version else set())
