"""Publish checked content into the database as an immutable, hash-identified version."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from course.content.checks import check_course
from course.content.loader import LoadedCourse, LoadedLesson, LoadedModule
from course.content.schema import CONTENT_LOCALES
from course.core.settings import pinned_version
from course.models import ContentVersion, Lesson, Module, Question


class ContentInvalid(Exception):
    """The content has problems and was not published."""

    def __init__(self, course: LoadedCourse):
        super().__init__(f"{len(course.problems)} problem(s) in {course.root}")
        self.problems = course.problems


@dataclass
class SyncResult:
    """What `sync_content` did."""

    version: ContentVersion
    created: bool
    activated: bool
    pinned: ContentVersion | None = None  # an admin's choice kept live instead of `version`


def sync_content(session: Session, root: Path) -> SyncResult:
    """Check `root` and make it the live version, unless an admin pinned another. Idempotent.

    An admin who made a version live by hand (a rollback) pinned it: the new version is published but stays
    off until they choose to follow new content again. Flushes; the caller commits.
    """
    course = check_course(root)
    if course.problems:
        raise ContentInvalid(course)
    version = session.scalar(select(ContentVersion).where(ContentVersion.content_hash == course.content_hash))
    created = version is None
    if created:
        version = _build_version(course)
        session.add(version)
        session.flush()
    pinned = pinned_version(session)
    held = pinned if pinned is not None and pinned.id != version.id and pinned.is_live else None
    activated = not version.is_live and held is None
    if activated:
        session.execute(update(ContentVersion).where(ContentVersion.id != version.id).values(is_live=False))
        version.is_live = True
        session.flush()
    return SyncResult(version, created, activated, held)


def _build_version(course: LoadedCourse) -> ContentVersion:
    spec = course.spec
    version = ContentVersion(
        content_hash=course.content_hash, title=spec.title, summary=spec.summary.strip(),
        validity_months=spec.validity_months, renewal_window_days=spec.renewal_window_days,
        credit_hours=spec.credit_hours,
        glossary=[term.model_dump(exclude={"ko"})
                  for term in sorted(course.glossary.terms, key=lambda t: t.term.lower())],
        exam_settings=spec.exam.model_dump() if spec.exam else {},
        translations=_course_translations(course),
        job_aids={aid.slug: aid.published() for aid in course.job_aids},
    )
    by_slug = {m.slug: m for m in course.modules}
    for position, slug in enumerate(spec.modules, start=1):
        loaded = by_slug[slug]
        module = Module(
            slug=slug, position=position, title=loaded.spec.title, summary=loaded.spec.summary.strip(),
            minutes=loaded.spec.minutes,
            objectives=[o.model_dump() for o in loaded.spec.objectives],
            sources=[s.model_dump() for s in loaded.spec.sources],
            quiz_settings=loaded.spec.quiz.model_dump(),
            scenario=(loaded.scenario.model_dump() | {"pass_score": loaded.spec.scenario_pass_score}
                      if loaded.scenario else None),
            scenario_required=loaded.spec.scenario_required,
            translations=_module_translations(loaded),
        )
        for index, lesson in enumerate(loaded.lessons, start=1):
            module.lessons.append(Lesson(
                slug=lesson.slug, position=index, title=lesson.front.title, minutes=lesson.front.minutes,
                content_note=(lesson.front.content_note or "").strip() or None, body_markdown=lesson.body,
                objectives=lesson.front.objectives, sources=lesson.front.sources,
                translations={locale: _lesson_text(variant) for locale, variant in lesson.variants.items()},
            ))
        for pool, loaded_questions, questions in (("quiz", loaded.questions, module.questions),
                                                  ("exam", loaded.exam_questions, module.exam_questions)):
            for index, question in enumerate(loaded_questions, start=1):
                data = question.data
                questions.append(Question(key=data["id"], position=index, type=data["type"], pool=pool,
                                          objective=data["objective"], data=data))
        version.modules.append(module)
    return version


def _course_translations(course: LoadedCourse) -> dict:
    """{locale: the course's words}: title, summary, glossary (in the English order), exam note, recommendations."""
    found = {}
    for locale in CONTENT_LOCALES:
        words = getattr(course.spec, locale, None)
        if words is None:
            continue
        terms = sorted(course.glossary.terms, key=lambda t: t.term.lower())
        found[locale] = {
            "title": words.title, "summary": words.summary.strip(),
            "glossary": [getattr(t, locale).model_dump() if getattr(t, locale) else t.model_dump(exclude={locale})
                         for t in terms],
            "exam_content_note": words.exam_content_note, "recommendations": words.recommendations,
        }
    return found


def _module_translations(loaded: LoadedModule) -> dict:
    """{locale: the module's words}: title, summary, objectives by id, and its scenario in that language."""
    found = {}
    for locale in CONTENT_LOCALES:
        words, scenario = getattr(loaded.spec, locale, None), loaded.scenario_variants.get(locale)
        entry = {}
        if words is not None:
            entry = {"title": words.title, "summary": words.summary.strip(), "objectives": words.objectives,
                     "sources": words.sources}
        if scenario is not None:
            entry["scenario"] = scenario.model_dump() | {"pass_score": loaded.spec.scenario_pass_score}
        if entry:
            found[locale] = entry
    return found


def _lesson_text(lesson: LoadedLesson) -> dict:
    """The words of a lesson variant as stored beside the English lesson."""
    return {"title": lesson.front.title, "content_note": (lesson.front.content_note or "").strip() or None,
            "body_markdown": lesson.body}


def live_version(session: Session) -> ContentVersion | None:
    """The version trainees currently see."""
    return session.scalar(select(ContentVersion).where(ContentVersion.is_live))
