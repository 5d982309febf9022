"""Load `modules/` into validated, in-memory content, collecting every problem found."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from course.content.drafts import DRAFTS_FILE, Draft, load_drafts, read_drafts  # noqa: F401 - re-exported
from course.content.job_aids import FOLDER as JOB_AIDS_FOLDER
from course.content.job_aids import LoadedJobAid, load_job_aids
from course.content.schema import (
    CONTENT_LOCALES,
    CourseSpec,
    FiguresFile,
    GlossaryFile,
    ItemMeta,
    LessonFrontMatter,
    ModuleSpec,
    QuestionTranslation,
    ScenarioSpec,
    TermsFile,
)
from course.content.yamlio import (
    ContentError,
    LineMap,
    Problem,
    read_yaml,
    split_front_matter,
    validate,
)
from course.core.questions import REGISTRY

FOLDER_NAME = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)$")
LESSON_NAME = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
LESSON_VARIANT_NAME = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.([a-z]{2})\.md$")  # 01-slug.ko.md


@dataclass
class LoadedLesson:
    """A lesson file, validated."""

    slug: str
    path: str
    front: LessonFrontMatter
    body: str
    body_line: int
    variants: dict[str, LoadedLesson] = field(default_factory=dict)  # by locale: 01-slug.ko.md


@dataclass
class LoadedQuestion:
    """A question, validated by its type."""

    data: dict
    path: str
    line: int | None


@dataclass
class LoadedModule:
    """A module folder, validated."""

    slug: str
    folder: str
    spec: ModuleSpec
    lessons: list[LoadedLesson] = field(default_factory=list)
    questions: list[LoadedQuestion] = field(default_factory=list)
    exam_questions: list[LoadedQuestion] = field(default_factory=list)  # exam.yaml: the final exam's own pool
    scenario: ScenarioSpec | None = None
    scenario_path: str | None = None
    scenario_variants: dict[str, ScenarioSpec] = field(default_factory=dict)  # scenario.ko.yaml, by locale
    scenario_variant_paths: dict[str, str] = field(default_factory=dict)
    linemaps: dict[str, LineMap] = field(default_factory=dict)
    orphan_variants: list[LoadedLesson] = field(default_factory=list)  # NN-slug.ko.md without NN-slug.md


@dataclass
class LoadedCourse:
    """Everything in `modules/`, with the problems found while reading it."""

    root: Path
    spec: CourseSpec | None = None
    modules: list[LoadedModule] = field(default_factory=list)
    figures: FiguresFile = field(default_factory=FiguresFile)
    glossary: GlossaryFile = field(default_factory=GlossaryFile)
    problems: list[Problem] = field(default_factory=list)
    content_hash: str = ""
    folder_slugs: list[str] = field(default_factory=list)  # every NN-<slug> folder, valid or not
    drafts: list[Draft] = field(default_factory=list)  # imported questions waiting in drafts.yaml
    terms: TermsFile | None = None  # terms.ko.yaml: the Korean terminology list
    parity: dict = field(default_factory=dict)  # locale -> parity.Parity, filled by check_course
    job_aids: list[LoadedJobAid] = field(default_factory=list)  # job-aids/<slug>.md

    def display(self, path: Path) -> str:
        return str(path.relative_to(self.root.parent)) if path.is_relative_to(self.root.parent) else str(path)


def content_hash(root: Path) -> str:
    """SHA-256 over every content file's relative path and bytes: the content version."""
    digest = hashlib.sha256()
    files = (p for p in root.rglob("*") if p.is_file() and p.suffix in {".yaml", ".md"} and p.name != DRAFTS_FILE)
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def load_course(root: Path) -> LoadedCourse:
    """Read and validate every file under `root`. Problems are collected, not raised."""
    course = LoadedCourse(root=root)
    if not (root / "course.yaml").is_file():
        course.problems.append(Problem(str(root / "course.yaml"), None, "course.yaml is missing"))
        return course
    course.content_hash = content_hash(root)
    course.spec = _load_model(course, root / "course.yaml", CourseSpec)
    course.figures = _load_model(course, root / "figures.yaml", FiguresFile, optional=True) or FiguresFile()
    course.glossary = _load_model(course, root / "glossary.yaml", GlossaryFile, optional=True) or GlossaryFile()
    course.terms = _load_model(course, root / "terms.ko.yaml", TermsFile, optional=True)
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if folder.name == JOB_AIDS_FOLDER:
            course.job_aids = load_job_aids(folder, course.display, course.problems)
            continue
        match = FOLDER_NAME.match(folder.name)
        if not match:
            course.problems.append(Problem(course.display(folder), None,
                                           "module folders are named NN-<slug>, e.g. 01-what-are-digital-sex-crimes"))
            continue
        course.folder_slugs.append(match.group(2))
        module = _load_module(course, folder, match.group(2))
        if module:
            course.modules.append(module)
    return course


def _load_model(course: LoadedCourse, path: Path, model, optional=False, prefix=()):
    display = course.display(path)
    if not path.is_file():
        if not optional:
            course.problems.append(Problem(display, None, f"{path.name} is missing"))
        return None
    try:
        data, linemap = read_yaml(path, display)
    except ContentError as exc:
        course.problems.append(exc.problem)
        return None
    result, problems = validate(model, data if data is not None else {}, display, linemap)
    course.problems.extend(problems)
    return result


