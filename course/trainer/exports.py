"""Streamed CSV exports: written row by row, safe in spreadsheet apps, one convention for every export.

Every CSV the platform writes: UTF-8 with a byte-order mark; dates as ISO 8601 `YYYY-MM-DD`; moments as ISO 8601
in UTC to the second, `YYYY-MM-DDTHH:MM:SSZ`; yes/no as `true`/`false`; nothing as an empty cell
(docs/operations.md, "Exports").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime

from flask import Response, stream_with_context
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from course.core.i18n import kept_language
from course.extensions import db
from course.models import Cohort, CohortMember, ContentVersion, Module, QuizAttempt, User
from course.trainer.progress import cohort_progress, member_filter

EXPORT_BATCH = 500  # trainees built at a time by the progress export

BOM = "\ufeff"  # lets Excel and friends read UTF-8 (Korean names, accents) correctly
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_value(value) -> str:
    """The text of one cell under the export convention (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection guidance)."""
    text = csv_value(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """Yield the CSV text line by line, starting with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield BOM
    for row in _chain(header, rows):
        writer.writerow([safe_cell(cell) for cell in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _chain(first: list, rest: Iterable) -> Iterator:
    yield first
    yield from rest


def progress_rows(session: Session, cohort: Cohort, version: ContentVersion,
                  batch: int = EXPORT_BATCH) -> tuple[list[str], Iterator[list]]:
    """The progress matrix: a row per trainee by name, three columns per module; built `batch` trainees at a time,
    so memory stays flat however large the cohort."""
    header = ["name", "email", "badge_number", "joined", "progress_percent", "completed_course"]
    for module in version.modules:
        header += [f"{module.slug}:status", f"{module.slug}:best_score", f"{module.slug}:failed_attempts"]
    header += ["certificate_serial", "certificate_status", "flags"]

    def rows():
        for ids in member_batches(session, cohort, batch):
            built = {row.user.id: row for row in cohort_progress(session, cohort, version, user_ids=ids).rows}
            for user_id in ids:
                row = built[user_id]
                cells = [row.user.name, row.user.email, row.user.badge_number, row.joined_at.date(),
                         row.percent, row.is_complete]
                for cell in row.modules:
                    cells += [cell.status, "" if cell.quiz.best_score is None else cell.quiz.best_score,
                              cell.quiz.failed]
                certificate = row.certificate
                cells += [certificate.serial if certificate else "", certificate.status if certificate else "",
                          " ".join(sorted(row.flags))]
                yield cells

    return header, rows()


def member_batches(session: Session, cohort: Cohort, batch: int) -> Iterator[list[int]]:
    """The cohort's member ids by name, `batch` at a time (keyset paging: each batch is one indexed query)."""
    key = (func.lower(User.name), User.id)
    after = None
    while True:
        query = (select(User.id, *key).join(CohortMember, CohortMember.user_id == User.id)
                 .where(CohortMember.cohort_id == cohort.id).order_by(*key).limit(batch))
        if after is not None:
            query = query.where(tuple_(*key) > tuple_(*after))
        found = session.execute(query).all()
        if not found:
            return
        yield [user_id for user_id, *_key in found]
        after = tuple(found[-1][1:])
        if len(found) < batch:
            return


def attempt_rows(session: Session, cohort: Cohort) -> tuple[list[str], Iterator[list]]:
    """Every quiz attempt by the cohort's trainees, fetched from the database in batches."""
    header = ["name", "email", "module", "attempt", "started_at", "submitted_at", "seconds_taken", "score",
              "passed", "late", "language"]
    query = (
        select(User.name, User.email, QuizAttempt, Module.title)
        .join(QuizAttempt, QuizAttempt.user_id == User.id)
        .outerjoin(Module, Module.id == QuizAttempt.module_id)
        .where(member_filter(cohort, User.id), QuizAttempt.purpose == "quiz")
        .order_by(User.name, QuizAttempt.module_slug, QuizAttempt.number)
        .execution_options(yield_per=500)
    )

    def rows():
        for name, email, attempt, module_title in session.execute(query):
            taken = (attempt.submitted_at - attempt.started_at).total_seconds() if attempt.submitted_at else None
            yield [name, email, module_title or attempt.module_slug, attempt.number, attempt.started_at,
                   attempt.submitted_at, None if taken is None else int(taken), attempt.score, attempt.passed,
                   attempt.late, kept_language(attempt.language)]

    return header, rows()


def csv_response(lines, filename: str) -> Response:
    """A streamed CSV download. The request has committed by the time rows stream, so when the
    stream ends (or the client goes away) its session is closed, returning the connection."""
    session = db.session

    def stream():
        try:
            yield from lines
        finally:
            session.close()

    return Response(stream_with_context(stream()), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
