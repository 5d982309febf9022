"""Korean parity: every text in the course has a Korean variant saying the same thing, with the same figures.

A variant must match its English original in everything but words: the same ids, objectives, sources,
number of choices, keys, flags, branches and figures. A mismatched variant is always an error. A missing
one is counted, and becomes an error once course.yaml lists the language in `languages:`. Words that
`terms.ko.yaml` says to avoid are errors in any Korean text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from course.content.loader import LoadedCourse, LoadedModule
from course.content.scenario_rules import scenario_texts
from course.content.yamlio import Problem

TEXT_KEYS = {"title", "summary", "content_note", "situation", "text", "feedback", "outcome", "debrief"}
KINDS = ("course", "modules", "lessons", "questions", "scenarios", "glossary")


@dataclass
class Parity:
    """How much of the course a language covers: kind -> [translated, total], and the problems found."""

    locale: str
    counts: dict[str, list[int]] = field(default_factory=lambda: {kind: [0, 0] for kind in KINDS})

    def tally(self, kind: str, done: bool) -> None:
        self.counts[kind][0] += int(done)
        self.counts[kind][1] += 1

    @property
    def percent(self) -> float:
        done, total = (sum(c[i] for c in self.counts.values()) for i in (0, 1))
        return 100.0 if not total else 100 * done / total

    def summary(self) -> str:
        parts = ", ".join(f"{kind} {done}/{total}" for kind, (done, total) in self.counts.items() if total)
        return f"{self.locale}: {self.percent:.0f}% translated ({parts})"


def structure(value, key: str | None = None):
    """`value` with its words blanked: what must be identical between a text and its translation."""
    if isinstance(value, dict):
        return {k: structure(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [structure(item, key) for item in value]
    return "…" if isinstance(value, str) and key in TEXT_KEYS else value


def check_parity(course: LoadedCourse, locale: str, figures_in) -> Parity:
    """Compare every text with its `locale` variant; `figures_in(text)` names the figures a text states."""
    parity = Parity(locale)
    required = locale in course.spec.languages
    course_file = course.display(course.root / "course.yaml")

    def missing(path: str, line: int | None, what: str) -> None:
        if required:
            course.problems.append(Problem(path, line, f"no {locale} variant of {what}"))

    def same_figures(path: str, line: int | None, what: str, english: list[str], variant: list[str]) -> None:
        theirs, ours = figures_in("\n".join(english)), figures_in("\n".join(variant))
        if theirs != ours:
            course.problems.append(Problem(path, line, f"{what}: the {locale} text states "
                                                       f"{sorted(ours) or 'no figures'} where the English states "
                                                       f"{sorted(theirs) or 'none'}"))

    spec, words = course.spec, getattr(course.spec, locale, None)
    parity.tally("course", words is not None)
    if words is None:
        missing(course_file, None, "course.yaml (its title and summary)")
    else:
        ids = {r.id for r in spec.recommendations}
        if set(words.recommendations) != ids:
            course.problems.append(Problem(course_file, None, f"{locale}.recommendations must give a text for each "
                                                              f"recommendation id: {sorted(ids)}"))
        if bool(words.exam_content_note) != bool(spec.exam and spec.exam.content_note):
            course.problems.append(Problem(course_file, None, f"{locale}.exam_content_note must be given exactly "
                                                              "when the exam has a content note"))
    for module in course.modules:
        _module_parity(course, module, parity, missing, same_figures)
    glossary_file = course.display(course.root / "glossary.yaml")
    for term in course.glossary.terms:
        variant = getattr(term, locale, None)
        parity.tally("glossary", variant is not None)
        if variant is None:
            missing(glossary_file, None, f"the glossary term '{term.term}'")
        else:
            same_figures(glossary_file, None, f"glossary '{term.term}'", [term.definition], [variant.definition])
    _avoided_words(course, locale)
    return parity


def _module_parity(course: LoadedCourse, module: LoadedModule, parity: Parity, missing, same_figures) -> None:
    locale = parity.locale
    module_file = f"{module.folder}/module.yaml"
    words = getattr(module.spec, locale, None)
    parity.tally("modules", words is not None)
    if words is None:
        missing(module_file, None, "module.yaml (title, summary and objectives)")
    else:
        for name, ids in (("objectives", [o.id for o in module.spec.objectives]),
                          ("sources", [s.id for s in module.spec.sources])):
            if set(getattr(words, name)) != set(ids):
                course.problems.append(Problem(module_file, None, f"{locale}.{name} must give a text for each "
                                                                  f"id: {ids}"))
    for lesson in module.lessons:
        variant = lesson.variants.get(locale)
        parity.tally("lessons", variant is not None)
        if variant is None:
            missing(lesson.path, 1, f"this lesson ({lesson.path.removesuffix('.md')}.{locale}.md)")
        else:
            same_figures(variant.path, variant.body_line, "lesson", [lesson.front.title, lesson.body],
                         [variant.front.title, variant.body])
    for question in [*module.questions, *module.exam_questions]:
        data, variant = question.data, question.data.get(locale)
        parity.tally("questions", variant is not None)
        if variant is None:
            missing(question.path, question.line, f"question {data['id']}")
            continue
        english = [data["prompt"], data["explanation"], *(c[k] for c in data["choices"] for k in ("text", "feedback"))]
        theirs = [variant["prompt"], variant["explanation"],
                  *(c[k] for c in variant["choices"] for k in ("text", "feedback"))]
        same_figures(question.path, question.line, data["id"], english, theirs)
    if module.scenario is None:
        return
    variant = module.scenario_variants.get(locale)
    parity.tally("scenarios", variant is not None)
    if variant is None:
        missing(module.scenario_path, None, f"the scenario (scenario.{locale}.yaml)")
        return
    path = module.scenario_variant_paths[locale]
    if structure(variant.model_dump()) != structure(module.scenario.model_dump()):
        course.problems.append(Problem(path, None, "the translation must keep every id, choice, quality, branch, "
                                                   "flag, condition and paragraph of scenario.yaml; only words change"))
    same_figures(path, None, "scenario", scenario_texts(module.scenario), scenario_texts(variant))


def korean_texts(course: LoadedCourse, locale: str) -> list[tuple[str, int | None, str]]:
    """(path, line, text) for every text in `locale` that the course holds."""
    found = []
    for module in course.modules:
        for lesson in module.lessons:
            if locale in lesson.variants:
                variant = lesson.variants[locale]
                found.append((variant.path, variant.body_line, variant.front.title + "\n" + variant.body))
        for question in [*module.questions, *module.exam_questions]:
            if locale in question.data:
                v = question.data[locale]
                words = [v["prompt"], v["explanation"], *(c[k] for c in v["choices"] for k in ("text", "feedback"))]
                found.append((question.path, question.line, "\n".join(words)))
        if locale in module.scenario_variants:
            found.append((module.scenario_variant_paths[locale], None,
                          "\n".join(scenario_texts(module.scenario_variants[locale]))))
    return found


def _avoided_words(course: LoadedCourse, locale: str) -> None:
    if course.terms is None:
        return
    instead = {word: choice.ko for choice in course.terms.terms for word in choice.avoid}
    for path, line, text in korean_texts(course, locale):
        for word, use in instead.items():
            if word in text:
                course.problems.append(Problem(path, line, f"'{word}' is on the avoid list of terms.ko.yaml; "
                                                           f"write '{use}'"))
