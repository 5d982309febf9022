"""The email for each kind of notice, in the recipient's language, as plain text and HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage

from flask import current_app, render_template, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from course.core.mail import compose
from course.core.timezones import force_time_zone, is_time_zone, to_user_timezone
from course.models import Certificate, Cohort, Notice, NoticeKind, User


@dataclass
class Batch:
    """What the emails of one batch refer to, loaded once for the whole batch."""

    academy: str
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    certificates: dict[int, Certificate] = field(default_factory=dict)
    tokens: dict[int, str] = field(default_factory=dict)  # user id -> new set-password token
    time_zone: str = "UTC"  # the academy's default zone, for recipients who have not chosen theirs


@dataclass
class Content:
    """The words of one email: subject, paragraphs, and the one link it is about."""

    subject: str
    paragraphs: list[str]
    link: str
    action: str


class MissingSubject(LookupError):
    """What the notice is about is gone (a deleted cohort, a revoked certificate): nothing to send."""


def notice_message(notice: Notice, user: User, batch: Batch) -> EmailMessage:
    """The email for `notice`, in `user`'s language and time zone. Raises MissingSubject if there is nothing to say."""
    language = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    zone = user.time_zone if is_time_zone(user.time_zone) else batch.time_zone
    with force_locale(language), force_time_zone(zone):  # any time shown is in the recipient's zone
        content = WRITERS[notice.kind](notice, user, batch)
        values = {"content": content, "name": user.name, "academy": batch.academy, "lang": language}
        text = render_template("mail/notice.txt", **values)
        html = render_template("mail/notice.html", **values)
    return compose(user.email, content.subject, text, html)


def _cohort(notice: Notice, batch: Batch) -> Cohort:
    cohort = batch.cohorts.get(notice.cohort_id)
    if cohort is None:
        raise MissingSubject("the cohort was deleted")
    return cohort


def _certificate(notice: Notice, batch: Batch) -> Certificate:
    certificate = batch.certificates.get(int(notice.subject))
    if certificate is None or certificate.revoked_at is not None:
        raise MissingSubject("the certificate was revoked or removed")
    return certificate


def _dashboard() -> str:
    return url_for("learn.dashboard", _external=True)


def _invitation(notice: Notice, user: User, batch: Batch) -> Content:
    cohort = _cohort(notice, batch)
    return Content(_("%(academy)s: invitation to join %(cohort)s", academy=batch.academy, cohort=cohort.name), [
        _("A trainer at %(academy)s has invited you to join %(cohort)s. If you accept, the cohort's trainers will "
          "see your progress, quiz results, scenario runs and certificates.", academy=batch.academy,
          cohort=cohort.name),
        _("Sign in to accept or decline the invitation on your dashboard. If you do not expect this invitation, "
          "decline it: nothing is shared until you accept."),
    ], _dashboard(), _("Open your dashboard"))


def _password_link(notice: Notice, user: User, batch: Batch) -> Content:
    cohort = _cohort(notice, batch)
    token = batch.tokens.get(user.id)
    if token is None:
        raise MissingSubject("they have already set a password")
    return Content(_("%(academy)s: your training account", academy=batch.academy), [
        _("You have been enrolled in %(cohort)s at %(academy)s, for the course on responding to digital sex crimes.",
          cohort=cohort.name, academy=batch.academy),
        _("Open this link to choose your password and sign in. It works once, for 14 days, and replaces any link "
          "sent to you before."),
    ], url_for("auth.set_password", token=token, _external=True), _("Choose your password"))


def _due(notice: Notice, user: User, batch: Batch) -> Content:
    cohort = _cohort(notice, batch)
    due = format_date(date.fromisoformat(notice.subject), "long")  # the date the notice was for
    if notice.kind == NoticeKind.DUE_SOON:
        return Content(_("%(academy)s: %(cohort)s is due on %(date)s", academy=batch.academy, cohort=cohort.name,
                         date=due), [
            _("Your training in %(cohort)s is due on %(date)s.", cohort=cohort.name, date=due),
            _("Open your dashboard to see what is left."),
        ], _dashboard(), _("Continue the course"))
    return Content(_("%(academy)s: %(cohort)s was due on %(date)s", academy=batch.academy, cohort=cohort.name,
                     date=due), [
        _("Your training in %(cohort)s was due on %(date)s and is not finished yet.", cohort=cohort.name, date=due),
        _("You can still complete it: your dashboard shows what is left. If something is in the way, tell your "
          "trainer."),
    ], _dashboard(), _("Continue the course"))


def _certificate_issued(notice: Notice, user: User, batch: Batch) -> Content:
    certificate = _certificate(notice, batch)
    return Content(_("%(academy)s: your certificate", academy=batch.academy), [
        _("You have completed %(course)s. Your certificate %(serial)s has been issued.",
          course=certificate.course_title, serial=certificate.serial),
        _("You can view it, download it as a PDF and share a link anyone can verify."),
    ], url_for("certificates.detail", serial=certificate.serial, _external=True), _("View your certificate"))


def _renewal_due(notice: Notice, user: User, batch: Batch) -> Content:
    certificate = _certificate(notice, batch)
    expiry = (_("It expires on %(date)s.", date=format_date(to_user_timezone(certificate.expires_at), "long"))
              if certificate.expires_at else "")
    return Content(_("%(academy)s: time to renew your certificate", academy=batch.academy), [
        " ".join(filter(None, [_("It is time to renew your certificate %(serial)s.", serial=certificate.serial),
                               expiry])),
        _("Renew it by passing the final exam again; the renewal page explains how."),
    ], url_for("certificates.renewal", _external=True), _("Renew your certificate"))


WRITERS = {
    NoticeKind.INVITATION: _invitation,
    NoticeKind.PASSWORD_LINK: _password_link,
    NoticeKind.DUE_SOON: _due,
    NoticeKind.OVERDUE: _due,
    NoticeKind.CERTIFICATE_ISSUED: _certificate_issued,
    NoticeKind.RENEWAL_DUE: _renewal_due,
}
