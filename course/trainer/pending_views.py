"""Set-password links for every member still waiting to set a password: a streamed CSV, or one email each."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from course.core.access import cohort_for
from course.core.forms import ConfirmForm
from course.core.mail import mail_configured
from course.core.roles import staff_required
from course.extensions import db
from course.trainer.exports import csv_lines, csv_response
from course.trainer.pending import pending_count, queue_link_emails, reissued_link_pages

bp = Blueprint("pending", __name__)


@bp.get("/trainer/cohorts/<int:cohort_id>/pending")
@staff_required
def pending(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    return render_template("trainer/pending.html", cohort=cohort, form=ConfirmForm(), can_email=mail_configured(),
                           count=pending_count(db.session, cohort, current_user))


@bp.post("/trainer/cohorts/<int:cohort_id>/pending/links.csv")
@staff_required
def download_links(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    header = ["email", "name", "badge_number", "set_password_link"]
    return csv_response(csv_lines(header, _link_rows(cohort)), f"cohort-{cohort.id}-set-password-links.csv")


def _link_rows(cohort):
    """Each page of new links is committed before it is streamed: a link given out always works."""
    for page in reissued_link_pages(db.session, current_user, cohort):
        db.session.commit()
        for _user_id, name, email, badge, token in page:
            yield [email, name, badge, url_for("auth.set_password", token=token, _external=True)]


@bp.post("/trainer/cohorts/<int:cohort_id>/pending/email")
@staff_required
def email_links(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not mail_configured():
        abort(409, _("Email is not set up on this site: download the links instead."))
    queued = queue_link_emails(db.session, current_user, cohort)
    db.session.commit()
    flash(_("%(n)d set-password emails queued. They go out with the next mail run; each email holds a new link "
            "and ends the earlier ones.", n=queued), "success")
    return redirect(url_for("notices.cohort_log", cohort_id=cohort.id))
