"""A trainee's record as their trainer sees it, and what a trainer may do there: links, removal, exam unlocks."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from course.core.access import cohort_for
from course.core.audit import record_event
from course.core.care import paused_modules
from course.core.catalogue import load_live_version
from course.core.cohorts import remove_member
from course.core.exams import exam_status, renewal_opened_at, unlock_exam, unlocks_of
from course.core.forms import ConfirmForm, IdentityForm
from course.core.i18n import LANGUAGE_NAMES, question_words
from course.core.memberships import effective_due_on
from course.core.password_links import issue_password_link
from course.core.progress import course_progress
from course.core.questions import get_type
from course.core.records import certificate_history, objective_mastery
from course.core.roles import staff_required
from course.database import writes_on_get
from course.extensions import db
from course.models import Role
from course.trainer.forms import DueDateForm, ExamUnlockForm, ExemptionForm, QuizUnlockForm
from course.trainer.interventions import locked_quizzes, member_exemptions
from course.trainer.services import find_member, trainee_activity, trainee_attempt

bp = Blueprint("trainees", __name__)


@bp.get("/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>")
@writes_on_get
@staff_required
def record(cohort_id: int, user_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    member = find_member(db.session, cohort, user_id) or abort(404)
    user = member.user
    version = load_live_version(db.session) or abort(503)
    record_event(db.session, current_user, "trainee.record_viewed", "user", user.id, cohort_id=cohort.id)
    return trainee_page(cohort, member, version)


@bp.get("/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>/attempts/<int:attempt_id>")
@writes_on_get  # the viewing is audited, like the trainee's record
@staff_required
def attempt(cohort_id: int, user_id: int, attempt_id: int):
    """One of a trainee's attempts question by question, in the language the trainee took it in (three queries)."""
    cohort = cohort_for(db.session, current_user, cohort_id)
    member = find_member(db.session, cohort, user_id) or abort(404)
    attempt = trainee_attempt(db.session, member.user_id, attempt_id) or abort(404)
    items = [(item, *question_words(item.question, attempt.language),
              get_type(item.question.type).correct_indexes(item.question.data)) for item in attempt.items]
    record_event(db.session, current_user, "trainee.attempt_viewed", "quiz_attempt", attempt.id, cohort_id=cohort.id)
    return render_template("trainer/attempt.html", cohort=cohort, trainee=member.user, attempt=attempt, items=items,
                           language_names=LANGUAGE_NAMES)


def trainee_page(cohort, member, version, status: int = 200, **forms):
    """A trainee's full record: progress, attempts, scenario runs, mastery, exam standing, certificates and
    the trainer's interventions (their own due date, exemptions, fresh attempts), each form re-shown if invalid."""
    user = member.user
    attempts, runs = trainee_activity(db.session, user)
    locks = locked_quizzes(db.session, user, version)
    forms = intervention_forms(version, member, locks, forms)
    return render_template("trainer/trainee.html", cohort=cohort, trainee=user, member=member,
                           progress=course_progress(db.session, user, version), attempts=attempts, runs=runs,
                           mastery=objective_mastery(db.session, user),
                           certificates=certificate_history(db.session, user),
                           exam=exam_status(db.session, user, version, since=renewal_opened_at(db.session, user))
                           if version.exam_settings else None,
                           due_on=effective_due_on(member, cohort), exemptions=member_exemptions(db.session, member),
                           locks=locks, unlocks=unlocks_of(db.session, user), pauses=paused_modules(db.session, user),
                           **forms), status


def intervention_forms(version, member, locks, given: dict) -> dict:
    """The record's forms: those given (with their errors) and fresh ones for the rest."""
    forms = {"unlock_form": given.get("unlock_form") or ExamUnlockForm(formdata=None),
             "due_form": given.get("due_form") or DueDateForm(formdata=None, due_on=member.due_on),
             "exemption_form": given.get("exemption_form") or ExemptionForm(formdata=None),
             "quiz_unlock_form": given.get("quiz_unlock_form") or QuizUnlockForm(formdata=None),
             "identity_form": given.get("identity_form") or IdentityForm(formdata=None, name=member.user.name,
                                                                          email=member.user.email)}
    forms["exemption_form"].module.choices = [SelectChoice(m.slug, m.title) for m in version.modules]
    forms["quiz_unlock_form"].module.choices = [SelectChoice(lock.module_slug, lock.module_title) for lock in locks]
    return forms


@bp.post("/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>/exam-unlock")
@staff_required
def unlock(cohort_id: int, user_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    member = find_member(db.session, cohort, user_id) or abort(404)
    version = load_live_version(db.session) or abort(503)
    form = ExamUnlockForm()
    if not version.exam_settings:
        abort(404)
    if not form.validate_on_submit():
        return trainee_page(cohort, member, version, 422, unlock_form=form)
    unlock_exam(db.session, current_user, member.user, form.reason.data)
    flash(_("%(name)s has a fresh set of exam attempts.", name=member.user.name), "success")
    return redirect(url_for("trainees.record", cohort_id=cohort.id, user_id=user_id))


@bp.post("/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>/remove")
@staff_required
def remove(cohort_id: int, user_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if remove_member(db.session, current_user, cohort, user_id):
        flash(_("Removed from the cohort. Their progress and certificates are kept."), "success")
    return redirect(url_for("trainer.cohort", cohort_id=cohort.id))


@bp.post("/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>/password-link")
@staff_required
def password_link(cohort_id: int, user_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    member = find_member(db.session, cohort, user_id) or abort(404)
    if not (member.created_account or current_user.has_role(Role.ADMIN)):
        abort(403, _("Only the cohort that created this account, or an admin, may issue its password links."))
    if member.user.has_password:
        abort(409, _("This trainee has already set a password."))
    token = issue_password_link(db.session, current_user, member.user)
    flash(_("New set-password link (valid for 14 days; copy it now, it is not shown again): %(link)s",
            link=url_for("auth.set_password", token=token, _external=True)), "success")
    return redirect(url_for("trainees.record", cohort_id=cohort.id, user_id=user_id))
