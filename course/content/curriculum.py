"""Render docs/curriculum.md from the content, so the curriculum map can never drift from it."""

from __future__ import annotations

from collections import Counter

from course.content.item_rules import key_length_rank, true_key
from course.content.loader import LoadedCourse, LoadedModule

HEADER = """<!-- Generated from modules/ by `flask --app app content curriculum`. Do not edit by hand:
     edit the content and regenerate (a test fails when this file is out of date). -->
"""


def render_curriculum(course: LoadedCourse) -> str:
    """Markdown: the recommendation map, then each module's objectives, lessons, assessment and sources."""
    owners = {o.id: (m, o) for m in course.modules for o in m.spec.objectives}
    by_slug = {m.slug: m for m in course.modules}
    out = [HEADER, f"# Curriculum: {course.spec.title}", "", " ".join(course.spec.summary.split()), ""]
    out += [f"{len(course.spec.modules)} modules, "
            f"{sum(len(m.lessons) for m in course.modules)} lessons, "
            f"{sum(len(m.questions) for m in course.modules)} quiz questions. "
            f"Certificates are valid for {course.spec.validity_months or 'unlimited'} months and carry "
            f"{course.spec.credit_hours:g} credit hours." if course.spec.credit_hours else "", ""]
    out += ["## Recommendations and where they are taught", "",
            "Every recommendation in the source article maps to at least one objective "
            "(`content check` enforces this).", "",
            "| | Recommendation | Made by | Objectives that teach it |", "|---|---|---|---|"]
    for rec in course.spec.recommendations:
        taught = "; ".join(f"`{oid}` ({owners[oid][0].spec.title})" for oid in rec.objectives if oid in owners)
        out.append(f"| {rec.id} | {rec.text} | {rec.by} | {taught} |")
    out.append("")
    out += _assessment_section([by_slug[slug] for slug in course.spec.modules])
    for position, slug in enumerate(course.spec.modules, start=1):
        out += _module_section(position, by_slug[slug])
    out += _exam_section(course)
    return "\n".join(out).rstrip() + "\n"


def _share(part: int, whole: int) -> str:
    return f"{part} ({part / whole:.0%})" if whole else "0"


def _assessment_section(modules: list[LoadedModule]) -> list[str]:
    """Per bank: items by level, where the single-choice key falls by length, and true/false keys."""
    out = ["## Assessment at a glance", "",
           "`content check` enforces the item-writing rules in `docs/authoring.md`; these are the figures.", "",
           "| Module | Items | Application | Single-choice key is longest / 2nd / 3rd / 4th | True/false keyed True |",
           "|---|---|---|---|---|"]
    totals: Counter[int] = Counter()
    for module in modules:
        data = [q.data for q in module.questions]
        ranks = Counter(key_length_rank(q) for q in data if q["type"] == "single")
        totals += ranks
        truths = [true_key(q) for q in data if q["type"] == "true_false"]
        applied = sum(q["level"] == "application" for q in data)
        out.append(f"| {module.spec.title} | {len(data)} | {_share(applied, len(data))} | "
                   f"{' / '.join(str(ranks[r]) for r in range(1, 5))} | {sum(truths)} of {len(truths)} |")
    out += ["", f"Across the course the single-choice key is the longest option in {totals[1]}, the 2nd-longest "
                f"in {totals[2]}, the 3rd-longest in {totals[3]} and the 4th-longest in {totals[4]} of "
                f"{sum(totals.values())} questions (ties share a rank).", ""]
    return out


def _module_section(position: int, module: LoadedModule) -> list[str]:
    spec = module.spec
    assessed = Counter((q.data["objective"], q.data["level"]) for q in module.questions)
    applied = sum(q.data["level"] == "application" for q in module.questions)
    out = [f"## {position}. {spec.title}", "", " ".join(spec.summary.split()), "",
           f"About {spec.minutes} minutes. Quiz: {spec.quiz.questions_per_attempt} questions per attempt from a "
           f"bank of {len(module.questions)}, pass mark {spec.quiz.pass_mark}%. Items by level: "
           f"{_share(len(module.questions) - applied, len(module.questions))} recall, "
           f"{_share(applied, len(module.questions))} application.", "",
           "### Objectives", "", "| Objective | Taught in | Questions (recall + application) |", "|---|---|---|"]
    for objective in spec.objectives:
        lessons = ", ".join(lesson.front.title for lesson in module.lessons if objective.id in lesson.front.objectives)
        recall, application = assessed[objective.id, "recall"], assessed[objective.id, "application"]
        out.append(f"| `{objective.id}`: {objective.text} | {lessons} | {recall + application} "
                   f"({recall} + {application}) |")
    out += ["", "### Lessons", ""]
    for index, lesson in enumerate(module.lessons, start=1):
        note = " (content note)" if lesson.front.content_note else ""
        out.append(f"{index}. {lesson.front.title}, {lesson.front.minutes} min{note}")
    if module.scenario is not None:
        scenario = module.scenario
        out += ["", f"### Scenario: {scenario.title}", "", " ".join(scenario.summary.split()), "",
                f"{len(scenario.steps)} decision points, {len(scenario.endings)} endings; practises "
                + ", ".join(f"`{o}`" for o in scenario.objectives) + "."]
    out += ["", "### Sources", ""]
    out += [f"- `{source.id}`: {source.citation}" for source in spec.sources]
    out.append("")
    return out


def _exam_section(course: LoadedCourse) -> list[str]:
    """The final exam's blueprint: each objective with its exam-only pool, by level."""
    exam = course.spec.exam
    if exam is None:
        return []
    owners = {o.id: (m, o) for m in course.modules for o in m.spec.objectives}
    pools = {objective: [q.data for m in course.modules for q in m.exam_questions if q.data["objective"] == objective]
             for objective in exam.objectives}
    limit = f", time limit {exam.time_limit_minutes} minutes" if exam.time_limit_minutes else ""
    out = ["## Final exam", "",
           f"{exam.items_per_objective * len(exam.objectives)} questions per attempt: {exam.items_per_objective} for "
           f"each of {len(exam.objectives)} objectives, drawn afresh from exam-only pools "
           f"({sum(len(p) for p in pools.values())} questions). Pass mark {exam.pass_mark}%, "
           f"{exam.max_attempts} attempts, {exam.cooldown_hours} hours between attempts{limit}. "
           f"The baseline check before module 1 asks {exam.pretest_items_per_objective} question(s) per "
           "objective from the module banks.", "",
           "| Objective | Module | Exam pool | Recall | Application |", "|---|---|---|---|---|"]
    for objective in exam.objectives:
        module, spec = owners[objective]
        pool = pools[objective]
        recall = sum(q.get("level") == "recall" for q in pool)
        out.append(f"| `{objective}`: {spec.text} | {module.spec.title} | {len(pool)} | {recall} | "
                   f"{len(pool) - recall} |")
    out.append("")
    return out
