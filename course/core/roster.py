"""Enrolment of `email,name[,badge_number]` rows, from a trainer's CSV or one at a time from the API.

Every row is checked first, then all or nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from course.core.accounts import name_problem
from course.core.audit import record_event
from course.core.cohorts import membership_changed
from course.core.notices import queue_notices
from course.core.password_links import new_password_token
from course.models import (
    UNUSABLE_PASSWORD,
    Cohort,
    CohortInvitation,
    CohortMember,
    NoticeKind,
    NoticeStatus,
    Role,
    User,
    utcnow,
)

MAX_ROWS = 10_000
CHUNK = 500  # keeps IN (...) lists a sensible size on every database


class RosterInvalid(ValueError):
    """The file cannot be imported; `outcomes` says which rows are wrong and why."""

    def __init__(self, outcomes: list[RowOutcome]):
        super().__init__(f"{sum(o.status == 'error' for o in outcomes)} row(s) need fixing")
        self.outcomes = outcomes


@dataclass
class RowOutcome:
    """What happened to one row of the file."""

    row: int
    email: str
    name: str
    badge_number: str = ""
    status: str = "ok"  # error | created | invited | already_invited | already_member | staff
    message: str = ""
    set_password_url: str = ""


def parse_roster(data: bytes) -> list[RowOutcome]:
    """Read and check every row. Raises RosterInvalid listing each bad row with its number and reason."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterInvalid([RowOutcome(0, "", "", status="error",
                                        message="The file is not UTF-8 text. Save it as 'CSV UTF-8'.")]) from None
    try:
        rows = _check_rows(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:  # a field over the csv module's limit (131,072 characters), or a broken quote
        raise RosterInvalid([RowOutcome(0, "", "", status="error",
                                        message=_("The file is not a CSV file we can read: %(reason)s.",
                                                  reason=str(exc)))]) from None
    if not rows:
        raise RosterInvalid([RowOutcome(0, "", "", status="error", message="The file has no rows to import.")])
    if any(row.status == "error" for row in rows):
        raise RosterInvalid(rows)
    return rows


def _check_rows(reader) -> list[RowOutcome]:
    rows, seen = [], {}
    for number, cells in enumerate(reader, start=1):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if number == 1 and cells[0].lower() in ("email", "e-mail", "email address"):
            continue  # header row
        rows.append(_check_row(number, cells, seen))
        if len(rows) > MAX_ROWS:
            raise RosterInvalid([RowOutcome(number, "", "", status="error",
                                            message=f"The file has more than {MAX_ROWS} rows; split it.")])
    return rows


def _check_row(number: int, cells: list[str], seen: dict[str, int]) -> RowOutcome:
    email, name, badge = (cells + ["", "", ""])[:3]
    outcome = RowOutcome(number, email, " ".join(name.split()), badge)
    if len(cells) > 3 and any(cells[3:]):
        return _error(outcome, "Too many columns: expected email, name and an optional badge number.")
    try:
        outcome.email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        return _error(outcome, f"Email: {exc}")
    if not outcome.name:
        return _error(outcome, "Name is missing.")
    if len(outcome.name) > 120 or len(badge) > 40:
        return _error(outcome, "Name (120) or badge number (40 characters) is too long.")
    problem = name_problem(name) or name_problem(badge)
    if problem:
        return _error(outcome, problem)
    if outcome.email in seen:
        return _error(outcome, f"The same email is on row {seen[outcome.email]}.")
    seen[outcome.email] = number
    return outcome


def _error(outcome: RowOutcome, message: str) -> RowOutcome:
    outcome.status, outcome.message = "error", message
    return outcome


def import_roster(session: Session, actor: User | None, cohort: Cohort, rows: list[RowOutcome],
                  link_for: Callable[[str], str]) -> list[RowOutcome]:
    """Enrol every row: new accounts are created in the cohort with a set-password link; existing ones are invited.

    An existing account joins only when its owner accepts (a trainer must not gain sight of a record by
    naming an email), and trainer and admin accounts are never enrolled as trainees. Bulk statements keep a
    5,000-row file within one request; the caller's single commit makes it all or nothing.
    """
    try:
        with session.begin_nested():
            return _import_rows(session, actor, cohort, rows, link_for)
    except IntegrityError:  # another import created one of these accounts, or invited one, at the same moment
        raise RosterInvalid([RowOutcome(0, "", "", status="error", message=_(
            "Another import enrolled some of these people at the same moment. Nothing was imported; "
            "import the file again."))]) from None


def _import_rows(session: Session, actor: User | None, cohort: Cohort, rows: list[RowOutcome],
                 link_for: Callable[[str], str]) -> list[RowOutcome]:
    emails = [row.email for row in rows]
    existing: dict[str, tuple[int, str, str]] = {}
    for start in range(0, len(emails), CHUNK):
        chunk = emails[start:start + CHUNK]
        existing.update((email, (user_id, role, name)) for email, user_id, role, name in session.execute(
            select(User.email, User.id, User.role, User.name).where(User.email.in_(chunk))).all())
    members = set(session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)))
    invited = set(session.scalars(select(CohortInvitation.user_id).where(CohortInvitation.cohort_id == cohort.id)))
    new_rows = [row for row in rows if row.email not in existing]
    if new_rows:
        _create_accounts(session, actor, cohort, new_rows, link_for)
    invitations = []
    for row in rows:
        if row.status == "created":
            continue
        user_id, role, name = existing[row.email]
        if user_id in members and row.name and row.name != name:
            # A file never overwrites a name: a correction is made on the record, with a reason (core.identity).
            row.status, row.message = "already_member", _(
                "Already in this cohort, as “%(name)s”. If the file's spelling is right, correct the name on "
                "the trainee's record.", name=name)
        elif user_id in members:
            row.status, row.message = "already_member", _("Already in this cohort.")
        elif role != Role.TRAINEE.value:
            row.status, row.message = "staff", _("A trainer or admin account: staff are not enrolled as trainees.")
        elif user_id in invited:
            row.status, row.message = "already_invited", _("Existing account, already invited.")
        else:
            row.status, row.message = "invited", _("Existing account: invited; they join when they accept.")
            invited.add(user_id)
            invitations.append({"cohort_id": cohort.id, "user_id": user_id, "created_at": utcnow(),
                                "invited_by_id": actor.id if actor else None})
    if invitations:
        session.execute(insert(CohortInvitation), invitations)
    counts = {status: sum(r.status == status for r in rows)
              for status in ("created", "invited", "already_invited", "already_member", "staff")}
    record_event(session, actor, "cohort.bulk_import", "cohort", cohort.id, rows=len(rows), **counts)
    session.flush()
    return rows


