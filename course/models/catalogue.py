"""Published course content: an immutable snapshot per content version."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from course.models.base import Model, utcnow


class ContentVersion(Model):
    """One published state of `modules/`, identified by the hash of its files."""

    content_lang = "en"  # language of the words shown; the i18n load hook sets "ko" for a variant

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    synced_at: Mapped[datetime] = mapped_column(default=utcnow)
    is_live: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    validity_months: Mapped[int | None]
    renewal_window_days: Mapped[int] = mapped_column(default=60)
    credit_hours: Mapped[float | None]
    glossary: Mapped[list] = mapped_column(default=list, server_default="[]")  # [{term, definition}]
    # The final exam's blueprint and rules (course.yaml `exam:`); empty when the course has no exam.
    exam_settings: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    # Other languages' words: {"ko": {title, summary, glossary, exam_content_note, recommendations}}
    translations: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    # Job aids (modules/job-aids/): {slug: {title, summary, body_markdown, sources, translations: {ko: {…}}}}.
    job_aids: Mapped[dict] = mapped_column(default=dict, server_default="{}")

    modules: Mapped[list[Module]] = relationship(
        back_populates="version", order_by="Module.position", cascade="all, delete-orphan"
    )

    @property
    def short_hash(self) -> str:
        return self.content_hash[:10]


class Module(Model):
    """A module as published in one content version."""

    content_lang = "en"  # language of the words shown; the i18n load hook sets "ko" for a variant
    scenario_lang = "en"  # the same for the module's scenario
    authored_scenario = None  # the scenario as published, kept by the load hook when it shows a variant

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("version_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("content_versions.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    minutes: Mapped[int]
    objectives: Mapped[list] = mapped_column(default=list)  # [{id, text}]
    sources: Mapped[list] = mapped_column(default=list)  # [{id, citation}]
    quiz_settings: Mapped[dict] = mapped_column(default=dict)
    scenario: Mapped[dict | None]
    # Other languages' words: {"ko": {title, summary, objectives: {id: text}, scenario}}
    translations: Mapped[dict] = mapped_column(default=dict, server_default="{}")
    scenario_required: Mapped[bool] = mapped_column(default=False)

    version: Mapped[ContentVersion] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    # The module quiz's bank (also drawn for review and the pre-test) and the final exam's own pool: never mixed.
    questions: Mapped[list[Question]] = relationship(
        back_populates="module", order_by="Question.position", cascade="all, delete-orphan",
        primaryjoin="and_(Module.id == Question.module_id, Question.pool == 'quiz')",
    )
    exam_questions: Mapped[list[Question]] = relationship(
        order_by="Question.position", cascade="all, delete-orphan", overlaps="module,questions",
        primaryjoin="and_(Module.id == Question.module_id, Question.pool == 'exam')",
    )

    def source_citation(self, source_id: str) -> str:
        """The citation text for one of this module's source ids."""
        return next((s["citation"] for s in self.sources if s["id"] == source_id), source_id)


class Lesson(Model):
    """A lesson as published in one content version."""

    content_lang = "en"  # language of the words shown; the i18n load hook sets "ko" for a variant

    __tablename__ = "lessons"
    __table_args__ = (UniqueConstraint("module_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(80))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]
    content_note: Mapped[str | None] = mapped_column(Text)
    body_markdown: Mapped[str] = mapped_column(Text)
    objectives: Mapped[list] = mapped_column(default=list)
    sources: Mapped[list] = mapped_column(default=list)
    # Variants by locale, e.g. {"ko": {"title": ..., "content_note": ..., "body_markdown": ...}}.
    translations: Mapped[dict] = mapped_column(default=dict, server_default="{}")

    module: Mapped[Module] = relationship(back_populates="lessons")


class Question(Model):
    """A quiz bank question as published in one content version."""

    content_lang = "en"  # language of the words shown; the i18n load hook sets "ko" for a variant
    authored_data = None  # the data as published, kept by the load hook when it shows a variant in `data`

    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("module_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(80))  # the author's stable id, e.g. dsc-q01
    position: Mapped[int]
    type: Mapped[str] = mapped_column(String(32))
    objective: Mapped[str] = mapped_column(String(80))
    pool: Mapped[str] = mapped_column(String(8), default="quiz", server_default="quiz")  # "quiz" or "exam"
    data: Mapped[dict]  # prompt, choices, explanation, source and type-specific settings

    module: Mapped[Module] = relationship(back_populates="questions", overlaps="exam_questions")
