"""Playing a module's branching scenario: start or resume, decide once per step, score, records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.core.questions import ResponseError, get_type
from course.models import Module, ScenarioRun, User, utcnow

POINTS_PER_DECISION = 2


def find_step(scenario: dict, step_id: str) -> dict | None:
    """The step with `step_id`, or None."""
    return next((s for s in scenario["steps"] if s["id"] == step_id), None)


def find_ending(scenario: dict, ending_id: str) -> dict | None:
    """The ending with `ending_id`, or None."""
    return next((e for e in scenario["endings"] if e["id"] == ending_id), None)


def unfinished_run(session: Session, user: User, module_slug: str) -> ScenarioRun | None:
    """The run `user` started and has not finished for this module, if any."""
    return session.scalar(select(ScenarioRun).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module_slug, ScenarioRun.finished_at.is_(None)))


def start_run(session: Session, user: User, module: Module, now: datetime | None = None) -> ScenarioRun:
    """Resume the unfinished run, or start a new play-through at the scenario's first step."""
    existing = unfinished_run(session, user, module.slug)
    if existing is not None:
        return existing
    count = session.scalar(select(func.count(ScenarioRun.id)).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module.slug))
    run = ScenarioRun(user_id=user.id, module_id=module.id, module_slug=module.slug, number=count + 1,
                      started_at=now or utcnow(), current_step=module.scenario["start"], path=[])
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:  # a double click started it in another request
        return unfinished_run(session, user, module.slug)
    return run


def decide(session: Session, run: ScenarioRun, step_id: str, value: str, now: datetime | None = None) -> bool:
    """Record the choice made at `step_id`. False if the step was already decided (double submit).

    Raises ResponseError for a choice that is not offered at this step.
    """
    scenario = run.module.scenario
    if run.is_finished or step_id != run.current_step:
        return False
    step = find_step(scenario, step_id)
    kind = get_type("scenario_step")
    response = kind.parse([value] if value else [], list(range(len(step["choices"]))))
    if response is None:
        raise ResponseError(_("Choose what you would do."))
    choice = step["choices"][response[0]]
    points = run.points + round(kind.grade(step, response) * POINTS_PER_DECISION)
    path = [*run.path, {"step": step_id, "choice": response[0]}]
    ending = find_ending(scenario, choice["next"])
    values = {"path": path, "points": points, "current_step": None if ending else choice["next"]}
    if ending:
        values |= {"ending": ending["id"], "finished_at": now or utcnow(),
                   "score": round(100 * points / (POINTS_PER_DECISION * len(path)), 1)}
    # Only the request that still sees the step undecided moves the run on.
    moved = session.execute(
        update(ScenarioRun).where(ScenarioRun.id == run.id, ScenarioRun.current_step == step_id)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(run)
    return moved == 1


@dataclass
class DecisionReview:
    """A decision as the debrief shows it."""

    situation: str
    choice: dict


def review_path(run: ScenarioRun) -> list[DecisionReview]:
    """The decisions made, in order, with the choice taken at each."""
    scenario = run.module.scenario
    return [DecisionReview(find_step(scenario, entry["step"])["situation"],
                           find_step(scenario, entry["step"])["choices"][entry["choice"]]) for entry in run.path]


def scenario_runs(session: Session, user: User, module_slug: str) -> list[ScenarioRun]:
    """Every play-through `user` started of the module's scenario, in order."""
    return list(session.scalars(select(ScenarioRun).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module_slug).order_by(ScenarioRun.number)))
