"""The live course: the published content version and lookups in it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from course.models import ContentVersion, Module


def load_live_version(session: Session) -> ContentVersion | None:
    """The live content version with its modules and lessons (three queries, whatever the size)."""
    return session.scalar(
        select(ContentVersion).where(ContentVersion.is_live)
        .options(selectinload(ContentVersion.modules).selectinload(Module.lessons))
    )


def find_lesson(version: ContentVersion, module_slug: str, lesson_slug: str | None = None):
    """The module (and lesson) with these slugs in `version`, or None."""
    module = next((m for m in version.modules if m.slug == module_slug), None)
    if module is None or lesson_slug is None:
        return module, None
    return module, next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None)


def version_by_hash(session: Session, content_hash: str) -> ContentVersion | None:
    """The published content version with this hash (any, live or not): what a certificate was earned on."""
    return session.scalar(select(ContentVersion).where(ContentVersion.content_hash == content_hash))
