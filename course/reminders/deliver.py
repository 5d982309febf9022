"""The reminders run: queue what is due, then send it in batches, one SMTP connection per batch, recording
every result as it happens."""

from __future__ import annotations

import secrets
import smtplib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from course.core.mail import send_one, smtp_connection
from course.core.password_links import reissue_set_links
from course.core.settings import academy_name
from course.core.timezones import academy_time_zone
from course.models import (
    UNUSABLE_PASSWORD,
    Certificate,
    Cohort,
    Notice,
    NoticeKind,
    NoticeStatus,
    User,
    utcnow,
)
from course.reminders.discover import due_queries, queue_due_notices, unrecorded
from course.reminders.messages import Batch, MissingSubject, notice_message

MAX_ATTEMPTS = 5  # a recipient refused five times stays "failed" and visible to trainers; it is not retried
STALE_AFTER = timedelta(minutes=30)  # a claim older than this belongs to a run that died
UNCERTAIN = "The run sending this stopped before recording the result; it may have been delivered. Retrying."


@dataclass
class RunReport:
    """What one run did."""

    queued: dict[str, int] = field(default_factory=dict)
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def send_due(session: Session, batch_size: int = 100, now: datetime | None = None) -> RunReport:
    """Queue every notice that is due, then send every pending or failed one (each at most once per run)."""
    now = now or utcnow()
    run_id = secrets.token_hex(8)
    report = RunReport(queued=queue_due_notices(session, now))
    _release_stale_claims(session, now)
    session.commit()
    last_id = 0
    while True:
        last_id, claimed = _claim_page(session, run_id, last_id, batch_size, now)
        session.commit()  # claimed: no other run will send these
        if last_id is None:
            return report
        if claimed:
            _send_batch(session, run_id, claimed, report)


def _release_stale_claims(session: Session, now: datetime) -> None:
    """A run that died after claiming leaves rows "sending": after STALE_AFTER they are retried (see
    docs/operations.md for what that means for the one email that may have gone)."""
    session.execute(update(Notice).where(Notice.status == NoticeStatus.SENDING, Notice.claimed_at < now - STALE_AFTER)
                    .values(status=NoticeStatus.FAILED, last_error=UNCERTAIN, claimed_by=None))


def _claim_page(session: Session, run_id: str, last_id: int, size: int, now: datetime) -> tuple[int | None, list[int]]:
    """Claim the next page of sendable notices; returns the page's last id (None at the end) and the ids this run
    claimed. The status guard in the UPDATE means a row another run claimed first is never ours too."""
    sendable = (Notice.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]), Notice.attempts < MAX_ATTEMPTS)
    ids = list(session.scalars(select(Notice.id).where(Notice.id > last_id, *sendable)
                               .order_by(Notice.id).limit(size)))
    if not ids:
        return None, []
    session.execute(update(Notice).where(Notice.id.in_(ids), *sendable)
                    .values(status=NoticeStatus.SENDING, claimed_by=run_id, claimed_at=now)
                    .execution_options(synchronize_session=False))
    claimed = session.scalars(select(Notice.id).where(Notice.id.in_(ids), Notice.claimed_by == run_id,
                                                      Notice.status == NoticeStatus.SENDING))
    return ids[-1], sorted(claimed)


def _send_batch(session: Session, run_id: str, ids: list[int], report: RunReport) -> None:
    """Write and send the claimed notices over one SMTP connection, recording each result as it happens."""
    outgoing = _compose(session, ids, report)
    session.commit()  # new set-password links are stored before any email carries them
    done: set[int] = set()
    try:
        with smtp_connection() as smtp:
            for notice_id, message in outgoing:
                error = send_one(smtp, message)
                _record(session, run_id, notice_id, error)
                done.add(notice_id)
                report.sent, report.failed = report.sent + (error is None), report.failed + (error is not None)
    except (OSError, smtplib.SMTPException) as exc:  # the server is unreachable or hung up: retry the rest next run
        reason = f"{type(exc).__name__}: {exc}"[:500]
        report.errors.append(reason)
        for notice_id, _message in outgoing:
            if notice_id not in done:
                _record(session, run_id, notice_id, reason)
                report.failed += 1


def _compose(session: Session, ids: list[int], report: RunReport) -> list[tuple[int, EmailMessage]]:
    """The batch's emails, with what they refer to loaded in a few queries; notices with nothing to say are
    marked skipped."""
    rows = session.execute(select(Notice, User).join(User, User.id == Notice.user_id)
                           .where(Notice.id.in_(ids)).order_by(Notice.id)).all()
    batch = Batch(academy=academy_name(session), time_zone=academy_time_zone(session))
    cohort_ids = {n.cohort_id for n, _u in rows if n.cohort_id is not None}
    batch.cohorts = {c.id: c for c in session.scalars(select(Cohort).where(Cohort.id.in_(cohort_ids)))}
    certificate_ids = {int(n.subject) for n, _u in rows
                       if n.kind in (NoticeKind.CERTIFICATE_ISSUED, NoticeKind.RENEWAL_DUE)}
    batch.certificates = {c.id: c for c in session.scalars(select(Certificate)
                                                            .where(Certificate.id.in_(certificate_ids)))}
    waiting = sorted({u.id for n, u in rows if n.kind == NoticeKind.PASSWORD_LINK
                      and u.password_hash == UNUSABLE_PASSWORD and u.active})
    batch.tokens = reissue_set_links(session, None, waiting)
    outgoing = []
    for notice, user in rows:
        try:
            outgoing.append((notice.id, notice_message(notice, user, batch)))
        except MissingSubject as exc:
            notice.status, notice.last_error, notice.claimed_by = NoticeStatus.SKIPPED, str(exc), None
            report.skipped += 1
    return outgoing


def _record(session: Session, run_id: str, notice_id: int, error: str | None) -> None:
    """Record one result at once (its own commit): a crash loses at most the email being sent."""
    values = ({"status": NoticeStatus.SENT, "sent_at": utcnow(), "last_error": None} if error is None
              else {"status": NoticeStatus.FAILED, "last_error": error[:2000]})
    session.execute(update(Notice).where(Notice.id == notice_id, Notice.claimed_by == run_id)
                    .values(attempts=Notice.attempts + 1, claimed_by=None, **values)
                    .execution_options(synchronize_session=False))
    session.commit()


def dry_run(session: Session, now: datetime | None = None) -> Iterator[tuple[str, str, str, str]]:
    """What a run now would send, writing nothing: (email, kind, subject, "new" or the notice's status)."""
    now = now or utcnow()
    for kind, query in due_queries(now).items():
        rows = unrecorded(query).subquery()
        for email, subject in session.execute(select(User.email, rows.c.subject).join(User, User.id == rows.c.user_id)
                                              .execution_options(yield_per=500)):
            yield email, kind, subject, "new"
    waiting = (select(User.email, Notice.kind, Notice.subject, Notice.status).join(User, User.id == Notice.user_id)
               .where(Notice.status.in_([NoticeStatus.PENDING, NoticeStatus.FAILED]), Notice.attempts < MAX_ATTEMPTS)
               .order_by(Notice.id).execution_options(yield_per=500))
    for email, kind, subject, status in session.execute(waiting):
        yield email, kind, subject, status