def _load_module(course: LoadedCourse, folder: Path, slug: str) -> LoadedModule | None:
    spec = _load_model(course, folder / "module.yaml", ModuleSpec)
    if spec is None:
        return None
    module = LoadedModule(slug=slug, folder=course.display(folder), spec=spec)
    _load_lessons(course, module, folder / "lessons")
    _load_questions(course, module, folder / "quiz.yaml", module.questions)
    if (folder / "exam.yaml").is_file():
        _load_questions(course, module, folder / "exam.yaml", module.exam_questions)
    if (folder / "scenario.yaml").is_file():
        module.scenario = _load_model(course, folder / "scenario.yaml", ScenarioSpec)
        module.scenario_path = course.display(folder / "scenario.yaml")
    for locale in CONTENT_LOCALES:
        path = folder / f"scenario.{locale}.yaml"
        variant = _load_model(course, path, ScenarioSpec, optional=True)
        if variant is not None:
            module.scenario_variants[locale] = variant
            module.scenario_variant_paths[locale] = course.display(path)
    load_drafts(course, folder)
    return module


def _load_lessons(course: LoadedCourse, module: LoadedModule, folder: Path) -> None:
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        course.problems.append(Problem(course.display(folder), None, "a module needs at least one lesson in lessons/"))
    variants: list[tuple[str, Path]] = []
    for path in files:
        display = course.display(path)
        variant = LESSON_VARIANT_NAME.match(path.name)
        if variant and variant.group(3) in CONTENT_LOCALES:
            variants.append((variant.group(3), path))
            continue
        match = LESSON_NAME.match(path.name)
        if not match:
            locales = ", ".join(CONTENT_LOCALES)
            course.problems.append(Problem(display, None, "lesson files are named NN-<slug>.md "
                                                          f"(or NN-<slug>.<locale>.md for {locales})"))
            continue
        lesson = _load_lesson(course, module, path, match.group(2))
        if lesson is not None:
            module.lessons.append(lesson)
    by_file = {Path(lesson.path).name: lesson for lesson in module.lessons}
    for locale, path in variants:
        lesson = _load_lesson(course, module, path, LESSON_VARIANT_NAME.match(path.name).group(2))
        english = by_file.get(path.name.replace(f".{locale}.md", ".md"))
        if lesson is not None and english is not None:
            english.variants[locale] = lesson
        elif lesson is not None:
            module.orphan_variants.append(lesson)


def _load_lesson(course: LoadedCourse, module: LoadedModule, path: Path, slug: str) -> LoadedLesson | None:
    """Read one lesson file (English or a variant) and validate its front matter."""
    display = course.display(path)
    try:
        data, linemap, body, body_line = split_front_matter(path.read_text(encoding="utf-8"), display)
    except ContentError as exc:
        course.problems.append(exc.problem)
        return None
    except UnicodeDecodeError:
        course.problems.append(Problem(display, None, "not UTF-8 text"))
        return None
    front, problems = validate(LessonFrontMatter, data if data is not None else {}, display, linemap)
    course.problems.extend(problems)
    if front is None:
        return None
    module.linemaps[display] = linemap
    return LoadedLesson(slug, display, front, body, body_line)


def _load_questions(course: LoadedCourse, module: LoadedModule, path: Path, target: list[LoadedQuestion]) -> None:
    """Read a question file (quiz.yaml or exam.yaml) into `target`."""
    display = course.display(path)
    if not path.is_file():
        course.problems.append(Problem(display, None, f"{path.name} is missing"))
        return
    try:
        data, linemap = read_yaml(path, display)
    except ContentError as exc:
        course.problems.append(exc.problem)
        return
    module.linemaps[display] = linemap
    questions = data.get("questions") if isinstance(data, dict) else None
    if not isinstance(questions, list) or not questions:
        course.problems.append(Problem(display, linemap.line(()), f"{path.name} needs a non-empty 'questions' list"))
        return
    for index, raw in enumerate(questions):
        where = ("questions", index)
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in REGISTRY or not REGISTRY[kind].in_bank:
            known = ", ".join(sorted(name for name, t in REGISTRY.items() if t.in_bank))
            course.problems.append(Problem(display, linemap.line((*where, "type")),
                                           f"questions.{index}.type: '{kind}' is not a question type ({known})"))
            continue
        raw = dict(raw)
        variants = {locale: raw.pop(locale) for locale in CONTENT_LOCALES if locale in raw}
        meta = {name: raw.pop(name) for name in ItemMeta.model_fields if name in raw}
        spec, problems = validate(REGISTRY[kind].spec, raw, display, linemap, prefix=where)
        course.problems.extend(problems)
        checked_meta, problems = validate(ItemMeta, meta, display, linemap, prefix=where)
        course.problems.extend(problems)
        translations = {}
        for locale, variant in variants.items():
            checked, problems = validate(QuestionTranslation, variant if isinstance(variant, dict) else {},
                                         display, linemap, prefix=(*where, locale))
            course.problems.extend(problems)
            if checked is not None:
                translations[locale] = checked.model_dump()
        if spec is not None and checked_meta is not None:
            # Variants stay inside the question's data: {"ko": {prompt, explanation, choices}}.
            data = spec.model_dump() | checked_meta.model_dump() | translations
            target.append(LoadedQuestion(data, display, linemap.line(where)))
