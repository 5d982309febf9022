"""A trainee's training record (transcript) for personnel files: what it holds, and a one-page A4 PDF of it.

Modules with their status, completion dates, best scores and study hours, the final exam, and every certificate
with its status, in the reader's language (Hangul from the certificate's fonts). Exemptions granted in a cohort
are not printed: they excuse a trainee from a cohort's schedule, not from the course.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from course.certificates.pdf import ACCENT, FONTS, INK, MUTED
from course.core.i18n import current_language
from course.core.progress import COMPLETED, IN_PROGRESS, course_progress
from course.core.records import certificate_history
from course.core.settings import academy_name
from course.core.timezones import user_time_zone
from course.models import AttemptPurpose, AttemptStatus, Certificate, ContentVersion, LessonProgress, QuizAttempt, User


@dataclass
class TranscriptLine:
    """One module (or the final exam) on the record."""

    title: str
    status: str  # core.progress status names
    completed_on: date | None
    best_score: float | None
    minutes: int


@dataclass
class Transcript:
    """Everything the training record prints."""

    user: User
    academy: str
    course_title: str
    lines: list[TranscriptLine]
    certificates: list[Certificate]
    time_zone: str  # the trainee's (core.timezones.user_time_zone): the record's dates are their calendar days

    def day(self, moment: datetime | None) -> date | None:
        """The calendar day of a stored moment (UTC) in the trainee's time zone."""
        return _day(moment, self.time_zone)

    @property
    def hours_completed(self) -> float:
        return sum(line.minutes for line in self.lines if line.status == COMPLETED) / 60

    @property
    def hours_total(self) -> float:
        return sum(line.minutes for line in self.lines) / 60


def completion_dates(session: Session, user: User) -> dict[str, datetime]:
    """Per module slug: when its last lesson was completed and when its quiz was first passed, the later (two
    queries). Completion is when both were done."""
    lessons = dict(session.execute(
        select(LessonProgress.module_slug, func.max(LessonProgress.completed_at))
        .where(LessonProgress.user_id == user.id).group_by(LessonProgress.module_slug)).all())
    passed = case((QuizAttempt.passed.is_(True) & (QuizAttempt.status == AttemptStatus.SUBMITTED),
                   QuizAttempt.submitted_at))
    quizzes = dict(session.execute(select(QuizAttempt.module_slug, func.min(passed))
                                   .where(QuizAttempt.user_id == user.id).group_by(QuizAttempt.module_slug)).all())
    return {slug: max(moment for moment in (lessons.get(slug), quizzes.get(slug)) if moment is not None)
            for slug in set(lessons) | set(quizzes) if lessons.get(slug) or quizzes.get(slug)}


def build_transcript(session: Session, user: User, version: ContentVersion) -> Transcript:
    """The training record of `user` on the live course (a constant number of queries)."""
    progress = course_progress(session, user, version)
    dates, zone = completion_dates(session, user), user_time_zone(session, user)
    lines = [TranscriptLine(m.module.title, m.status, _day(dates.get(m.module.slug), zone) if m.is_complete else None,
                            m.quiz.best_score, m.module.minutes) for m in progress.modules]
    if progress.exam is not None:
        exam = progress.exam
        status = COMPLETED if exam.passed else IN_PROGRESS if exam.attempts else "not_started"
        lines.append(TranscriptLine(_("Final exam"), status,
                                    _day(dates.get(AttemptPurpose.EXAM_SLUG), zone) if exam.passed else None,
                                    exam.best_score, version.exam_settings.get("time_limit_minutes") or 0))
    return Transcript(user, academy_name(session), version.title, lines, certificate_history(session, user), zone)


