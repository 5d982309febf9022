"""The trainee's course: dashboard, module pages and lessons."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.care import paused_modules
from course.core.catalogue import find_lesson, load_live_version
from course.core.completion import announce_certificate, certify_if_complete
from course.core.exams import pretest_attempt, pretest_offered
from course.core.forms import ConfirmForm
from course.core.memberships import cohort_standings, trainee_cohorts
from course.core.progress import course_progress
from course.core.records import latest_certificate, objective_mastery
from course.database import write_first
from course.extensions import db
from course.learn.forms import CompleteLessonForm
from course.learn.services import complete_lesson, pause_module, record_lesson_visit, resume_module

bp = Blueprint("learn", __name__)


def live_course():
    """The live version and the current user's progress in it; 503 if nothing is published."""
    version = load_live_version(db.session)
    if version is None:
        abort(503, _("The course has not been published yet. An administrator needs to run "
                     "'flask --app app content sync'."))
    return version, course_progress(db.session, current_user, version)


def next_step(progress) -> tuple[str, str] | None:
    """The URL and label of the exact next thing to do, or None when the course is complete."""
    module_progress = progress.next_module()
    if module_progress is None:
        return (url_for("exam.intro"), _("The final exam")) if progress.exam_due else None
    module = module_progress.module
    lesson = module_progress.next_lesson()
    if lesson is not None:
        return (url_for("learn.lesson", slug=module.slug, lesson_slug=lesson.slug),
                _("%(module)s: %(lesson)s", module=module.title, lesson=lesson.title))
    if module_progress.scenario_counts and not module_progress.scenario.completed:
        return (url_for("scenarios.intro", slug=module.slug),
                _("%(module)s: play the scenario", module=module.title))
    if module_progress.quiz.open_attempt_id:
        return (url_for("quiz.attempt", attempt_id=module_progress.quiz.open_attempt_id),
                _("%(module)s: finish your quiz", module=module.title))
    return url_for("quiz.intro", slug=module.slug), _("%(module)s: take the quiz", module=module.title)


@bp.get("/")
def dashboard():
    if not current_user.is_authenticated:
        return render_template("learn/welcome.html")
    version, progress = live_course()
    certificate = latest_certificate(db.session, current_user)
    cohorts, invitations = trainee_cohorts(db.session, current_user)
    certified = certificate is not None and certificate.status == "valid"
    baseline = (version.exam_settings and not progress.started
                and pretest_offered(version, False, pretest_attempt(db.session, current_user)))
    return render_template("learn/dashboard.html", version=version, progress=progress, certificate=certificate,
                           next_step=next_step(progress), baseline=baseline,
                           invitations=invitations, cohorts=cohort_standings(cohorts, progress, certified),
                           paused=paused_modules(db.session, current_user))


@bp.get("/modules/<slug>")
@login_required
def module(slug: str):
    version, progress = live_course()
    module_progress = progress.for_module(slug) or abort(404)
    return render_template("learn/module.html", module=module_progress.module, mp=module_progress,
                           progress=progress, mastery=objective_mastery(db.session, current_user, slug),
                           paused_at=paused_modules(db.session, current_user).get(slug))


@bp.get("/modules/<slug>/lessons/<lesson_slug>")
@login_required
def lesson(slug: str, lesson_slug: str):
    version, progress = live_course()
    module, lesson = find_lesson(version, slug, lesson_slug)
    if lesson is None:
        abort(404)
    module_progress = progress.for_module(slug)
    # A visit is recorded only past the note, so a visited lesson's note was acknowledged: not shown again.
    acknowledged = request.args.get("note") == "read" or lesson.slug in module_progress.visited_lessons
    if lesson.content_note and not acknowledged:
        return render_template("learn/content_note.html", module=module, lesson=lesson,
                               paused_at=paused_modules(db.session, current_user).get(slug))
    if lesson.slug not in module_progress.visited_lessons:  # a returning reader's visit is on record already
        with write_first(db.session):  # a short writer transaction of its own; the page itself only reads
            record_lesson_visit(db.session, current_user, lesson, module_started=module_progress.started)
    index = module.lessons.index(lesson)
    return render_template(
        "learn/lesson.html", module=module, lesson=lesson, mp=module_progress,
        previous=module.lessons[index - 1] if index else None,
        following=module.lessons[index + 1] if index + 1 < len(module.lessons) else None,
    )


@bp.post("/modules/<slug>/lessons/<lesson_slug>/complete")
@login_required
def complete(slug: str, lesson_slug: str):
    version, _progress = live_course()
    module, lesson = find_lesson(version, slug, lesson_slug)
    if lesson is None:
        abort(404)
    form = CompleteLessonForm()
    if not form.validate_on_submit():
        abort(400)
    complete_lesson(db.session, current_user, lesson)
    progress = course_progress(db.session, current_user, version)
    if announce_certificate(certify_if_complete(db.session, current_user, progress)):
        return redirect(url_for("certificates.mine"))
    index = module.lessons.index(lesson)
    if index + 1 < len(module.lessons):
        next_lesson = module.lessons[index + 1]
    else:
        next_lesson = progress.for_module(slug).next_lesson()
    if next_lesson is not None:
        return redirect(url_for("learn.lesson", slug=slug, lesson_slug=next_lesson.slug))
    flash(_("Lesson complete. You have finished every lesson in this module."), "success")
    return redirect(url_for("learn.module", slug=slug))


@bp.get("/modules/<slug>/pause")
@login_required
def confirm_pause(slug: str):
    """"This material affects me": what pausing does, and the button (no JavaScript needed)."""
    version, progress = live_course()
    module_progress = progress.for_module(slug) or abort(404)
    return render_template("learn/pause.html", module=module_progress.module, form=ConfirmForm(),
                           paused_at=paused_modules(db.session, current_user).get(slug))


@bp.post("/modules/<slug>/pause")
@login_required
def pause(slug: str):
    version, progress = live_course()
    if progress.for_module(slug) is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    pause_module(db.session, current_user, slug)
    flash(_("This module is paused. Your trainer has been told that you asked for a pause or an alternative "
            "arrangement, and nothing else."), "success")
    return redirect(url_for("learn.module", slug=slug))


@bp.post("/modules/<slug>/resume")
@login_required
def resume(slug: str):
    version, progress = live_course()
    if progress.for_module(slug) is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if resume_module(db.session, current_user, slug):
        flash(_("This module is no longer paused, and your request has been withdrawn."), "success")
    return redirect(url_for("learn.module", slug=slug))


@bp.get("/glossary")
def glossary():
    version = load_live_version(db.session) or abort(404)
    return render_template("learn/glossary.html", terms=version.glossary)
