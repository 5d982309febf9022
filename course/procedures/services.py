"""Job aids in the live content, in the reader's language, and saving the academy's procedures from the form."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from course.core.procedures import LOCALES, SLOTS, save_procedure
from course.models import ContentVersion, User

JOB_AID_ORDER = ("first-contact", "evidence-without-harm", "emergency-takedown", "threat-risk-check", "media-enquiry")


@dataclass(frozen=True)
class JobAid:
    """A job aid's words in one language (its own, or English where it has no translation)."""

    slug: str
    title: str
    summary: str
    body_markdown: str
    sources: list[str]
    content_lang: str


def job_aids(version: ContentVersion | None, locale: str) -> list[JobAid]:
    """The live version's job aids in `locale` where translated, in the usual order (then by name)."""
    published = (version.job_aids or {}) if version is not None else {}
    order = {slug: index for index, slug in enumerate(JOB_AID_ORDER)}
    slugs = sorted(published, key=lambda slug: (order.get(slug, len(order)), slug))
    return [_in_language(slug, published[slug], locale) for slug in slugs]


def find_job_aid(version: ContentVersion | None, slug: str, locale: str) -> JobAid | None:
    """One job aid of the live version, or None."""
    published = (version.job_aids or {}) if version is not None else {}
    return _in_language(slug, published[slug], locale) if slug in published else None


def _in_language(slug: str, data: dict, locale: str) -> JobAid:
    words = (data.get("translations") or {}).get(locale)
    source = words or data
    return JobAid(slug, source["title"], source["summary"], source["body_markdown"], data.get("sources", []),
                  locale if words else "en")


def save_procedures(session: Session, actor: User, texts: dict[tuple[str, str], str | None]) -> list[str]:
    """Save every slot text from the form, {(name, locale): text}; returns the names changed (each audited)."""
    changed = []
    for name in SLOTS:
        for locale in LOCALES:
            if (name, locale) in texts and save_procedure(session, actor, name, locale, texts[(name, locale)]):
                changed.append(name)
    return sorted(set(changed), key=list(SLOTS).index)
