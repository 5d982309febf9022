"""Rules that span files: references, coverage, scenario paths, credit hours and the figures allow-list."""

from __future__ import annotations

import math
import re
from collections import Counter

from course.content.exam_rules import check_exam
from course.content.figures import figure_finder, figure_pattern
from course.content.item_rules import check_items
from course.content.loader import LoadedCourse, LoadedModule, load_course
from course.content.parity import check_parity
from course.content.procedure_rules import check_links, check_procedure_slots, check_titles
from course.content.scenario_rules import check_scenario_rules, scenario_texts
from course.content.schema import CONTENT_LOCALES
from course.content.yamlio import Problem

MAX_AVERAGE_SENTENCE_WORDS = 22  # plain language: most readability guides aim for 15-20
MIN_SCENARIO_DECISIONS = 3
IN_PRACTICE = re.compile(r"^##\s+In practice\s*$", re.MULTILINE)
LIST_MARKER = re.compile(r"^\s*\d+[.)]\s", re.MULTILINE)
NUMBER = re.compile(r"\d[\d,.]*")


def check_course(root) -> LoadedCourse:
    """Load `root` and run every rule; `course.problems` lists what is wrong."""
    course = load_course(root)
    if course.spec is None:
        return course
    _check_course_modules(course)
    question_ids: Counter[str] = Counter(
        q.data["id"] for m in course.modules for q in [*m.questions, *m.exam_questions])
    course.problems += [Problem(d.path, d.line, f"{d.id} is in the bank and in drafts.yaml: delete the draft")
                        for d in course.drafts if question_ids[d.id]]
    for module in course.modules:
        _check_module(course, module, question_ids)
        if module.scenario is not None:
            _check_scenario(course, module)
            check_scenario_rules(course, module)
        _check_translations(course, module)
    check_exam(course, question_ids)
    _check_figures(course)
    _check_credit_hours(course)
    check_items(course)
    check_procedure_slots(course)
    check_titles(course)
    check_links(course)
    finder = figure_finder(course)
    for locale in CONTENT_LOCALES:
        course.parity[locale] = check_parity(course, locale, finder)
    return course


EXAM_MINUTES_PER_QUESTION = 2  # the exam's time when it sets no limit


def study_minutes(course: LoadedCourse) -> int:
    """Estimated study time: each module's minutes (or its lessons', if they add up to more), plus the exam."""
    modules = sum(max(m.spec.minutes, sum(lesson.front.minutes for lesson in m.lessons)) for m in course.modules)
    exam = course.spec.exam
    if exam is None:
        return modules
    return modules + (exam.time_limit_minutes
                      or EXAM_MINUTES_PER_QUESTION * exam.items_per_objective * len(exam.objectives))


def _check_credit_hours(course: LoadedCourse) -> None:
    """A certificate may not claim more hours than the estimates add up to, rounded up to the hour."""
    claimed, minutes = course.spec.credit_hours, study_minutes(course)
    estimates = "modules' and the exam's estimates" if course.spec.exam else "modules' estimates"
    if claimed is not None and claimed > math.ceil(minutes / 60):
        course.problems.append(Problem(course.display(course.root / "course.yaml"), None,
                                       f"credit_hours is {claimed:g} but the {estimates} add up to {minutes} "
                                       f"minutes (at most {math.ceil(minutes / 60)} hour(s), rounded up)"))


def _check_translations(course: LoadedCourse, module: LoadedModule) -> None:
    """A variant says the same thing in another language: same objectives, sources and choices."""
    for orphan in module.orphan_variants:
        course.problems.append(Problem(orphan.path, None, "this translation has no English lesson of the same name"))
    for lesson in module.lessons:
        for locale, variant in lesson.variants.items():
            for name in ("objectives", "sources"):
                if sorted(getattr(variant.front, name)) != sorted(getattr(lesson.front, name)):
                    course.problems.append(Problem(variant.path, None, f"{name} must be the same as in the English "
                                                                       f"lesson ({locale} variant)"))
    for question in module.questions:
        for locale in CONTENT_LOCALES:
            variant = question.data.get(locale)
            if variant and len(variant["choices"]) != len(question.data["choices"]):
                course.problems.append(Problem(question.path, question.line, f"question {question.data['id']}: "
                                               f"{locale}.choices needs one entry per English choice "
                                               f"({len(question.data['choices'])})"))


