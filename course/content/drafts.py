"""Imported questions that are not complete yet: `drafts.yaml` in a module folder, never published or drawn."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from course.content.yamlio import ContentError, Problem, read_yaml

if TYPE_CHECKING:
    from course.content.loader import LoadedCourse

DRAFTS_FILE = "drafts.yaml"


@dataclass
class Draft:
    """An imported question in a module's drafts.yaml, and what it still lacks."""

    path: str
    line: int | None
    id: str
    lacks: list[str]


def read_drafts(folder: Path) -> list[dict]:
    """The questions in a module folder's drafts.yaml (an empty list if there is none or it is unreadable)."""
    try:
        data = yaml.safe_load((folder / DRAFTS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        return []
    questions = data.get("questions") if isinstance(data, dict) else None
    return [q for q in questions or [] if isinstance(q, dict) and isinstance(q.get("id"), str)]


def load_drafts(course: LoadedCourse, folder: Path) -> None:
    path = folder / DRAFTS_FILE
    if not path.is_file():
        return
    display = course.display(path)
    try:
        data, linemap = read_yaml(path, display)
    except ContentError as exc:
        course.problems.append(exc.problem)
        return
    questions = data.get("questions") if isinstance(data, dict) else None
    for index, raw in enumerate(questions if isinstance(questions, list) else []):
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            course.problems.append(Problem(display, linemap.line(("questions", index)), "a draft needs an id"))
            continue
        lacks = raw.get("draft") if isinstance(raw.get("draft"), list) else []
        course.drafts.append(Draft(display, linemap.line(("questions", index)), raw["id"], [str(r) for r in lacks]))
