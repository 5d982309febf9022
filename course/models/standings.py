"""Standings: each trainee's place in the live course, kept up to date for the cohort pages.

A summary of rows kept elsewhere (lessons, attempts, scenario runs, certificates), written in the same
transaction as the change it summarises (`core.standings`), so a cohort page can count, filter, sort and page
thousands of trainees in SQL. `content_hash` names the content version it was worked out on; a standing
for another version (or none) is stale and is rebuilt before a cohort page reads it.
Cohort-specific facts (due dates, exemptions, names) are not copied here: the cohort queries join them live.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from course.models.base import Model, utcnow


class TraineeStanding(Model):
    """One trainee's standing in the live course."""

    __tablename__ = "trainee_standings"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    percent: Mapped[int]  # course steps done, as on the trainee's dashboard
    started: Mapped[bool]  # opened a lesson, started a quiz or a scenario
    failed: Mapped[bool]  # failed a module quiz not yet passed
    modules_complete: Mapped[int]  # modules of the live version completed (lessons, quiz, required scenario)
    exam_ok: Mapped[bool]  # the final exam passed, or the course has none
    exam_passed: Mapped[bool]
    # The latest certificate (highest sequence), if any: what the filters need of its status.
    certificate_id: Mapped[int | None]
    certificate_void: Mapped[bool]  # revoked or superseded
    certificate_expires_at: Mapped[datetime | None]
    certificate_renewal_due_at: Mapped[datetime | None]
    first_certified_on: Mapped[date | None]  # the UTC date of the trainee's first certificate
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModuleStanding(Model):
    """One trainee's status and best quiz score in one module of the live course."""

    __tablename__ = "module_standings"
    # Covers the cohort page's GROUP BY: every column it reads, looked up by the member's id.
    __table_args__ = (Index("ix_module_standings_cover", "user_id", "module_slug", "status", "best_score"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # core.progress: not_started, in_progress, completed
    best_score: Mapped[float | None]


class CohortTotals(Model):
    """That a cohort's module totals are kept (`cohort_module_totals`), and for which content version.

    No row (or another version's hash): the totals are worked out afresh from the members' module standings on the
    next cohort page, then kept up to date change by change (core/cohort_totals.py).
    """

    __tablename__ = "cohort_totals"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))


class CohortModuleTotal(Model):
    """How many of a cohort's trainees stand at one status and score band in one module, and their scores' sum.

    `band` is the best quiz score's band (0 for 0-19% … 4 for 80-100%), or -1 for no score yet. Trainees who have
    not started a module have no row: the page counts them as the cohort's size less the others.
    """

    __tablename__ = "cohort_module_totals"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    module_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    band: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    trainees: Mapped[int]
    score_sum: Mapped[float]
