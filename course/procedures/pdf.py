"""A job aid as a one-page A4 PDF, with the academy's procedures filled in (same fonts as the certificate)."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import gettext as _
from fpdf import FPDF, TextStyle

from course.core.i18n import current_language
from course.core.procedures import render_content

FONTS = Path(__file__).parent.parent / "certificates" / "fonts"
INK, ACCENT, MUTED = (27, 36, 48), (23, 74, 109), (77, 89, 104)
SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7)  # the largest that fits on one page wins
# fpdf2's HTML writer has no italic or monospace face with Hangul, and needs no wrapper elements.
_UNSUPPORTED = re.compile(r"</?(?:em|i|code|span|div)\b[^>]*>")
_BLOCKS = re.compile(r"<(p|ul|ol|li)>")
LINE_HEIGHT = "1.3"  # Hangul sits taller than Latin text: at fpdf2's default of 1.0 wrapped Korean lines touch


def printable_html(markdown: str, site_root: str) -> str:
    """The job aid's body as the simple HTML fpdf2 writes: procedures filled in, links made absolute."""
    html = str(render_content(markdown, for_print=True))
    html = _BLOCKS.sub(rf'<\1 line-height="{LINE_HEIGHT}">', _UNSUPPORTED.sub("", html))
    return html.replace('href="/', f'href="{site_root.rstrip("/")}/')


def _document(title: str, academy: str) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_margins(16, 14, 16)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_font("serif", "", FONTS / "NotoSerif-Regular.ttf")
    pdf.add_font("serif", "B", FONTS / "NotoSerif-Bold.ttf")
    pdf.add_font("hangul", "", FONTS / "NotoSerifCJKkr-Regular-Hangul.otf")
    pdf.set_fallback_fonts(["hangul"], exact_match=False)
    pdf.set_title(title)
    pdf.set_author(academy)
    pdf.set_creator("Dignity training platform")
    pdf.set_lang(current_language())
    pdf.add_page()
    return pdf


def _styles(size: float) -> dict:
    """Headings a little larger than the text, in the accent colour; paragraphs at the text size."""
    return {"h2": TextStyle(font_family="serif", font_style="B", font_size_pt=size + 1.5, color=ACCENT,
                            t_margin=2, b_margin=0.5),
            "p": TextStyle(font_family="serif", font_size_pt=size, t_margin=0.5, b_margin=0.5),
            "li": TextStyle(font_family="serif", font_size_pt=size)}


def _render(title: str, summary: str, html: str, academy: str, footer: list[str], size: float) -> FPDF:
    pdf = _document(title, academy)
    pdf.set_text_color(*MUTED)
    pdf.set_font("serif", "", size - 1)
    pdf.cell(0, size * 0.5, academy + " · " + _("Job aid"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*ACCENT)
    pdf.set_font("serif", "B", size + 6)
    pdf.multi_cell(0, (size + 6) * 0.45, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font("serif", "", size)
    pdf.multi_cell(0, size * 0.45, summary, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.write_html(html, font_family="serif", li_prefix_color=ACCENT, tag_styles=_styles(size))
    pdf.ln(1)
    pdf.set_text_color(*MUTED)
    pdf.set_font("serif", "", size - 2)
    for line in footer:  # one cell each: a cell mixing Hangul and Latin text can misjudge where to wrap
        pdf.multi_cell(0, (size - 2) * 0.45, line, align="L", new_x="LMARGIN", new_y="NEXT")
    return pdf


def job_aid_pdf(aid, academy: str, site_root: str, sources_label: str) -> bytes:
    """The PDF of `aid` (a JobAid), one A4 page: the largest type size at which it fits."""
    html = printable_html(aid.body_markdown, site_root)
    footer = [sources_label, *aid.sources]
    pdf = None
    for size in SIZES:
        pdf = _render(aid.title, aid.summary, html, academy, footer, size)
        if pdf.pages_count == 1:
            break
    return bytes(pdf.output())
