"""The certificate as a one-page A4 landscape PDF, with a QR code that opens its verification page.

The words and dates are in the language of the request that downloads it (English or Korean); the names,
course title and modules are printed as they were certified.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import segno
from flask_babel import gettext as _
from fpdf import FPDF

from course.core.i18n import current_language
from course.core.timezones import format_local_date
from course.models import Certificate, CertificateStatus

FONTS = Path(__file__).parent / "fonts"
INK, ACCENT, MUTED, ALERT = (27, 36, 48), (23, 74, 109), (77, 89, 104), (163, 38, 28)
WIDTH, HEIGHT = 297, 210  # A4 landscape, millimetres


def _date(moment: datetime) -> str:
    """25 November 2026, or 2026년 11월 25일: the date in the reader's time zone (the academy's for a visitor)."""
    return format_local_date(moment, "long")


def _new_document(certificate: Certificate) -> FPDF:
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font("serif", "", FONTS / "NotoSerif-Regular.ttf")
    pdf.add_font("serif", "B", FONTS / "NotoSerif-Bold.ttf")
    # Hangul (and kana) come from Noto Serif CJK KR whenever the Latin font has no glyph.
    pdf.add_font("hangul", "", FONTS / "NotoSerifCJKkr-Regular-Hangul.otf")
    pdf.set_fallback_fonts(["hangul"], exact_match=False)
    pdf.set_title(_("Certificate %(serial)s", serial=certificate.serial))
    pdf.set_author(certificate.academy_name)
    pdf.set_subject(_("%(course)s: certificate of completion", course=certificate.course_title))
    pdf.set_creator("Dignity training platform")
    pdf.set_lang(current_language())
    pdf.add_page()
    return pdf


def _centred(pdf: FPDF, y: float, text: str, size: float, style: str = "", colour=INK,
             max_width: float = 240, spacing: float = 0) -> None:
    """One centred line; long text shrinks to fit rather than wrapping off the page."""
    pdf.set_font("serif", style, size)
    pdf.set_char_spacing(spacing)
    while size > 8 and pdf.get_string_width(text) > max_width:
        size -= 0.5
        pdf.set_font("serif", style, size)
    pdf.set_text_color(*colour)
    pdf.set_xy(0, y)
    pdf.cell(WIDTH, size * 0.5, text, align="C")
    pdf.set_char_spacing(0)


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, WIDTH - 20, HEIGHT - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13.5, 13.5, WIDTH - 27, HEIGHT - 27)
    pdf.set_line_width(0.4)
    pdf.line(WIDTH / 2 - 25, 61, WIDTH / 2 + 25, 61)


def _qr_code(pdf: FPDF, url: str, x: float, y: float, size: float) -> None:
    """The QR code drawn as vector squares, so it prints sharp at any size."""
    qr = segno.make(url, error="m")
    rows = list(qr.matrix_iter(scale=1, border=0))
    module = size / len(rows)
    pdf.set_fill_color(*INK)
    for row_index, row in enumerate(rows):
        start = None
        for col_index, dark in enumerate([*row, False]):
            if dark and start is None:
                start = col_index
            elif not dark and start is not None:
                pdf.rect(x + start * module, y + row_index * module, (col_index - start) * module, module, style="F")
                start = None


def _status_banner(pdf: FPDF, certificate: Certificate, now: datetime) -> None:
    status = certificate.status_at(now)
    if status == CertificateStatus.VALID:
        return
    if status == CertificateStatus.REVOKED:
        text = _("REVOKED on %(date)s (this certificate is not valid)", date=_date(certificate.revoked_at))
    elif status == CertificateStatus.SUPERSEDED and certificate.reissued:
        text = _("SUPERSEDED on %(date)s by a reissue with corrected details (this certificate is no longer current)",
                 date=_date(certificate.superseded_at))
    elif status == CertificateStatus.SUPERSEDED:
        text = _("SUPERSEDED by a renewal on %(date)s (this certificate is no longer current)",
                 date=_date(certificate.superseded_at))
    else:
        text = _("EXPIRED on %(date)s", date=_date(certificate.expires_at))
    _centred(pdf, 18, text, 10, "B", ALERT)


def certified_names(certificate: Certificate) -> tuple[str, dict[str, str]]:
    """The course and module titles to print: as certified, in the reader's language when the certified
    content version has them in it (versions never change, so these are the certified names too)."""
    version = certificate.content_version
    if version is None or version.content_lang == "en":
        return certificate.course_title, {}
    return version.title, {m.slug: m.title for m in version.modules if m.content_lang == version.content_lang}


def _modules(pdf: FPDF, certificate: Certificate) -> None:
    pdf.set_text_color(*MUTED)
    pdf.set_font("serif", "B", 8.5)
    pdf.set_xy(24, 140)
    pdf.cell(150, 5, _("Modules completed, with best quiz score"))
    pdf.set_font("serif", "", 8.5)
    titles = certified_names(certificate)[1]
    rows = (len(certificate.modules) + 1) // 2
    for index, module in enumerate(certificate.modules):
        column, row = divmod(index, rows) if rows else (0, 0)
        score = f"{module['score']:.0f}%" if module.get("score") is not None else _("completed")
        text = f"{index + 1}. {titles.get(module.get('slug'), module['title'])}"
        while pdf.get_string_width(text) > 88 and len(text) > 8:
            text = text[:-2].rstrip() + "…"
        pdf.set_xy(24 + column * 105, 146 + row * 5)
        pdf.cell(90, 5, text)
        pdf.cell(12, 5, score, align="R")


def render_certificate_pdf(certificate: Certificate, verify_url: str, now: datetime) -> bytes:
    """The PDF bytes of `certificate`; `verify_url` is printed and encoded in the QR code."""
    pdf = _new_document(certificate)
    _frame(pdf)
    _status_banner(pdf, certificate, now)
    _centred(pdf, 27, certificate.academy_name.upper(), 11, "B", ACCENT, spacing=1.2)
    _centred(pdf, 40, _("Certificate of Completion"), 32, colour=ACCENT)
    _centred(pdf, 68, _("This certifies that"), 12, colour=MUTED)
    _centred(pdf, 78, certificate.recipient_name, 30, max_width=230)
    _centred(pdf, 96, _("has completed the course"), 12, colour=MUTED)
    _centred(pdf, 105, certified_names(certificate)[0], 18, "B", max_width=230)
    facts = []
    if certificate.credit_hours:
        facts.append(_("%(hours)s credit hours", hours=f"{certificate.credit_hours:g}"))
    facts.append(_("Issued %(date)s", date=_date(certificate.issued_at)))
    facts.append(_("Valid until %(date)s", date=_date(certificate.expires_at)) if certificate.expires_at
                 else _("Does not expire"))
    _centred(pdf, 120, "  ·  ".join(facts), 12)
    _modules(pdf, certificate)
    _qr_code(pdf, verify_url, 236, 136, 34)
    pdf.set_font("serif", "", 7.5)
    pdf.set_text_color(*MUTED)
    pdf.set_xy(226, 171)
    pdf.cell(54, 4, _("Scan to check this certificate"), align="C")
    _centred(pdf, 181, _("Serial %(serial)s   ·   Verify at %(url)s", serial=certificate.serial, url=verify_url),
             9.5, colour=INK, max_width=250)
    _centred(pdf, 187, _("Issued by %(academy)s through the Dignity training platform · content version %(version)s",
                         academy=certificate.academy_name, version=certificate.content_version.short_hash),
             7.5, colour=MUTED, max_width=250)
    return bytes(pdf.output())
