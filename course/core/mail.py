"""Email over SMTP when `MAIL_SERVER` is configured (standard library only): plain text plus HTML, one
connection per batch."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage

from flask import current_app

SMTP = smtplib.SMTP  # replaced in tests by a fake that records messages


def mail_configured() -> bool:
    """Whether self-service reset by email is on: an SMTP server, and a fixed public address for links
    (never the request's Host header, which a visitor controls)."""
    return bool(current_app.config.get("MAIL_SERVER") and current_app.config.get("PUBLIC_BASE_URL"))


def public_link(path: str) -> str:
    """An absolute link for an email, built on PUBLIC_BASE_URL (never the request's Host header)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def compose(to: str, subject: str, body: str, html: str | None = None) -> EmailMessage:
    """An email from the academy: plain text, plus an HTML alternative when `html` is given."""
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config.get("MAIL_FROM") or f"no-reply@{config['MAIL_SERVER']}"
    message["To"] = to
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


@contextmanager
def smtp_connection() -> Iterator[smtplib.SMTP]:
    """One SMTP session from the configuration (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS, MAIL_USERNAME,
    MAIL_PASSWORD, MAIL_TIMEOUT). Raises OSError/SMTPException when the server cannot be reached at all."""
    config = current_app.config
    with SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 587),
              timeout=float(config.get("MAIL_TIMEOUT") or 10)) as smtp:
        if config.get("MAIL_USE_TLS", True):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        yield smtp


def send_one(smtp: smtplib.SMTP, message: EmailMessage) -> str | None:
    """Send `message` on an open session: None when the server accepted it, else the server's reason.

    A refusal of this one message (recipient, sender, content) is returned; a dropped connection raises.
    """
    try:
        smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        return "; ".join(f"{code} {reason.decode(errors='replace') if isinstance(reason, bytes) else reason}"
                         for code, reason in exc.recipients.values())
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        return f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
    return None


def send_messages(messages: list[EmailMessage]) -> dict[str, str]:
    """Send over one SMTP connection; returns the recipients that failed, with the reason.

    Raises OSError/SMTPException when the server cannot be reached at all.
    """
    failed = {}
    with smtp_connection() as smtp:
        for message in messages:
            error = send_one(smtp, message)
            if error:
                failed[message["To"]] = error
    return failed


def send_reset_link(to: str, name: str, link: str, academy: str) -> None:
    """Email a one-time password-reset `link` to `to`. Raises OSError/SMTPException on failure."""
    body = (f"Hello {name},\n\nSomeone (we hope you) asked to reset the password of your {academy} account.\n"
            f"Open this link within an hour to choose a new password; it works once:\n\n{link}\n\n"
            "If you did not ask for this, ignore this email: your password has not changed.\n")
    failed = send_messages([compose(to, f"{academy}: reset your password", body)])
    if failed:
        raise smtplib.SMTPRecipientsRefused(failed)


def welcome_message(to: str, name: str, link: str, academy: str, cohort: str) -> EmailMessage:
    """The email a trainee enrolled by a trainer receives: their one-time set-password link."""
    body = (f"Hello {name},\n\nYou have been enrolled in {cohort} at {academy}, for the course on responding to "
            f"digital sex crimes.\nOpen this link to choose your password and sign in; it works once, for 14 days:\n\n"
            f"{link}\n")
    return compose(to, f"{academy}: your training account", body)


def invitation_message(to: str, name: str, link: str, academy: str, cohort: str) -> EmailMessage:
    """The email an existing account receives when a trainer invites it to a cohort: it joins only by accepting."""
    body = (f"Hello {name},\n\nA trainer at {academy} has invited you to join {cohort}. If you accept, the cohort's "
            f"trainers will see your progress, quiz results, scenario runs and certificates.\n"
            f"Sign in to accept or decline the invitation on your dashboard:\n\n{link}\n\n"
            "If you do not expect this invitation, decline it: nothing is shared until you accept.\n")
    return compose(to, f"{academy}: invitation to join {cohort}", body)