def _check_course_modules(course: LoadedCourse) -> None:
    slugs = [m.slug for m in course.modules]
    display = course.display(course.root / "course.yaml")
    for slug, count in Counter(slugs).items():
        if count > 1:
            course.problems.append(Problem(display, None, f"two module folders share the id '{slug}'"))
    for slug in course.spec.modules:
        if slug not in course.folder_slugs:
            course.problems.append(Problem(display, None, f"modules: '{slug}' has no folder NN-{slug}"))
    for module in course.modules:
        if module.slug not in course.spec.modules:
            course.problems.append(Problem(module.folder, None, "this module is not listed in course.yaml modules"))
    objective_owner: dict[str, str] = {}
    for module in course.modules:
        for objective in module.spec.objectives:
            if objective.id in objective_owner:
                owner = objective_owner[objective.id]
                course.problems.append(Problem(f"{module.folder}/module.yaml", None,
                                               f"objective id '{objective.id}' is also used in {owner}"))
            objective_owner[objective.id] = module.slug
    for recommendation in course.spec.recommendations:
        for objective_id in recommendation.objectives:
            if objective_id not in objective_owner:
                course.problems.append(Problem(display, None, f"recommendation {recommendation.id}: objective "
                                                              f"'{objective_id}' is not declared by any module"))


def _check_module(course: LoadedCourse, module: LoadedModule, question_ids: Counter) -> None:
    spec_path = f"{module.folder}/module.yaml"
    objectives = {o.id for o in module.spec.objectives}
    sources = {s.id for s in module.spec.sources}
    taught: set[str] = set()
    for lesson in module.lessons:
        linemap = module.linemaps[lesson.path]
        for field in ("objectives", "sources"):
            declared = objectives if field == "objectives" else sources
            for index, ref in enumerate(getattr(lesson.front, field)):
                if ref not in declared:
                    course.problems.append(Problem(lesson.path, linemap.line((field, index)),
                                                   f"{field}: '{ref}' is not declared in module.yaml"))
        taught.update(lesson.front.objectives)
        if not IN_PRACTICE.search(lesson.body):
            course.problems.append(Problem(lesson.path, None, "a lesson ends with an '## In practice' section"))
        average = average_sentence_words(lesson.body)
        if average > MAX_AVERAGE_SENTENCE_WORDS:
            course.problems.append(Problem(lesson.path, None, f"sentences average {average:.0f} words; keep them "
                                                              f"under {MAX_AVERAGE_SENTENCE_WORDS} (plain language)"))
    for question in module.questions:
        data = question.data
        if question_ids[data["id"]] > 1:
            course.problems.append(Problem(question.path, question.line,
                                           f"question id '{data['id']}' is used more than once"))
        if data["objective"] not in objectives:
            course.problems.append(Problem(question.path, question.line,
                                           f"{data['id']}: objective '{data['objective']}' is not declared "
                                           "in module.yaml"))
        if data["source"] not in sources:
            course.problems.append(Problem(question.path, question.line,
                                           f"{data['id']}: source '{data['source']}' is not declared in module.yaml"))
    for objective in module.spec.objectives:
        if objective.id not in taught:
            course.problems.append(Problem(spec_path, None, f"objective '{objective.id}' is not taught by any lesson"))
    if module.questions and module.spec.quiz.questions_per_attempt > len(module.questions):
        course.problems.append(Problem(spec_path, None,
                                       f"quiz.questions_per_attempt is {module.spec.quiz.questions_per_attempt} "
                                       f"but the bank has only {len(module.questions)} questions"))
    if module.spec.scenario_required and module.scenario is None and module.scenario_path is None:
        course.problems.append(Problem(spec_path, None, "scenario_required is true but there is no scenario.yaml"))


def _check_scenario(course: LoadedCourse, module: LoadedModule) -> None:
    scenario, path = module.scenario, module.scenario_path
    objectives = {o.id for o in module.spec.objectives}
    sources = {s.id for s in module.spec.sources}
    for ref in scenario.objectives:
        if ref not in objectives:
            course.problems.append(Problem(path, None, f"objectives: '{ref}' is not declared in module.yaml"))
    for ref in scenario.sources:
        if ref not in sources:
            course.problems.append(Problem(path, None, f"sources: '{ref}' is not declared in module.yaml"))
    steps = {s.id: s for s in scenario.steps}
    endings = {e.id for e in scenario.endings}
    ids = Counter([s.id for s in scenario.steps] + [e.id for e in scenario.endings])
    for dup in (i for i, n in ids.items() if n > 1):
        course.problems.append(Problem(path, None, f"the id '{dup}' is used by more than one step or ending"))
    if scenario.start not in steps:
        course.problems.append(Problem(path, None, f"start: '{scenario.start}' is not a step"))
        return
    for step in scenario.steps:
        for choice in step.choices:
            if choice.next not in steps and choice.next not in endings:
                course.problems.append(Problem(path, None,
                                               f"step '{step.id}': next '{choice.next}' is not a step or ending"))
    if any(p.path == path for p in course.problems):
        return
    reached, shortest = _walk_scenario(course, path, steps, scenario.start)
    for step_id in steps.keys() - reached:
        course.problems.append(Problem(path, None, f"step '{step_id}' cannot be reached from start"))
    if shortest is not None and shortest < MIN_SCENARIO_DECISIONS:
        course.problems.append(Problem(path, None, f"a path reaches an ending after {shortest} decision(s); "
                                                   f"every path needs at least {MIN_SCENARIO_DECISIONS}"))


