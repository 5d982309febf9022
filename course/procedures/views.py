"""The academy's procedures (admins fill them in) and the job aids that print them (everyone signed in)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from course.core.catalogue import load_live_version
from course.core.i18n import current_language
from course.core.procedures import LOCALES, SLOTS, ProcedureError, procedure_values, unfilled_slots
from course.core.roles import admin_required
from course.core.settings import academy_name
from course.extensions import db
from course.procedures.forms import ProceduresForm, field_name
from course.procedures.services import find_job_aid, job_aids, save_procedures

bp = Blueprint("procedures", __name__)


@bp.route("/admin/procedures", methods=["GET", "POST"])
@admin_required
def edit():
    values = procedure_values(db.session)
    form = ProceduresForm(data={field_name(name, locale): values.get(name, {}).get(locale, "")
                                for name in SLOTS for locale in LOCALES})
    if form.validate_on_submit():
        fields = {(name, locale): form[field_name(name, locale)] for name in SLOTS for locale in LOCALES}
        texts = {key: field.data for key, field in fields.items() if field.raw_data}  # absent: left as it is
        try:
            changed = save_procedures(db.session, current_user, texts)
        except ProcedureError as exc:  # the form checks the same rules; this is the last line
            abort(400, str(exc))
        if changed:
            flash(_("Procedures saved. Lessons and job aids show them from now on."), "success")
        return redirect(url_for("procedures.edit"))
    return render_template("procedures/edit.html", form=form, slots=SLOTS, field_name=field_name,
                           unfilled=unfilled_slots(db.session)), 422 if form.errors else 200


@bp.get("/job-aids")
@login_required
def index():
    return render_template("procedures/job_aids.html",
                           aids=job_aids(load_live_version(db.session), current_language()))


def _job_aid(slug: str):
    return find_job_aid(load_live_version(db.session), slug, current_language()) or abort(404)


@bp.get("/job-aids/<slug>")
@login_required
def job_aid(slug: str):
    return render_template("procedures/job_aid.html", aid=_job_aid(slug))


@bp.get("/job-aids/<slug>.pdf")
@login_required
def job_aid_download(slug: str):
    # Imported here, not above: fpdf and fontTools (~25 MB) load only in a worker that makes a PDF.
    from course.memory import release_memory
    from course.procedures.pdf import job_aid_pdf

    aid = _job_aid(slug)
    data = job_aid_pdf(aid, academy_name(db.session), request.url_root, _("Sources:"))
    release_memory()
    return send_file(io.BytesIO(data), mimetype="application/pdf", download_name=f"{slug}.pdf")
