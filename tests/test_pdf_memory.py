"""A worker gives back the memory a PDF took: every PDF download frees what its document left, once it is made."""

from __future__ import annotations

import io
import weakref
import zipfile

import pytest
from fpdf import FPDF

import course.memory
from course.certificates.pdf import FONTS
from course.models import Role
from tests.certificate_steps import earn_certificate
from tests.conftest import signed_in
from tests.test_procedures import with_slots


@pytest.fixture
def releases(monkeypatch) -> list[int]:
    """Each call of `release_memory` during a request, as the number of PDF documents written before it."""
    written, calls = [0], []
    output = FPDF.output

    def counted_output(self, *args, **kwargs):
        written[0] += 1
        return output(self, *args, **kwargs)

    def recorded_release():
        calls.append(written[0])
        release()

    release = course.memory.release_memory
    monkeypatch.setattr(FPDF, "output", counted_output)
    monkeypatch.setattr(course.memory, "release_memory", recorded_release)
    return calls


def test_certificate_and_training_record_downloads_release_memory_once_after_the_pdf(app, client, trainee, releases):
    certificate = earn_certificate(client, app)
    for language in ("en", "ko"):
        response = client.get(f"/certificates/{certificate.serial}/certificate.pdf",
                              headers={"Accept-Language": language})
        assert response.status_code == 200
        assert response.data.startswith(b"%PDF")
    assert releases == [1, 2]
    assert client.get(f"/people/{trainee.id}/training-record.pdf").status_code == 200
    assert releases == [1, 2, 3]


def test_a_job_aid_download_releases_memory_once_after_its_last_try(make_app, make_user, tmp_path, releases):
    app = make_app(with_slots(tmp_path / "content"))
    response = signed_in(app, make_user(Role.TRAINEE)).get("/job-aids/emergency-takedown.pdf")
    assert response.status_code == 200
    assert releases == [1]  # the sizes tried before the one that fits are never written


def test_a_cohort_zip_releases_memory_once_when_the_archive_is_done(app, make_user, make_cohort, releases):
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [make_user(name=f"Member {n}") for n in range(3)])
    response = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/training-records.zip", buffered=False)
    data = b"".join(response.response)
    response.close()
    assert len(zipfile.ZipFile(io.BytesIO(data)).namelist()) == 3
    assert releases == [3]


def test_release_memory_frees_a_finished_document_and_trims_the_heap(monkeypatch):
    trims = []
    monkeypatch.setattr(course.memory, "_TRIM", trims.append)
    pdf = FPDF()
    pdf.add_font("hangul", "", FONTS / "NotoSerifCJKkr-Regular-Hangul.otf")
    pdf.add_page()
    pdf.set_font("hangul", "", 12)
    pdf.cell(0, 10, "수료증")
    pdf.output()
    document = weakref.ref(pdf)
    del pdf
    course.memory.release_memory()
    assert document() is None  # its cycles with its fonts are collected, not left for a later collection
    assert trims == [0]
