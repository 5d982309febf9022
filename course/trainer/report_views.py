"""Trainer reports: item analysis, learning gain and streamed CSV exports (progress, attempts, items)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from course.core.access import cohort_for
from course.core.audit import record_event
from course.core.catalogue import find_lesson, load_live_version
from course.core.roles import admin_required, staff_required
from course.database import writes_on_get
from course.extensions import db
from course.models import Cohort
from course.reports.item_stats import MIN_RESPONSES
from course.trainer.exports import attempt_rows, csv_lines, csv_response, progress_rows
from course.trainer.gain import cohort_gain
from course.trainer.items import item_analysis

bp = Blueprint("reports", __name__)


def chosen_module(version):
    """The module named by ?module=, or the first one."""
    slug = request.args.get("module") or version.modules[0].slug
    module, _lesson = find_lesson(version, slug)
    return module or abort(404)


def analysis_page(cohort: Cohort | None):
    version = load_live_version(db.session) or abort(503)
    module = chosen_module(version)
    first_only = request.args.get("attempts") == "first"
    statistics, reports = item_analysis(db.session, module, cohort, first_only)
    return render_template("trainer/items.html", cohort=cohort, version=version, module=module,
                           statistics=statistics, reports=reports, first_only=first_only)


@bp.get("/trainer/cohorts/<int:cohort_id>/items")
@staff_required
def items(cohort_id: int):
    return analysis_page(cohort_for(db.session, current_user, cohort_id))


@bp.get("/trainer/cohorts/<int:cohort_id>/gain")
@staff_required
def gain(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    version = load_live_version(db.session) or abort(503)
    if not version.exam_settings:
        abort(404)
    return render_template("trainer/gain.html", cohort=cohort, version=version,
                           gains=cohort_gain(db.session, cohort, version), minimum=MIN_RESPONSES)


@bp.get("/admin/items")
@admin_required
def all_items():
    return analysis_page(None)


@bp.get("/trainer/cohorts/<int:cohort_id>/export/progress.csv")
@writes_on_get
@staff_required
def export_progress(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    version = load_live_version(db.session) or abort(503)
    header, rows = progress_rows(db.session, cohort, version)
    record_event(db.session, current_user, "export.progress", "cohort", cohort.id)
    db.session.commit()  # record the export before streaming starts
    return csv_response(csv_lines(header, rows), f"cohort-{cohort.id}-progress.csv")


@bp.get("/trainer/cohorts/<int:cohort_id>/export/attempts.csv")
@writes_on_get
@staff_required
def export_attempts(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    header, rows = attempt_rows(db.session, cohort)
    record_event(db.session, current_user, "export.attempts", "cohort", cohort.id)
    db.session.commit()
    return csv_response(csv_lines(header, rows), f"cohort-{cohort.id}-attempts.csv")


@bp.get("/trainer/cohorts/<int:cohort_id>/export/items.csv")
@writes_on_get
@staff_required
def export_items(cohort_id: int):
    cohort = cohort_for(db.session, current_user, cohort_id)
    version = load_live_version(db.session) or abort(503)
    module = chosen_module(version)
    statistics, reports = item_analysis(db.session, module, cohort, request.args.get("attempts") == "first")
    header = ["question_id", "prompt", "responses", "facility_percent", "facility_ci_low", "facility_ci_high",
              "discrimination", "discrimination_ci_low", "discrimination_ci_high", "too_few_responses", "flags",
              "choice_counts"]

    def rows():
        for report in reports:
            s = report.stats
            counts = "; ".join(f"{choice.get('text', i)}: {s.choice_counts.get(i, 0)}"
                               for i, choice in enumerate(report.question.get("choices", [])))
            yield [report.key, report.question.get("prompt", ""), s.n, _num(s.facility), *_pair(s.facility_ci),
                   _num(s.discrimination), *_pair(s.discrimination_ci), s.too_few, " ".join(s.flags), counts]

    record_event(db.session, current_user, "export.items", "cohort", cohort.id, module=module.slug)
    db.session.commit()
    return csv_response(csv_lines(header, rows()), f"cohort-{cohort.id}-{module.slug}-items.csv")


def _num(value):
    return "" if value is None else round(value, 3)


def _pair(pair):
    return ["", ""] if pair is None else [round(pair[0], 3), round(pair[1], 3)]
