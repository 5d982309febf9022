"""Scenario rules beyond the schema: a best choice at every step, no dead ends, flags set before they are read,
and no answer pattern in the file."""

from __future__ import annotations

from collections import defaultdict

from course.content.loader import LoadedCourse, LoadedModule
from course.content.schema import ScenarioSpec, ScenarioText
from course.content.yamlio import ContentError, LineMap, Problem, read_yaml

FIRST_BEST_SHARE = 0.5  # the best choice may be listed first in at most half a file's steps


def scenario_texts(scenario: ScenarioSpec) -> list[str]:
    """Every piece of text a trainee may read in the scenario, conditional paragraphs included."""
    texts = [scenario.title, scenario.summary, scenario.content_note or "", *paragraphs(scenario.debrief)]
    texts += [p for step in scenario.steps for p in paragraphs(step.situation)]
    texts += [c.text + "\n" + c.feedback for step in scenario.steps for c in step.choices]
    texts += [p for e in scenario.endings for p in (e.title, *paragraphs(e.outcome))]
    return texts


def paragraphs(text: ScenarioText) -> list[str]:
    """The paragraphs of a scenario text, whatever their condition."""
    return [text] if isinstance(text, str) else [p if isinstance(p, str) else p.text for p in text]


def flags_read(text: ScenarioText) -> set[str]:
    """The flags a scenario text's conditions mention."""
    found: set[str] = set()
    for part in [] if isinstance(text, str) else text:
        if isinstance(part, str):
            continue
        for test in part.when if isinstance(part.when, list) else [part.when]:
            found.add(test["not"] if isinstance(test, dict) else test)
    return found


def check_scenario_rules(course: LoadedCourse, module: LoadedModule) -> None:
    """Add a problem for each scenario rule `module`'s scenario breaks."""
    scenario = module.scenario
    steps = {s.id: s for s in scenario.steps}
    endings = {e.id: e for e in scenario.endings}
    if scenario.start not in steps or any(c.next not in steps | endings for s in scenario.steps for c in s.choices):
        return  # checks.py reports the broken reference; the graph below would be meaningless
    lines = _linemap(course, module)

    def problem(index: tuple, reason: str) -> None:
        course.problems.append(Problem(module.scenario_path, lines.line(index), reason))

    step_index = {s.id: ("steps", i) for i, s in enumerate(scenario.steps)}
    ending_index = {e.id: ("endings", i) for i, e in enumerate(scenario.endings)}
    for step in scenario.steps:
        if not any(c.quality == "best" for c in step.choices):
            problem(step_index[step.id], f"step '{step.id}' has no best choice; every decision needs one")
    reached = {scenario.start} | {c.next for s in scenario.steps for c in s.choices}
    for ending_id in endings.keys() - reached:
        problem(ending_index[ending_id], f"ending '{ending_id}' cannot be reached: no choice leads to it")
    for step_id in _dead_ends(steps, endings):
        problem(step_index[step_id], f"step '{step_id}' is a dead end: no path from it reaches an ending")
    _check_flags(scenario, steps, problem, step_index, ending_index)
    first_best = sum(s.choices[0].quality == "best" for s in scenario.steps)
    if len(scenario.steps) >= 2 and first_best > FIRST_BEST_SHARE * len(scenario.steps):
        problem(("steps",), f"the best choice is listed first in {first_best} of {len(scenario.steps)} steps; vary "
                            "its position so the file does not teach a pattern")


def _linemap(course: LoadedCourse, module: LoadedModule) -> LineMap:
    try:
        return read_yaml(course.root.parent / module.scenario_path, module.scenario_path)[1]
    except ContentError:
        return LineMap(None)


def _dead_ends(steps: dict, endings: dict) -> list[str]:
    """Steps from which no sequence of choices reaches an ending."""
    finishes = set(endings)
    changed = True
    while changed:
        changed = False
        for step in steps.values():
            if step.id not in finishes and any(c.next in finishes for c in step.choices):
                finishes.add(step.id)
                changed = True
    return [step_id for step_id in steps if step_id not in finishes]


def _check_flags(scenario: ScenarioSpec, steps: dict, problem, step_index: dict, ending_index: dict) -> None:
    """Each flag a text reads must be set by some choice on a path before it; each flag set must be read."""
    set_before: dict[str, set[str]] = defaultdict(set)  # node id -> flags some path to it may have set
    changed = True
    while changed:  # a fixed point, so a loop (reported by checks.py) cannot hang it
        changed = False
        for step in steps.values():
            for choice in step.choices:
                arriving = set_before[step.id] | set(choice.sets)
                if not arriving <= set_before[choice.next]:
                    set_before[choice.next] |= arriving
                    changed = True
    everywhere = {flag for step in scenario.steps for choice in step.choices for flag in choice.sets}
    read: set[str] = flags_read(scenario.debrief)
    texts = [(s.id, "step", s.situation, step_index[s.id]) for s in scenario.steps]
    texts += [(e.id, "ending", e.outcome, ending_index[e.id]) for e in scenario.endings]
    for node_id, kind, text, index in texts:
        for flag in sorted(flags_read(text)):
            read.add(flag)
            if flag not in everywhere:
                problem(index, f"{kind} '{node_id}' reads flag '{flag}', which no choice sets")
            elif flag not in set_before[node_id]:
                problem(index, f"{kind} '{node_id}' reads flag '{flag}', which no choice before it sets")
    for flag in sorted(read - everywhere):
        if flag in flags_read(scenario.debrief):
            problem(("debrief",), f"the debrief reads flag '{flag}', which no choice sets")
    for flag in sorted(everywhere - read):
        problem(("steps",), f"flag '{flag}' is set but no text reads it")
