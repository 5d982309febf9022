"""Import a GIFT file into a module: complete questions join `quiz.yaml`, the rest wait in `drafts.yaml`.

Shared by `flask --app app content import-gift` and the admin's import page. A file imports what it can:
every question is reported as imported, imported as a draft (with what it lacks) or skipped (with its line
and reason). Drafts are never drawn: they live outside the bank, in the module's `drafts.yaml`, until an
author completes one and moves it into `quiz.yaml`; `content check` lists them. `quiz.yaml` is changed only
if the course still passes every check afterwards, and each file is replaced whole, never half-written.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l

from course.content.checks import check_course
from course.content.gift import GiftEntry, parse_gift
from course.content.loader import DRAFTS_FILE, FOLDER_NAME, LoadedCourse, read_drafts


class GiftImportError(Exception):
    """The import cannot start (no such module, content already broken, not text): nothing was written."""


@dataclass
class ImportReport:
    """What became of each question of one file."""

    entries: list[GiftEntry]
    categories: list[tuple[int, str]] = field(default_factory=list)
    quiz_path: str = ""
    drafts_path: str = ""
    dry_run: bool = False

    def count(self, status: str) -> int:
        return sum(1 for entry in self.entries if entry.status == status)


def module_folder(root: Path, slug: str) -> Path:
    """The folder NN-<slug> of a module in the content directory."""
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        match = FOLDER_NAME.match(folder.name)
        if folder.is_dir() and match and match.group(2) == slug:
            return folder
    raise GiftImportError(_l("There is no module folder NN-%(slug)s in %(root)s.", slug=slug, root=root))


def decode(data: bytes) -> str:
    """A GIFT file's text: UTF-8 (with or without a byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GiftImportError(_l("The file is not UTF-8 text (byte %(n)d); save it as UTF-8.", n=exc.start)) from None


def import_gift(root: Path, slug: str, text: str, *, objective: str | None = None, source: str | None = None,
                level: str | None = None, dry_run: bool = False) -> ImportReport:
    """Read `text` and add what it holds to module `slug` under `root` (nothing is written on a dry run)."""
    folder = module_folder(root, slug)
    before = check_course(root)
    if before.problems:
        raise GiftImportError(_l("The course has problems already (run 'content check'); fix them first."))
    result = parse_gift(text, objective, source, level)
    if not result.entries:
        raise GiftImportError(_l("The file holds no questions."))
    report = ImportReport(result.entries, result.categories, str(folder / "quiz.yaml"),
                          str(folder / DRAFTS_FILE), dry_run)
    _leave_out_known(before, result.entries)
    module = next(m for m in before.modules if m.slug == slug)
    objectives = [o.id for o in module.spec.objectives]
    for entry in result.entries:
        if entry.status == "ready" and entry.question["objective"] not in objectives:
            entry.reasons.append(f"objective '{entry.question['objective']}' is not one of this module's "
                                 f"({', '.join(objectives)})")
    ready = [e for e in result.entries if e.status == "ready"]
    if ready and not _fits(root, folder, [e.question for e in ready]):
        for entry in ready:  # find which ones break the checks, one at a time, and why
            problems = _problems_with(root, folder, [entry.question])
            entry.reasons += problems
        still = [e for e in ready if not e.reasons]
        if still and not _fits(root, folder, [e.question for e in still]):
            for entry in still:
                entry.reasons.append("fits alone but not with the others of this file (key balance or item rules)")
    if not dry_run:
        _write(folder, [e.question for e in result.entries if e.status == "ready"],
               [e for e in result.entries if e.status == "draft"])
    return report


def _leave_out_known(course: LoadedCourse, entries: list[GiftEntry]) -> None:
    known = {q.data["id"] for m in course.modules for q in [*m.questions, *m.exam_questions]}
    known |= {d["id"] for m in course.modules for d in read_drafts(course.root / Path(m.folder).name)}
    for entry in entries:
        if entry.question is not None and entry.question["id"] in known:
            entry.reasons = [f"'{entry.question['id']}' is in the course already (imported before?); left out"]
            entry.question = None


def _quiz_text(quiz: Path, questions: list[dict]) -> str:
    body = quiz.read_text(encoding="utf-8").rstrip("\n") + "\n" if quiz.exists() else "questions:\n"
    return body + _yaml_items(questions)


def _yaml_items(questions: list[dict]) -> str:
    text = yaml.safe_dump(questions, sort_keys=False, allow_unicode=True, width=100, indent=2)
    return "".join(("  " + line if line.strip() else line) for line in text.splitlines(keepends=True))


def _problems_with(root: Path, folder: Path, questions: list[dict]) -> list[str]:
    """The check problems in this module's quiz.yaml if `questions` were added (checked in a scratch copy)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / root.name
        _copy_tree(root, copy)
        quiz = copy / folder.name / "quiz.yaml"
        quiz.write_text(_quiz_text(quiz, questions), encoding="utf-8")
        course = check_course(copy)
        return [p.message for p in course.problems] or []


def _fits(root: Path, folder: Path, questions: list[dict]) -> bool:
    return not _problems_with(root, folder, questions)


def _copy_tree(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file() and path.suffix in {".yaml", ".md"}:
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())


def _replace(path: Path, text: str) -> None:
    """Write `text` to `path` whole: a temporary file in the same folder, then an atomic rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


def _write(folder: Path, ready: list[dict], drafts: list[GiftEntry]) -> None:
    quiz, drafts_file = folder / "quiz.yaml", folder / DRAFTS_FILE
    if ready:
        _replace(quiz, _quiz_text(quiz, ready))
    if drafts:
        items = [{**entry.question, "draft": entry.reasons} for entry in drafts]
        header = ("# Imported questions that are not complete yet: never drawn. Complete one (the 'draft' list says\n"
                  "# what it lacks), delete its 'draft' key and move it into quiz.yaml.\nquestions:\n")
        body = drafts_file.read_text(encoding="utf-8").rstrip("\n") + "\n" if drafts_file.exists() else header
        _replace(drafts_file, body + _yaml_items(items))
