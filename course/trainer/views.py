"""Trainer pages: cohorts, enrolment, the progress matrix and each trainee's record."""

from __future__ import annotations

import functools
import smtplib

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_percent
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.access import cohort_for
from course.core.catalogue import load_live_version
from course.core.cohorts import EDITABLE, update_cohort
from course.core.forms import ConfirmForm
from course.core.mail import invitation_message, mail_configured, public_link, send_messages, welcome_message
from course.core.pagination import page_number
from course.core.roles import staff_required
from course.core.roster import RosterInvalid, import_roster, parse_roster, record_invitations
from course.core.search import MAX_SEARCH
from course.core.settings import academy_name
from course.extensions import db
from course.reports.charts import band_labels, bar_chart, data_table, line_chart
from course.trainer.cohort_sql import BAND_WIDTH, cohort_page
from course.trainer.exports import csv_lines, csv_response
from course.trainer.forms import CohortForm, CoTrainerForm, ImportForm, InviteForm
from course.trainer.progress import FILTERS, SORTS
from course.trainer.services import (
    CohortError,
    add_co_trainer,
    cohort_by_invite,
    cohorts_with_counts,
    create_cohort,
    invited_emails,
    join_cohort,
    member_count,
    update_invite,
)

bp = Blueprint("trainer", __name__)
PAGE_SIZE = 50


@bp.get("/trainer")
@staff_required
def index():
    cohorts, counts = cohorts_with_counts(db.session, current_user)
    return render_template("trainer/index.html", cohorts=cohorts, counts=counts)


@bp.route("/trainer/cohorts/new", methods=["GET", "POST"])
@staff_required
def new_cohort():
    form = CohortForm()
    if form.validate_on_submit():
        cohort = create_cohort(db.session, current_user, name=form.name.data, description=form.description.data,
                               starts_on=form.starts_on.data, due_on=form.due_on.data)
        flash(_("Cohort created. Share the invite link or import a CSV to enrol trainees."), "success")
        return redirect(url_for("trainer.cohort", cohort_id=cohort.id))
    return render_template("trainer/cohort_form.html", form=form), 422 if form.errors else 200


