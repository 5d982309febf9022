"""Playing branching scenarios without JavaScript: intro, one decision per page, debrief."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from course.core.catalogue import find_lesson, load_live_version
from course.core.completion import announce_certificate, certify_if_complete
from course.core.progress import course_progress
from course.core.questions import ResponseError
from course.extensions import db
from course.models import ScenarioRun
from course.scenarios.forms import ScenarioForm
from course.scenarios.services import (
    debrief_for,
    decide,
    pass_score,
    run_language,
    run_scenario,
    scenario_runs,
    start_run,
    step_page,
)

bp = Blueprint("scenarios", __name__)


def module_with_scenario(slug: str):
    version = load_live_version(db.session) or abort(404)
    module, _lesson = find_lesson(version, slug)
    if module is None or not module.scenario:
        abort(404)
    return version, module


def own_run(run_id: int) -> ScenarioRun:
    run = db.session.get(ScenarioRun, run_id)
    if run is None or run.user_id != current_user.id:
        abort(404)
    return run


@bp.get("/modules/<slug>/scenario")
@login_required
def intro(slug: str):
    version, module = module_with_scenario(slug)
    runs = scenario_runs(db.session, current_user, slug)
    record = course_progress(db.session, current_user, version).for_module(slug).scenario
    return render_template("scenarios/intro.html", module=module, scenario=module.scenario, runs=runs,
                           record=record, pass_score=pass_score(module), form=ScenarioForm())


@bp.post("/modules/<slug>/scenario/start")
@login_required
def start(slug: str):
    _version, module = module_with_scenario(slug)
    if not ScenarioForm().validate_on_submit():
        abort(400)
    run = start_run(db.session, current_user, module)
    db.session.flush()
    return redirect(url_for("scenarios.play", run_id=run.id))


@bp.route("/scenario-runs/<int:run_id>", methods=["GET", "POST"])
@login_required
def play(run_id: int):
    run = own_run(run_id)
    scenario, lang = run_scenario(run), run_language(run)  # as the run started, whatever the reader's language
    error = None
    if request.method == "POST":
        if not ScenarioForm().validate_on_submit():
            abort(400)
        step_id = request.form.get("step", "")
        if not run.is_finished and step_id == run.current_step:
            try:
                decide(db.session, run, step_id, request.form.get("choice", ""))
            except ResponseError as exc:
                error = str(exc)
        if error is None:
            if run.is_finished:
                return after_finishing(run)
            return redirect(url_for("scenarios.play", run_id=run.id))
    if run.is_finished:
        return render_template("scenarios/debrief.html", run=run, module=run.module, scenario=scenario,
                               scenario_lang=lang, debrief=debrief_for(run))
    return render_template("scenarios/step.html", run=run, module=run.module, scenario=scenario,
                           scenario_lang=lang, page=step_page(run), error=error,
                           form=ScenarioForm()), 422 if error else 200


def after_finishing(run: ScenarioRun):
    if run.module.scenario_required:
        announce_certificate(certify_if_complete(db.session, current_user))
    return redirect(url_for("scenarios.play", run_id=run.id))
