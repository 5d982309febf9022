"""Playing a module's branching scenario: start or resume, decide once per step, flags, score, records."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.core.events import Activity, LearningEvent, module_activity, record_learning, statements_wanted
from course.core.i18n import scenario_words
from course.core.questions import ResponseError, get_type
from course.core.standings import touch
from course.models import Module, ScenarioRun, User, utcnow

POINTS_PER_DECISION = 2
DEFAULT_PASS_SCORE = 70  # module.yaml's scenario_pass_score when content published before it existed


def find_step(scenario: dict, step_id: str) -> dict | None:
    """The step with `step_id`, or None."""
    return next((s for s in scenario["steps"] if s["id"] == step_id), None)


def find_ending(scenario: dict, ending_id: str) -> dict | None:
    """The ending with `ending_id`, or None."""
    return next((e for e in scenario["endings"] if e["id"] == ending_id), None)


def pass_score(module: Module) -> int:
    """The percent a finished run needs to pass (and, when the scenario is required, to count)."""
    return module.scenario.get("pass_score", DEFAULT_PASS_SCORE)


def holds(condition, flags) -> bool:
    """Whether a `when` condition holds: a flag, {"not": flag}, or a list of these that must all hold."""
    if isinstance(condition, list):
        return all(holds(each, flags) for each in condition)
    if isinstance(condition, dict):
        return condition["not"] not in flags
    return condition in flags


def text_for(text: str | list, flags) -> str:
    """Scenario text as the trainee sees it: the plain paragraphs and those whose condition holds."""
    if isinstance(text, str):
        return text
    parts = [p if isinstance(p, str) else p["text"] for p in text if isinstance(p, str) or holds(p["when"], flags)]
    return "\n\n".join(part.strip() for part in parts)


def unfinished_run(session: Session, user: User, module_slug: str) -> ScenarioRun | None:
    """The run `user` started and has not finished for this module, if any."""
    return session.scalar(select(ScenarioRun).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module_slug, ScenarioRun.finished_at.is_(None)))


def draw_choice_orders(scenario: dict, rng: random.Random) -> dict[str, list[int]]:
    """For every step, the order its choices are shown in during one run."""
    orders = {}
    for step in scenario["steps"]:
        order = list(range(len(step["choices"])))
        rng.shuffle(order)
        orders[step["id"]] = order
    return orders


def start_run(session: Session, user: User, module: Module, now: datetime | None = None,
              rng: random.Random | None = None) -> ScenarioRun:
    """Resume the unfinished run, or start a new play-through at the first step, with its choice order drawn."""
    existing = unfinished_run(session, user, module.slug)
    if existing is not None:
        return existing
    count = session.scalar(select(func.count(ScenarioRun.id)).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module.slug))
    run = ScenarioRun(user_id=user.id, module_id=module.id, module_slug=module.slug, number=count + 1,
                      started_at=now or utcnow(), current_step=module.scenario["start"], path=[], flags=[],
                      language=module.scenario_lang,  # the language its situations were shown in at the start
                      choice_orders=draw_choice_orders(module.scenario, rng or random.SystemRandom()))
    try:
        with session.begin_nested():
            session.add(run)
    except IntegrityError:  # a double click started it in another request
        return unfinished_run(session, user, module.slug)
    report_run(session, run, user, "launched")
    return run


def report_run(session: Session, run: ScenarioRun, user: User | None, verb: str) -> None:
    """`launched` a run, or `completed` it (with score, success and duration), through the records-out seam."""
    if not statements_wanted():
        return
    user = user or session.get(User, run.user_id)
    finished = verb == "completed"
    record_learning(session, LearningEvent(
        verb, user, Activity(f"/modules/{run.module_slug}/scenario", "scenario", f"{run.module.title}: scenario"),
        key=f"run:{run.id}:{verb}", at=run.finished_at if finished else run.started_at, version=run.module.version,
        parent=module_activity(run.module), registration=f"run:{run.id}",
        score=run.score if finished else None, success=run.passed if finished else None,
        completion=True if finished else None, duration=run.finished_at - run.started_at if finished else None))


def choice_order(run: ScenarioRun, step: dict) -> list[int]:
    """Authored choice indexes in the order this run shows them (authored order for runs from before)."""
    return (run.choice_orders or {}).get(step["id"]) or list(range(len(step["choices"])))


def run_scenario(run: ScenarioRun) -> dict:
    """The run's scenario in the language the run started in (older runs: the course's default language)."""
    return scenario_words(run.module, run.language)[0]


def run_language(run: ScenarioRun) -> str:
    """The language of `run_scenario`'s words, for the pages' `lang` attributes."""
    return scenario_words(run.module, run.language)[1]


def decide(session: Session, run: ScenarioRun, step_id: str, value: str, now: datetime | None = None) -> bool:
    """Record the choice shown at position `value` of `step_id`. False if the step was already decided.

    Raises ResponseError for a choice that is not offered at this step.
    """
    scenario = run_scenario(run)
    if run.is_finished or step_id != run.current_step:
        return False
    step = find_step(scenario, step_id)
    kind = get_type("scenario_step")
    response = kind.parse([value] if value else [], choice_order(run, step))
    if response is None:
        raise ResponseError(_("Choose what you would do."))
    choice = step["choices"][response[0]]
    points = run.points + round(kind.grade(step, response) * POINTS_PER_DECISION)
    path = [*run.path, {"step": step_id, "choice": response[0]}]
    flags = [*run.flags, *(f for f in dict.fromkeys(choice.get("sets", [])) if f not in run.flags)]
    ending = find_ending(scenario, choice["next"])
    values = {"path": path, "points": points, "flags": flags, "current_step": None if ending else choice["next"]}
    if ending:
        score = round(100 * points / (POINTS_PER_DECISION * len(path)), 1)
        values |= {"ending": ending["id"], "finished_at": now or utcnow(), "score": score,
                   "passed": score >= pass_score(run.module)}
    # Only the request that still sees the step undecided moves the run on.
    moved = session.execute(
        update(ScenarioRun).where(ScenarioRun.id == run.id, ScenarioRun.current_step == step_id)
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(run)
    if moved == 1:
        touch(session, run.user_id)  # core.standings
    if moved == 1 and ending:
        report_run(session, run, None, "completed")
    return moved == 1


@dataclass
class DecisionReview:
    """A decision as the debrief shows it: the situation as it read then, and the choice taken."""

    situation: str
    choice: dict


def review_path(run: ScenarioRun) -> list[DecisionReview]:
    """The decisions made, in order, each with the situation as the trainee saw it."""
    scenario, flags, reviews = run_scenario(run), set(), []
    for entry in run.path:
        step = find_step(scenario, entry["step"])
        choice = step["choices"][entry["choice"]]
        reviews.append(DecisionReview(text_for(step["situation"], flags), choice))
        flags.update(choice.get("sets", []))
    return reviews


@dataclass
class StepPage:
    """What a decision page shows: the last consequence, the situation and the choices in this run's order."""

    step: dict
    situation: str
    choices: list[dict]
    last: DecisionReview | None


def step_page(run: ScenarioRun) -> StepPage:
    """The current decision of an unfinished run, as the trainee sees it."""
    step = find_step(run_scenario(run), run.current_step)
    last = review_path(run)[-1] if run.path else None
    return StepPage(step, text_for(step["situation"], run.flags),
                    [step["choices"][i] for i in choice_order(run, step)], last)


@dataclass
class Debrief:
    """A finished run: its ending and the module's debrief as they read for this path, and the decisions."""

    title: str
    outcome: str
    debrief: str
    path: list[DecisionReview]
    pass_score: int


def debrief_for(run: ScenarioRun) -> Debrief:
    """The debrief of a finished run."""
    scenario = run_scenario(run)
    ending = find_ending(scenario, run.ending)
    return Debrief(ending["title"], text_for(ending["outcome"], run.flags), text_for(scenario["debrief"], run.flags),
                   review_path(run), pass_score(run.module))


def scenario_runs(session: Session, user: User, module_slug: str) -> list[ScenarioRun]:
    """Every play-through `user` started of the module's scenario, in order."""
    return list(session.scalars(select(ScenarioRun).where(
        ScenarioRun.user_id == user.id, ScenarioRun.module_slug == module_slug).order_by(ScenarioRun.number)))
