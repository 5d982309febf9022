"""The live course: the published content version and lookups in it.

A published content version never changes (a new version replaces it), so each process keeps the live version it
loaded, with its modules, lessons and questions, and only asks the database which version is live (one small query
a request). The cache is keyed by the version's id and content hash, and by the language its words were loaded in
(the load hooks in core/i18n.py put a lesson's Korean words in place of the English ones), so a version made live by
`content sync` or an admin in any process is picked up by every worker on its next request, without a restart.
When a process loads a version it also renders every lesson's Markdown (kept by text, core/procedures.py), so no
reader waits for a lesson's first rendering in that worker.

The cached objects are shared by every request and thread of the process: they are detached from any session and
must never be changed, added to a session or assigned to a relationship (use their ids: `module_id=module.id`).
"""

from __future__ import annotations

import threading

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from course.core.i18n import content_locale
from course.core.procedures import prepare_content
from course.database import read
from course.models import ContentVersion, Module
from course.prepared import Prepared

CACHE_KEY = "dignity.content_versions"
LIVE = Prepared(select(ContentVersion.id, ContentVersion.content_hash).where(ContentVersion.is_live))  # every page
_lock = threading.Lock()


def _full_version(session: Session, version_id: int) -> ContentVersion | None:
    """The version with everything pages read from it: modules, lessons and both question pools (five queries)."""
    return session.scalar(
        select(ContentVersion).where(ContentVersion.id == version_id)
        .options(selectinload(ContentVersion.modules).options(
            selectinload(Module.lessons), selectinload(Module.questions), selectinload(Module.exam_questions)))
    )


def _load_detached(session: Session, version_id: int) -> ContentVersion | None:
    """Load the version in a session of its own on the request's connection (same transaction, so no second
    connection waits for the first's write lock), then close it: the objects come back detached, and the request's
    session never holds (or expires, or flushes) them."""
    side = Session(bind=session.connection(), autoflush=False)
    try:
        version = _full_version(side, version_id)
        if version is None:
            return None
        for module in version.modules:  # the many-to-one sides, so nothing needs a session to follow them
            set_committed_value(module, "version", version)
            for item in (*module.lessons, *module.questions, *module.exam_questions):
                set_committed_value(item, "module", module)
    finally:
        side.close()
    return version


def load_live_version(session: Session) -> ContentVersion | None:
    """The live content version with its modules, lessons and questions: one query when this process already
    holds it (cached by id, content hash and language), five when it does not (then its lessons' Markdown is
    rendered too, about a quarter of a second once per worker and language).

    Read-only and shared across requests: never change it or attach it to a session.
    """
    live = read(session, LIVE).first()
    if live is None:
        return None
    if not has_app_context():
        return _load_detached(session, live.id)
    key = (live.id, live.content_hash, content_locale())
    cache: dict = current_app.extensions.setdefault(CACHE_KEY, {})
    version = cache.get(key)
    if version is None:
        version = _load_detached(session, live.id)
        if version is None:  # made not live and deleted since the query above
            return None
        prepare_content(lesson.body_markdown for module in version.modules for lesson in module.lessons)
        with _lock:
            for stale in [k for k in cache if k[:2] != key[:2]]:  # another version went live: forget the old one
                del cache[stale]
            cache[key] = version
    return version


def find_lesson(version: ContentVersion, module_slug: str, lesson_slug: str | None = None):
    """The module (and lesson) with these slugs in `version`, or None."""
    module = next((m for m in version.modules if m.slug == module_slug), None)
    if module is None or lesson_slug is None:
        return module, None
    return module, next((lesson for lesson in module.lessons if lesson.slug == lesson_slug), None)


def version_by_hash(session: Session, content_hash: str) -> ContentVersion | None:
    """The published content version with this hash (any, live or not): what a certificate was earned on."""
    return session.scalar(select(ContentVersion).where(ContentVersion.content_hash == content_hash))