def _create_accounts(session: Session, actor: User | None, cohort: Cohort, rows: list[RowOutcome],
                     link_for: Callable[[str], str]) -> None:
    """New accounts, members of `cohort` (which created them), each with a set-password link."""
    created = session.execute(insert(User).returning(User.id, User.email), [
        {"email": row.email, "name": row.name, "badge_number": row.badge_number or None,
         "password_hash": UNUSABLE_PASSWORD, "role": Role.TRAINEE.value} for row in rows
    ]).all()
    ids = {email: user_id for user_id, email in created}
    tokens = []
    for row in rows:
        token, token_row = new_password_token(ids[row.email], "set", actor)
        tokens.append(token_row)
        row.status, row.set_password_url = "created", link_for(token)
        row.message = _("New account; send them the set-password link.")
    session.add_all(tokens)
    session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": ids[row.email],
                                            "created_account": True, "joined_at": utcnow()} for row in rows])
    membership_changed(session, cohort.id)


def check_entry(email: str, name: str, badge_number: str = "") -> RowOutcome:
    """One person to enrol (the API), checked by the same rules as a row of a CSV file."""
    return _check_row(1, [email.strip(), name.strip(), (badge_number or "").strip()], {})


def record_invitations(session: Session, outcomes: list[RowOutcome], cohort: Cohort, failed: dict[str, str]) -> None:
    """Note each invitation emailed at import as a notice, sent or failed: the reminders run then retries the
    failures and never sends the others a second time."""
    emails = {o.email for o in outcomes if o.status == "invited"}
    now = utcnow()
    rows = []
    for start in range(0, len(emails), CHUNK):
        chunk = sorted(emails)[start:start + CHUNK]
        for user_id, email in session.execute(select(User.id, User.email).where(User.email.in_(chunk))):
            error = failed.get(email)
            rows.append({"user_id": user_id, "kind": NoticeKind.INVITATION, "subject": str(cohort.id),
                         "cohort_id": cohort.id, "status": NoticeStatus.FAILED if error else NoticeStatus.SENT,
                         "attempts": 1, "created_at": now, "sent_at": None if error else now,
                         "last_error": error[:2000] if error else None})
    for start in range(0, len(rows), CHUNK):
        queue_notices(session, rows[start:start + CHUNK])
