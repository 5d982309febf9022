"""A cohort's training records as one ZIP, streamed: each PDF is made, compressed and sent before the next.

The archive is written to a small buffer that is emptied after every file, so memory stays that of one record
whatever the cohort's size (zipfile writes data descriptors when its output cannot seek).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from course.certificates.transcript import build_transcript, render_transcript_pdf
from course.models import Cohort, CohortMember, ContentVersion, User


class _Drain:
    """A write-only, non-seekable file whose contents are taken away after each archive member."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.written = 0

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def stream_zip(entries: Iterable[tuple[str, bytes]]) -> Iterator[bytes]:
    """The bytes of a ZIP holding `entries` (name, data), yielded one member at a time."""
    drain = _Drain()
    with zipfile.ZipFile(drain, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            with archive.open(name, mode="w") as member:
                member.write(data)
            yield drain.take()
    yield drain.take()  # the central directory, written on close


def record_filename(user: User) -> str:
    """`training-record-<name>-<id>.pdf`, with anything but letters, digits and dashes made a dash."""
    name = re.sub(r"[^\w]+", "-", user.name, flags=re.UNICODE).strip("-_")[:60] or "trainee"
    return f"training-record-{name}-{user.id}.pdf"


def cohort_transcripts(session: Session, cohort: Cohort, version: ContentVersion,
                       now: datetime) -> Iterator[tuple[str, bytes]]:
    """Each member's training record, by name: only their ids are held; each is loaded when its turn comes."""
    member_ids = list(session.scalars(select(User.id).join(CohortMember, CohortMember.user_id == User.id)
                                      .where(CohortMember.cohort_id == cohort.id).order_by(User.name, User.id)))
    for user_id in member_ids:
        user = session.get(User, user_id)
        if user is None:  # removed while the archive was being written
            continue
        record = build_transcript(session, user, version)
        yield record_filename(user), render_transcript_pdf(record, now)
        for loaded in (user, *record.certificates):  # nothing of earlier trainees stays in the session
            if loaded in session:
                session.expunge(loaded)
