"""A trainer's interventions on a trainee's record: their own due date, module exemptions, fresh quiz attempts,
and the correction of their name or email.

Trainers act in their own cohorts only, admins in every cohort (core.access.cohort_for answers 404 otherwise).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from course.core.access import cohort_for
from course.core.accounts import AccountError
from course.core.catalogue import load_live_version
from course.core.forms import ConfirmForm, IdentityForm
from course.core.identity import announce_correction, correct_identity
from course.core.roles import staff_required
from course.extensions import db
from course.models import Role
from course.trainer.forms import DueDateForm, ExemptionForm, QuizUnlockForm
from course.trainer.interventions import extend_due_date, grant_exemption, unlock_quiz, withdraw_exemption
from course.trainer.services import CohortError, find_member
from course.trainer.trainee_views import trainee_page

bp = Blueprint("interventions", __name__, url_prefix="/trainer/cohorts/<int:cohort_id>/trainees/<int:user_id>")


def _context(cohort_id: int, user_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    member = find_member(db.session, cohort, user_id) or abort(404)
    return cohort, member, load_live_version(db.session) or abort(503)


def _back(cohort_id: int, user_id: int):
    return redirect(url_for("trainees.record", cohort_id=cohort_id, user_id=user_id))


@bp.post("/due-date")
@staff_required
def due_date(cohort_id: int, user_id: int):
    cohort, member, version = _context(cohort_id, user_id)
    form = DueDateForm()
    if not form.validate_on_submit():
        return trainee_page(cohort, member, version, 422, due_form=form)
    if extend_due_date(db.session, current_user, member, form.due_on.data, form.reason.data):
        flash(_("%(name)s's due date is changed.", name=member.user.name), "success")
    return _back(cohort_id, user_id)


@bp.post("/exemptions")
@staff_required
def exempt(cohort_id: int, user_id: int):
    cohort, member, version = _context(cohort_id, user_id)
    form = ExemptionForm()
    form.module.choices = [SelectChoice(m.slug, m.title) for m in version.modules]
    if not form.validate_on_submit():
        return trainee_page(cohort, member, version, 422, exemption_form=form)
    try:
        grant_exemption(db.session, current_user, member, version, form.module.data, form.reason.data)
    except CohortError as exc:
        form.module.errors = [str(exc)]
        return trainee_page(cohort, member, version, 409, exemption_form=form)
    flash(_("%(name)s is exempt from that module in this cohort.", name=member.user.name), "success")
    return _back(cohort_id, user_id)


@bp.post("/exemptions/<slug>/withdraw")
@staff_required
def withdraw(cohort_id: int, user_id: int, slug: str):
    _cohort, member, _version = _context(cohort_id, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if withdraw_exemption(db.session, current_user, member, slug):
        flash(_("The exemption is withdrawn: the module counts again."), "success")
    return _back(cohort_id, user_id)


@bp.post("/quiz-unlock")
@staff_required
def quiz_unlock(cohort_id: int, user_id: int):
    cohort, member, version = _context(cohort_id, user_id)
    form = QuizUnlockForm()
    form.module.choices = [SelectChoice(m.slug, m.title) for m in version.modules]
    if not form.validate_on_submit():
        return trainee_page(cohort, member, version, 422, quiz_unlock_form=form)
    unlock_quiz(db.session, current_user, member.user, version, form.module.data, form.reason.data)
    flash(_("%(name)s has a fresh set of attempts at that quiz.", name=member.user.name), "success")
    return _back(cohort_id, user_id)


@bp.post("/identity")
@staff_required
def identity(cohort_id: int, user_id: int):
    cohort, member, version = _context(cohort_id, user_id)
    if not member.user.has_role(Role.TRAINEE) and not current_user.has_role(Role.ADMIN):
        abort(403, _("Only an admin may correct the name or email of a trainer or admin."))
    form = IdentityForm()
    if not form.validate_on_submit():
        return trainee_page(cohort, member, version, 422, identity_form=form)
    try:
        changes, reissued = correct_identity(db.session, current_user, member.user, name=form.name.data,
                                             email=form.email.data, reason=form.reason.data)
    except AccountError as exc:
        form.form_errors.append(str(exc))
        return trainee_page(cohort, member, version, 409, identity_form=form)
    announce_correction(changes, reissued)
    return _back(cohort_id, user_id)
