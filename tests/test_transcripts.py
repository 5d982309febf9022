"""The training record: a one-page PDF per trainee, in the reader's language; a cohort's as a streamed ZIP."""

import io
import re
import zipfile

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, Role
from tests.certificate_steps import earn_certificate
from tests.conftest import signed_in
from tests.test_certificates import complete_module


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """pypdf reads the CJK font's two-byte codes with a NUL in front; compare without it and without spaces."""
    return re.sub(r"[\s\x00]", "", text)


def test_a_trainee_downloads_their_record_with_modules_scores_hours_and_certificates(app, make_user):
    trainee = make_user(name="Han Seojun")
    client = signed_in(app, trainee)
    certificate = earn_certificate(client, app)
    assert "Download my training record (PDF)" in client.get("/certificates").get_data(as_text=True)
    response = client.get(f"/people/{trainee.id}/training-record.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f"training-record-Han-Seojun-{trainee.id}.pdf" in response.headers["Content-Disposition"]
    reader, text = pdf_text(response.data)
    assert len(reader.pages) == 1
    for expected in ("Training record", "Han Seojun", trainee.email, "Basics", "Practice", "Completed",
                     "100%", certificate.serial, "Valid", "Study hours completed: 2 of 2",
                     certificate.issued_at.date().isoformat()):
        assert expected in text, expected


def test_an_unfinished_record_shows_what_is_left(app, make_user):
    trainee = make_user()
    client = signed_in(app, trainee)
    complete_module(client, app, "basics", ["first", "second"])
    _reader, text = pdf_text(client.get(f"/people/{trainee.id}/training-record.pdf").data)
    assert "Not started" in text
    assert "No certificate yet." in text
    assert "Study hours completed: 1.3 of 2" in text  # 80 of 120 minutes


def test_the_record_is_in_the_reader_s_language_and_draws_korean(app, make_user):
    trainee = make_user(name="김민지")
    client = signed_in(app, trainee)
    earn_certificate(client, app)
    response = client.get(f"/people/{trainee.id}/training-record.pdf", headers={"Accept-Language": "ko"})
    _reader, text = pdf_text(response.data)
    assert "김민지" in flat(text)
    assert flat("교육 이수 기록") in flat(text)
    assert "Training record" not in text


def test_a_superseded_certificate_is_listed_with_its_successor(app, make_user):
    from tests.test_people import correct
    trainee = make_user(name="Yoon Jae")
    old = earn_certificate(signed_in(app, trainee), app)
    admin = signed_in(app, make_user(Role.ADMIN))
    page = f"/admin/users/{trainee.id}"
    correct(admin, f"{page}/identity", page, name="Yoon Jaehee", email=trainee.email, reason="Given name cut off")
    _reader, text = pdf_text(admin.get(f"/people/{trainee.id}/training-record.pdf").data)
    assert old.serial in text
    assert "Superseded by" in text
    assert "Yoon Jaehee" in text


def test_who_may_download_a_record(app, make_user, make_cohort):
    trainee, other = make_user(), make_user()
    trainer, stranger = make_user(Role.TRAINER), make_user(Role.TRAINER)
    make_cohort(trainer, [trainee])
    url = f"/people/{trainee.id}/training-record.pdf"
    assert signed_in(app, other).get(url).status_code == 404
    assert signed_in(app, stranger).get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # to sign in
    assert signed_in(app, trainer).get(url).status_code == 200
    assert signed_in(app, make_user(Role.ADMIN)).get(url).status_code == 200
    assert signed_in(app, trainee).get(url).status_code == 200
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transcript.downloaded")).all()
    assert len(downloads) == 2  # the trainer's and the admin's; not the trainee's own


@pytest.fixture
def cohort_of(app, make_user, make_cohort):
    def factory(size):
        trainer = make_user(Role.TRAINER)
        members = [make_user(name=f"Member {n:02d}") for n in range(size)]
        return trainer, members, make_cohort(trainer, members)
    return factory


def test_a_cohort_s_records_download_as_one_zip_streamed_one_record_at_a_time(app, cohort_of):
    trainer, members, cohort = cohort_of(6)
    earn_certificate(signed_in(app, members[0]), app)
    response = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/training-records.zip", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert response.is_streamed
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names == [f"training-record-Member-{n:02d}-{m.id}.pdf" for n, m in enumerate(members)]
    assert len(chunks) >= len(members)  # each record leaves before the next is made
    largest = max(info.compress_size for info in archive.infolist())
    assert max(len(chunk) for chunk in chunks) < largest + 1024  # never more than one record buffered
    _reader, first = pdf_text(archive.read(names[0]))
    assert "Member 00" in first
    assert "Valid" in first
    _reader, second = pdf_text(archive.read(names[1]))
    assert "Member 01" in second
    assert "No certificate yet." in second


def test_only_the_cohort_s_trainers_and_admins_get_the_zip(app, cohort_of, make_user):
    _trainer, members, cohort = cohort_of(1)
    url = f"/trainer/cohorts/{cohort.id}/training-records.zip"
    assert signed_in(app, make_user(Role.TRAINER)).get(url).status_code == 404
    assert signed_in(app, members[0]).get(url).status_code == 403
    admin = signed_in(app, make_user(Role.ADMIN))
    response = admin.get(url)
    assert response.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(response.data)).namelist()) == 1
    with app.app_context():
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "transcripts.downloaded")) is not None


def test_the_record_s_dates_are_the_trainee_s_days_in_their_time_zone(app, make_user, make_cohort):
    """Stored at 20:00 UTC on 1 March, it is 2 March in Seoul: the record prints the trainee's day, whoever
    downloads it, and says which zone its dates are in."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from course.models import Certificate, LessonProgress, QuizAttempt, User

    trainee = make_user(name="Seoul Trainee")
    certificate = earn_certificate(signed_in(app, trainee), app)
    evening = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
    with app.app_context():
        for model, column in ((LessonProgress, "completed_at"), (QuizAttempt, "submitted_at")):
            db.session.execute(update(model).where(model.user_id == trainee.id, getattr(model, column).is_not(None))
                               .values({column: evening}))
        db.session.execute(update(Certificate).where(Certificate.id == certificate.id).values(issued_at=evening))
        db.session.execute(update(User).where(User.id == trainee.id).values(time_zone="Asia/Seoul"))
        db.session.commit()
    trainer = make_user(Role.TRAINER)
    make_cohort(trainer, [trainee])
    for reader in (trainee, trainer):  # the trainer reads in the academy's zone (UTC here): the days are the same
        _reader, text = pdf_text(signed_in(app, reader).get(f"/people/{trainee.id}/training-record.pdf").data)
        assert text.count("2026-03-02") == 3, text  # two modules completed, one certificate issued
        assert "2026-03-01" not in text
        assert flat("time zone (Asia/Seoul)") in flat(text)
