"""Admin pages for question interchange: import a Moodle GIFT file with a per-question report; export."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from course.content.forms import GiftImportForm
from course.content.gift_import import GiftImportError
from course.content.services import export_module_gift, module_choices, run_gift_import
from course.core.roles import admin_required
from course.extensions import db

bp = Blueprint("content_admin", __name__, url_prefix="/admin/questions")


def _root() -> Path:
    return Path(current_app.config["CONTENT_DIR"])


@bp.route("/import", methods=["GET", "POST"])
@admin_required
def import_gift():
    form = GiftImportForm()
    form.module.choices = [SelectChoice(slug, title) for slug, title in module_choices(_root())]
    report, problem, status = None, None, 200
    if form.validate_on_submit():
        try:
            report = run_gift_import(db.session, current_user, _root(), form)
        except GiftImportError as exc:
            problem, status = str(exc), 422
    elif form.errors:
        status = 422
    return render_template("content/gift_import.html", form=form, report=report, problem=problem,
                           modules=form.module.choices), status


@bp.get("/export/<slug>.gift")
@admin_required
def export_gift(slug: str):
    text = export_module_gift(_root(), slug)
    if text is None:
        abort(404)
    return Response(text, mimetype="text/plain; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.gift.txt"'})