def _day(moment: datetime | None, zone: str) -> date | None:
    """The calendar day of `moment` (UTC, naive as SQLite's aggregates return it, or aware) in `zone`."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone)).date()


def _status(status: str) -> str:
    return {"completed": _("Completed"), "in_progress": _("In progress")}.get(status, _("Not started"))


def _certificate_status(certificate: Certificate, now: datetime) -> str:
    status = certificate.status_at(now)
    if status == "superseded":
        return _("Superseded by %(serial)s", serial=certificate.superseded_by.serial)
    return {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}[status]


def _hours(value: float) -> str:
    return format_decimal(round(value, 1), "#,##0.#")


def _document(transcript: Transcript) -> FPDF:
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(18, 16, 18)
    pdf.add_font("serif", "", FONTS / "NotoSerif-Regular.ttf")
    pdf.add_font("serif", "B", FONTS / "NotoSerif-Bold.ttf")
    pdf.add_font("hangul", "", FONTS / "NotoSerifCJKkr-Regular-Hangul.otf")
    pdf.set_fallback_fonts(["hangul"], exact_match=False)
    pdf.set_title(_("Training record: %(name)s", name=transcript.user.name))
    pdf.set_author(transcript.academy)
    pdf.set_creator("Dignity training platform")
    pdf.set_lang(current_language())
    pdf.add_page()
    return pdf


def _heading(pdf: FPDF, text: str) -> None:
    pdf.ln(4)
    pdf.set_font("serif", "B", 11)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)


def _table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: tuple[int, ...]) -> None:
    pdf.set_font("serif", "", 9)
    with pdf.table(col_widths=widths, text_align="LEFT", line_height=5.5, first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", color=INK, fill_color=(236, 240, 244)),
                   borders_layout="HORIZONTAL_LINES") as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(cell)


def render_transcript_pdf(transcript: Transcript, now: datetime) -> bytes:
    """The training record as PDF bytes, in the language of the current request."""
    pdf = _document(transcript)
    user = transcript.user
    pdf.set_font("serif", "B", 9)
    pdf.set_text_color(*ACCENT)
    pdf.cell(0, 5, transcript.academy.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", 20)
    pdf.set_text_color(*INK)
    pdf.cell(0, 11, _("Training record"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "B", 13)
    pdf.cell(0, 7, user.name, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("serif", "", 9.5)
    pdf.set_text_color(*MUTED)
    who = [user.email] + ([_("badge %(b)s", b=user.badge_number)] if user.badge_number else [])
    pdf.cell(0, 5, " · ".join(who), new_x="LMARGIN", new_y="NEXT")
    as_of = format_date(transcript.day(now), "long")
    pdf.cell(0, 5, _("%(course)s · as of %(date)s", course=transcript.course_title, date=as_of),
             new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    _heading(pdf, _("Modules"))
    rows = [[line.title, _status(line.status), line.completed_on.isoformat() if line.completed_on else "—",
             "—" if line.best_score is None else f"{line.best_score:.0f}%", _hours(line.minutes / 60)]
            for line in transcript.lines]
    _table(pdf, [_("Module"), _("Status"), _("Completed on"), _("Best score"), _("Hours")], rows, (62, 28, 28, 22, 16))
    pdf.ln(2)
    pdf.set_font("serif", "B", 9.5)
    pdf.cell(0, 6, _("Study hours completed: %(done)s of %(total)s", done=_hours(transcript.hours_completed),
                     total=_hours(transcript.hours_total)), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, _("Certificates"))
    if transcript.certificates:
        rows = [[c.serial, transcript.day(c.issued_at).isoformat(),
                 transcript.day(c.expires_at).isoformat() if c.expires_at else "—",
                 _hours(c.credit_hours) if c.credit_hours else "—", _certificate_status(c, now)]
                for c in transcript.certificates]
        _table(pdf, [_("Serial"), _("Issued"), _("Valid until"), _("Credit hours"), _("Status")], rows,
               (48, 22, 24, 20, 60))
    else:
        pdf.set_font("serif", "", 9.5)
        pdf.cell(0, 6, _("No certificate yet."), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("serif", "", 8)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(0, 4, _("Dates are days in the trainee's time zone (%(zone)s), as YYYY-MM-DD. Each certificate can "
                           "be checked by its serial on the academy's verification page. This record is not itself a "
                           "certificate.", zone=transcript.time_zone))
    return bytes(pdf.output())
