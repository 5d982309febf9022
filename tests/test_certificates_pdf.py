"""The certificate PDF: one A4 landscape page with the serial, the verification URL and a QR code."""

import io
import re

import pytest
from pypdf import PdfReader

from course.models import Role
from tests.certificate_steps import earn_certificate, revoke
from tests.conftest import AuthActions


def pdf_text(response) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(response.data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_the_owner_downloads_a_one_page_landscape_pdf_with_serial_and_verification_url(client, app, trainee):
    cert = earn_certificate(client, app)
    response = client.get(f"/certificates/{cert.serial}/certificate.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert f'filename=certificate-{cert.serial}.pdf' in response.headers["Content-Disposition"]
    reader, text = pdf_text(response)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)  # A4 landscape, in points
    assert cert.serial in text
    assert f"http://localhost/verify/{cert.serial}" in text
    assert trainee.name in text
    assert "Test Course" in text
    assert "Test Academy" in text
    assert "2 credit hours" in text
    assert reader.metadata.title == f"Certificate {cert.serial}"


@pytest.mark.parametrize("name", ["김민지", "Nguyễn Thị Ánh", "Дмитрий Ølsen-Zoë", "박 서준 (Park Seo-jun)"])
def test_any_trainee_name_is_drawn_including_korean(client, app, make_user, auth, name):
    user = make_user(Role.TRAINEE, name=name)
    auth.login(user.email)
    cert = earn_certificate(client, app)
    _reader, text = pdf_text(client.get(f"/certificates/{cert.serial}/certificate.pdf"))
    # pypdf reads the CJK font's two-byte codes with a NUL in front (poppler does not); the letters must be there.
    assert re.sub(r"\s", "", name) in re.sub(r"[\s\x00]", "", text)


def test_the_qr_code_and_printed_url_use_the_public_base_url_when_set(make_app, make_user):
    app = make_app(PUBLIC_BASE_URL="https://academy.example/")
    client = app.test_client()
    user = make_user(Role.TRAINEE)
    AuthActions(client).login(user.email)
    cert = earn_certificate(client, app)
    _reader, text = pdf_text(client.get(f"/certificates/{cert.serial}/certificate.pdf"))
    assert f"https://academy.example/verify/{cert.serial}" in text
    assert "http://localhost" not in text


def test_a_revoked_certificate_pdf_says_so(client, app, trainee, make_user, auth):
    cert = earn_certificate(client, app)
    auth.logout()
    auth.login(make_user(Role.ADMIN).email)
    revoke(client, cert.serial)
    _reader, text = pdf_text(client.get(f"/certificates/{cert.serial}/certificate.pdf"))
    assert "REVOKED on" in text


def test_the_pdf_speaks_the_language_of_whoever_downloads_it(client, app, trainee):
    cert = earn_certificate(client, app)
    url = f"/certificates/{cert.serial}/certificate.pdf"
    _reader, english = pdf_text(client.get(url, headers={"Accept-Language": "en"}))
    assert "Certificate of Completion" in english
    assert f"Issued {cert.issued_at.day} {cert.issued_at:%B %Y}" in english  # British order: 25 November 2026
    assert "수료" not in english
    korean_reader, korean = pdf_text(client.get(url, headers={"Accept-Language": "ko"}))
    flat = re.sub(r"[\s\x00]", "", korean)
    assert "다음과정을수료하였음을증명합니다" in flat
    assert f"{cert.issued_at.year}년{cert.issued_at.month}월{cert.issued_at.day}일발급" in flat
    assert "Certificate of Completion" not in korean
    assert cert.serial in flat  # what was certified is printed unchanged
    assert trainee.name.replace(" ", "") in flat
    assert korean_reader.metadata.title == f"수료증 {cert.serial}"
