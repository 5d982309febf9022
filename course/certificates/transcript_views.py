"""Training records: one trainee's as a PDF (theirs, their trainers', admins'), a cohort's as a streamed ZIP."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, abort, stream_with_context
from flask_login import current_user, login_required

from course.core.access import cohort_for, trains
from course.core.audit import record_event
from course.core.catalogue import load_live_version
from course.core.roles import staff_required
from course.database import writes_on_get
from course.extensions import db
from course.models import User, utcnow

bp = Blueprint("transcripts", __name__)


@bp.get("/people/<int:user_id>/training-record.pdf")
@writes_on_get
@login_required
def transcript(user_id: int):
    """The trainee's own record, or one of their trainees' for a trainer, or anyone's for an admin (else 404)."""
    # Imported here, not above: fpdf and fontTools (~25 MB) load only in a worker that makes a PDF.
    from course.certificates.bundle import record_filename
    from course.certificates.transcript import build_transcript, render_transcript_pdf
    from course.memory import release_memory

    user = db.session.get(User, user_id)
    if user is None or (user.id != current_user.id and not trains(db.session, current_user, user.id)):
        abort(404)
    version = load_live_version(db.session) or abort(503)
    data = render_transcript_pdf(build_transcript(db.session, user, version), utcnow())
    release_memory()
    if user.id != current_user.id:
        record_event(db.session, current_user, "transcript.downloaded", "user", user.id)
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(record_filename(user))}"
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/trainer/cohorts/<int:cohort_id>/training-records.zip")
@writes_on_get
@staff_required
def cohort_zip(cohort_id: int):
    """Every member's record in one ZIP, streamed; the download is audited before the first byte."""
    # Imported here, not above: fpdf and fontTools (~25 MB) load only in a worker that makes a PDF.
    from course.certificates.bundle import cohort_transcripts, stream_zip
    from course.memory import release_memory

    cohort = cohort_for(db.session, current_user, cohort_id)
    version = load_live_version(db.session) or abort(503)
    record_event(db.session, current_user, "transcripts.downloaded", "cohort", cohort.id)
    session, now = db.session, utcnow()  # the request commits (the audit) before the body streams

    def stream():
        try:
            yield from stream_zip(cohort_transcripts(session, cohort, version, now))
        finally:
            session.close()
            release_memory()  # once for the archive: a full collection after every record would cost more

    response = Response(stream_with_context(stream()), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="training-records-cohort-{cohort.id}.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
