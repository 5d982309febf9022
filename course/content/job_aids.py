"""Job aids: one-page checklists in `modules/job-aids/<slug>.md` (and `<slug>.ko.md`), read with the course."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import Field

from course.content.schema import CONTENT_LOCALES, Strict
from course.content.yamlio import ContentError, Problem, split_front_matter, validate

FOLDER = "job-aids"
FILE_NAME = re.compile(r"^([a-z0-9][a-z0-9-]*)(?:\.([a-z]{2}))?\.md$")


class JobAidFrontMatter(Strict):
    """The YAML front matter of a job aid."""

    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=300)
    sources: list[str] = Field(min_length=1)  # citations written out: what the checklist rests on


@dataclass
class LoadedJobAid:
    """A job aid file (English, with its translations), validated."""

    slug: str
    path: str
    front: JobAidFrontMatter
    body: str
    body_line: int
    variants: dict[str, LoadedJobAid] = field(default_factory=dict)

    def published(self) -> dict:
        """What a content version stores for this job aid."""
        words = {"title": self.front.title, "summary": self.front.summary.strip(), "body_markdown": self.body}
        return words | {"sources": self.front.sources,
                        "translations": {locale: {"title": v.front.title, "summary": v.front.summary.strip(),
                                                  "body_markdown": v.body} for locale, v in self.variants.items()}}


def load_job_aids(folder: Path, display, problems: list[Problem]) -> list[LoadedJobAid]:
    """Every job aid in `folder`, English first with its variants attached; problems are appended, not raised."""
    english: dict[str, LoadedJobAid] = {}
    variants: list[tuple[str, LoadedJobAid]] = []
    for path in sorted(folder.glob("*")):
        match = FILE_NAME.match(path.name)
        if not match or (match.group(2) and match.group(2) not in CONTENT_LOCALES):
            problems.append(Problem(display(path), None, "job aids are named <slug>.md (or <slug>.<locale>.md for "
                                                         f"{', '.join(CONTENT_LOCALES)})"))
            continue
        aid = _load(path, match.group(1), display(path), problems)
        if aid is not None and match.group(2):
            variants.append((match.group(2), aid))
        elif aid is not None:
            english[aid.slug] = aid
    for locale, variant in variants:
        if variant.slug in english:
            english[variant.slug].variants[locale] = variant
        else:
            problems.append(Problem(variant.path, None, "this translation has no English job aid of the same name"))
    return list(english.values())


def _load(path: Path, slug: str, display: str, problems: list[Problem]) -> LoadedJobAid | None:
    try:
        data, linemap, body, body_line = split_front_matter(path.read_text(encoding="utf-8"), display)
    except ContentError as exc:
        problems.append(exc.problem)
        return None
    except UnicodeDecodeError:
        problems.append(Problem(display, None, "not UTF-8 text"))
        return None
    front, found = validate(JobAidFrontMatter, data if data is not None else {}, display, linemap)
    problems.extend(found)
    return LoadedJobAid(slug, display, front, body, body_line) if front is not None else None
