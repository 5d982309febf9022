"""Procedure slots and job aids in content: every `{{ procedure.<name> }}` names a slot, nothing else looks like a
template, and links to job aids and lessons lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from course.content.loader import LoadedCourse
from course.content.yamlio import Problem
from course.core.procedures import SLOTS, TEMPLATE_MARK, slot_references

JOB_AID_LINK = re.compile(r"\]\(/job-aids/([^)\s#?]+?)(?:\.pdf)?(?:[#?][^)]*)?\)")
LESSON_LINK = re.compile(r"\]\(/modules/([^)/\s]+)/lessons/([^)/\s#?]+)(?:[#?][^)]*)?\)")


def _slot_files(course: LoadedCourse) -> list[Path]:
    """Files whose text may use slots: lessons, scenarios and job aids."""
    root = course.root
    return sorted([*root.glob("*/lessons/*.md"), *root.glob("*/scenario.yaml"), *root.glob("*/scenario.*.yaml"),
                   *root.glob("job-aids/*.md")])


def check_procedure_slots(course: LoadedCourse) -> None:
    """A slot reference names a known slot; any other `{{`, `}}`, `{%` or `%}` is a mistake, wherever it is."""
    slot_files = set(_slot_files(course))
    for path in sorted(p for p in course.root.rglob("*") if p.is_file() and p.suffix in {".md", ".yaml"}):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # the loader reports it
        display = course.display(path)
        for offset, name in slot_references(text):
            if name is None:
                course.problems.append(Problem(display, offset + 1, "'{{' and '}}' are only for procedure slots: "
                                                                    "write {{ procedure.<name> }}"))
            elif path not in slot_files:
                course.problems.append(Problem(display, offset + 1, "procedure slots can be used in lessons, "
                                                                    "scenarios and job aids only"))
            elif name not in SLOTS:
                course.problems.append(Problem(display, offset + 1, f"'{name}' is not a procedure slot "
                                                                    f"({', '.join(SLOTS)})"))


def check_titles(course: LoadedCourse) -> None:
    """Titles are shown as plain text (also in the browser's tab and the PDF's metadata): no slots in them."""
    titled = [(aid.path, [aid.front.title, aid.front.summary])
              for english in course.job_aids for aid in (english, *english.variants.values())]
    for module in course.modules:
        titled += [(lesson.path, [lesson.front.title])
                   for english in module.lessons for lesson in (english, *english.variants.values())]
        scenarios = [(module.scenario_path, module.scenario)] if module.scenario is not None else []
        scenarios += [(module.scenario_variant_paths[locale], v) for locale, v in module.scenario_variants.items()]
        titled += [(path, [scenario.title, *(e.title for e in scenario.endings)]) for path, scenario in scenarios]
    for path, titles in titled:
        for title in titles:
            if TEMPLATE_MARK.search(title or ""):
                course.problems.append(Problem(path, None, f"'{title}': titles and summaries of job aids cannot use "
                                                           "procedure slots"))


def check_links(course: LoadedCourse) -> None:
    """Links to /job-aids/<slug> and /modules/<module>/lessons/<lesson> in lessons and job aids lead somewhere."""
    aids = {aid.slug for aid in course.job_aids}
    lessons = {(m.slug, lesson.slug) for m in course.modules for lesson in m.lessons}
    for path in [*course.root.glob("*/lessons/*.md"), *course.root.glob("job-aids/*.md")]:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(lines, start=1):
            for match in JOB_AID_LINK.finditer(line):
                if match.group(1) not in aids:
                    course.problems.append(Problem(course.display(path), number,
                                                   f"there is no job aid '{match.group(1)}' in job-aids/"))
            for match in LESSON_LINK.finditer(line):
                if (match.group(1), match.group(2)) not in lessons:
                    message = f"there is no lesson '{match.group(2)}' in module '{match.group(1)}'"
                    course.problems.append(Problem(course.display(path), number, message))
