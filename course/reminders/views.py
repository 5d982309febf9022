"""The email log: what the academy sent to whom, its status and last error."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from course.core.access import cohort_for
from course.core.pagination import page_number, paginate
from course.core.roles import admin_required, staff_required
from course.extensions import db
from course.models import NoticeStatus
from course.reminders.log import LOG_PAGE, all_notices, cohort_notices

bp = Blueprint("notices", __name__)
STATUSES = (NoticeStatus.PENDING, NoticeStatus.SENDING, NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.SKIPPED)


@bp.get("/trainer/cohorts/<int:cohort_id>/emails")
@staff_required
def cohort_log(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    page = paginate(db.session, cohort_notices(cohort), page_number(), LOG_PAGE, rows=True)
    return render_template("reminders/log.html", cohort=cohort, page=page, status=None, statuses=STATUSES)


@bp.get("/admin/emails")
@admin_required
def all_log():
    status = request.args.get("status")
    status = status if status in STATUSES else None
    page = paginate(db.session, all_notices(status), page_number(), LOG_PAGE, rows=True)
    return render_template("reminders/log.html", cohort=None, page=page, status=status, statuses=STATUSES)