def _walk_scenario(course, path, steps, start):
    """Depth-first walk: reports loops, returns reached steps and the fewest decisions to an ending."""
    reached: set[str] = set()
    shortest: list[int | None] = [None]

    def visit(step_id: str, depth: int, trail: tuple) -> None:
        if step_id not in steps:  # an ending
            shortest[0] = depth if shortest[0] is None else min(shortest[0], depth)
            return
        if step_id in trail:
            course.problems.append(Problem(path, None,
                                           f"step '{step_id}' leads back to itself (loops are not allowed)"))
            return
        reached.add(step_id)
        for choice in steps[step_id].choices:
            visit(choice.next, depth + 1, (*trail, step_id))

    visit(start, 0, ())
    return reached, shortest[0]


def average_sentence_words(markdown: str) -> float:
    """Mean words per sentence in lesson text; headings skipped, each list item counted on its own."""
    chunks, paragraph = [], []
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#") or re.match(r"^([-*+]|\d+[.)])\s", stripped):
            chunks.append(" ".join(paragraph))
            paragraph = []
            if stripped and not stripped.startswith("#"):
                chunks.append(re.sub(r"^([-*+]|\d+[.)])\s+", "", stripped))
            continue
        paragraph.append(stripped)
    chunks.append(" ".join(paragraph))
    sentences = [s for chunk in chunks for s in re.split(r"(?<=[.!?])\s+", chunk) if len(s.split()) > 1]
    return sum(len(s.split()) for s in sentences) / len(sentences) if sentences else 0.0


def unlisted_numbers(text: str, pattern: re.Pattern) -> list[str]:
    """Numbers in `text` that are not an allow-listed figure (list markers ignored)."""
    # Markdown wraps lines anywhere, so "30 million\nwon" must still match "30 million won".
    text = pattern.sub(" ", re.sub(r"\s+", " ", LIST_MARKER.sub(" ", text)))
    return [n.rstrip(".,") for n in NUMBER.findall(text)]


def _check_figures(course: LoadedCourse) -> None:
    pattern = figure_pattern(course)
    glossary = "\n".join(t.term + "\n" + t.definition for t in course.glossary.terms)
    glossary += "\n".join(t.ko.term + "\n" + t.ko.definition for t in course.glossary.terms if t.ko)
    for number in unlisted_numbers(glossary, pattern):
        course.problems.append(Problem(course.display(course.root / "glossary.yaml"), None,
                                       f"'{number}' is not a figure listed in figures.yaml"))
    for module in course.modules:
        for lesson in [each for english in module.lessons for each in (english, *english.variants.values())]:
            text = "\n".join([lesson.front.title, lesson.front.content_note or "", lesson.body])
            for number in unlisted_numbers(text, pattern):
                course.problems.append(Problem(lesson.path, _line_of(lesson.body, number, lesson.body_line),
                                               f"'{number}' is not a figure listed in figures.yaml"))
        for question in [*module.questions, *module.exam_questions]:
            data = question.data
            texts = [data["prompt"], data["explanation"]]
            texts += [c[k] for c in data["choices"] for k in ("text", "feedback")]
            for variant in (data[locale] for locale in CONTENT_LOCALES if locale in data):
                texts += [variant["prompt"], variant["explanation"]]
                texts += [c[k] for c in variant["choices"] for k in ("text", "feedback")]
            for number in unlisted_numbers("\n".join(texts), pattern):
                course.problems.append(Problem(question.path, question.line,
                                               f"{data['id']}: '{number}' is not a figure listed in figures.yaml"))
        scenarios = [(module.scenario_path, module.scenario)] if module.scenario is not None else []
        scenarios += [(module.scenario_variant_paths[locale], variant)
                      for locale, variant in module.scenario_variants.items()]
        for path, scenario in scenarios:
            for number in unlisted_numbers("\n".join(scenario_texts(scenario)), pattern):
                course.problems.append(Problem(path, None, f"'{number}' is not a figure listed in figures.yaml"))


    for aid in [each for english in course.job_aids for each in (english, *english.variants.values())]:
        for number in unlisted_numbers("\n".join([aid.front.title, aid.front.summary, aid.body]), pattern):
            course.problems.append(Problem(aid.path, _line_of(aid.body, number, aid.body_line),
                                           f"'{number}' is not a figure listed in figures.yaml"))


def _line_of(body: str, needle: str, first_line: int) -> int | None:
    for offset, line in enumerate(body.splitlines()):
        if needle in line:
            return first_line + offset
    return None
