"""A trainee's answer to a cohort invitation: accept (join the cohort) or decline."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.forms import ConfirmForm
from course.extensions import db
from course.trainer.services import CohortError, answer_invitation

bp = Blueprint("invitations", __name__)


@bp.post("/invitations/<int:invitation_id>")
@login_required
def answer(invitation_id: int):
    answer = request.form.get("answer")
    if not ConfirmForm().validate_on_submit() or answer not in ("accept", "decline"):
        abort(400, _("Choose whether to accept or decline the invitation."))
    try:
        cohort = answer_invitation(db.session, current_user, invitation_id, accept=answer == "accept")
    except CohortError as exc:
        flash(str(exc), "warning")
        return redirect(url_for("learn.dashboard"))
    if cohort is None:
        abort(404, _("This invitation was withdrawn or already answered."))
    flash(_("You have joined %(name)s.", name=cohort.name) if answer == "accept"
          else _("You declined the invitation to %(name)s.", name=cohort.name), "success")
    return redirect(url_for("learn.dashboard"))