@bp.route("/trainer/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@staff_required
def edit_cohort(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    form = CohortForm(obj=cohort)
    if form.validate_on_submit():
        update_cohort(db.session, current_user, cohort, **{field: form[field].data for field in EDITABLE})
        flash(_("Cohort saved."), "success")
        return redirect(url_for("trainer.cohort", cohort_id=cohort.id))
    return render_template("trainer/cohort_form.html", form=form, cohort=cohort), 422 if form.errors else 200


@bp.get("/trainer/cohorts/<int:cohort_id>")
@staff_required
def cohort(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    version = load_live_version(db.session) or abort(503)
    flag = request.args.get("filter", "all") if request.args.get("filter") in FILTERS else "all"
    sort = request.args.get("sort", "name") if request.args.get("sort") in SORTS else "name"
    search = request.args.get("q", "", type=str).strip()[:MAX_SEARCH]
    page = cohort_page(db.session, cohort, version, flag, sort, search, page_number(), PAGE_SIZE)
    return render_template("trainer/cohort.html", cohort=cohort, progress=page, flag=flag, sort=sort, search=search,
                           rows=page.rows, matched=page.matched, page=page.page, pages=page.pages, filters=FILTERS,
                           totals=page.totals, co_trainer_form=CoTrainerForm(), charts=cohort_charts(page),
                           invited=invited_emails(db.session, cohort), percent=percent_formatter())


def percent_formatter():
    """`format_percent` for 0-100 values, each value formatted once per page (a matrix repeats a few dozen)."""
    return functools.lru_cache(maxsize=512)(lambda value: format_percent(value / 100))


def cohort_charts(page) -> list[dict]:
    """Completion over time and each module's score distribution, as SVG with a table alternative."""
    points = page.completion_points
    charts = [{
        "title": _("Course completion over time"),
        "svg": line_chart(_("Course completion over time"),
                          _("Trainees in this cohort holding a certificate, by date."), points,
                          id_prefix="chart-completion", y_label=_("trainees"), empty_text=_("No completions yet")),
        "table": data_table(_("Course completion over time"), [_("Date"), _("Trainees completed")], points),
    }]
    labels = band_labels(BAND_WIDTH)
    for index, module in enumerate(page.version.modules):
        counts = page.bands[index]
        title = _("Best quiz scores: %(module)s", module=module.title)
        charts.append({
            "title": title,
            "svg": bar_chart(title, _("How many trainees have a best score in each band."), labels, counts,
                             id_prefix=f"chart-scores-{index}", y_label=_("trainees"),
                             empty_text=_("No attempts yet")),
            "table": data_table(title, [_("Score band"), _("Trainees")], list(zip(labels, counts, strict=True))),
        })
    return charts


@bp.post("/trainer/cohorts/<int:cohort_id>/trainers")
@staff_required
def add_trainer(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    form = CoTrainerForm()
    if not form.validate_on_submit():
        flash(_("Enter a valid email address for the co-trainer."), "warning")
        return redirect(url_for("trainer.cohort", cohort_id=cohort.id))
    try:
        trainer = add_co_trainer(db.session, current_user, cohort, form.email.data)
    except CohortError as exc:
        flash(str(exc), "warning")
    else:
        flash(_("%(name)s now trains this cohort.", name=trainer.name), "success")
    return redirect(url_for("trainer.cohort", cohort_id=cohort.id))


@bp.route("/trainer/cohorts/<int:cohort_id>/invite", methods=["GET", "POST"])
@staff_required
def invite(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    form = InviteForm(expires_on=cohort.invite_expires_at.date() if cohort.invite_expires_at else None,
                      member_limit=cohort.member_limit)
    if form.validate_on_submit():
        update_invite(db.session, current_user, cohort, expires_on=form.expires_on.data,
                      member_limit=form.member_limit.data, regenerate="regenerate" in request.form)
        flash(_("Invitation updated."), "success")
        return redirect(url_for("trainer.invite", cohort_id=cohort.id))
    return render_template("trainer/invite.html", cohort=cohort, form=form, members=member_count(db.session, cohort),
                           link=url_for("trainer.join", code=cohort.invite_code, _external=True)), \
        422 if form.errors else 200


@bp.route("/trainer/cohorts/<int:cohort_id>/import", methods=["GET", "POST"])
@staff_required
def import_members(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    form, outcomes, status = ImportForm(), None, 200
    if form.validate_on_submit():
        emailing = form.send_email.data and mail_configured()
        try:
            outcomes = import_roster(db.session, current_user, cohort, parse_roster(form.file.data.read()),
                                     set_password_link(emailing))
        except RosterInvalid as exc:
            outcomes, status = [o for o in exc.outcomes if o.status == "error"], 422
        else:
            db.session.commit()  # the import is complete before any email or download starts
            if mail_configured():  # invitations always go by email when it is set up; links when asked
                email_links(outcomes, cohort, send_links=emailing)
            if form.output.data == "csv":
                header = ["row", "email", "name", "badge_number", "outcome", "message", "set_password_link"]
                return csv_response(csv_lines(header, ([o.row, o.email, o.name, o.badge_number, o.status, o.message,
                                                        o.set_password_url] for o in outcomes)),
                                    f"cohort-{cohort.id}-import.csv")
    elif form.errors:
        status = 422
    return render_template("trainer/import.html", cohort=cohort, form=form, outcomes=outcomes,
                           can_email=mail_configured()), status


def set_password_link(emailing: bool):
    """How a new account's link is written: on PUBLIC_BASE_URL when it is emailed, else this site's address."""
    if emailing:
        return lambda token: public_link(url_for("auth.set_password", token=token))
    return lambda token: url_for("auth.set_password", token=token, _external=True)


def email_links(outcomes, cohort, send_links: bool) -> None:
    """Send each invited account its invitation and, if `send_links`, each new account its link; note on each
    new account's row whether it went."""
    created = [o for o in outcomes if o.status == "created"] if send_links else []
    academy = academy_name(db.session)
    messages = [welcome_message(o.email, o.name, o.set_password_url, academy, cohort.name) for o in created]
    messages += [invitation_message(o.email, o.name, public_link(url_for("learn.dashboard")), academy, cohort.name)
                 for o in outcomes if o.status == "invited"]
    if not messages:
        return
    try:
        failed = send_messages(messages)
    except (OSError, smtplib.SMTPException) as exc:
        current_app.logger.exception("Sending set-password emails failed")
        record_invitations(db.session, outcomes, cohort, {o.email: str(exc) for o in outcomes})
        db.session.commit()
        flash(_("The emails could not be sent. The accounts are created: copy the links below instead."), "warning")
        return
    record_invitations(db.session, outcomes, cohort, failed)
    db.session.commit()
    for outcome in created:
        outcome.message = (_("New account; the email could not be delivered.") if outcome.email in failed
                           else _("New account; the set-password link was emailed."))


@bp.route("/join/<code>", methods=["GET", "POST"])
@login_required
def join(code: str):
    cohort = cohort_by_invite(db.session, code)
    if cohort is None:
        abort(404, _("This invitation link is not valid. Ask your trainer for a new one."))
    error = None
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            joined = join_cohort(db.session, current_user, cohort)
        except CohortError as exc:
            error = str(exc)
        else:
            flash(_("You have joined %(name)s.", name=cohort.name) if joined
                  else _("You are already in %(name)s.", name=cohort.name), "success")
            return redirect(url_for("learn.dashboard"))
    return render_template("trainer/join.html", cohort=cohort, error=error), 409 if error else 200
