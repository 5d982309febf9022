"""What the API changes, through the same services as the trainer's pages: the same rules, checks and audit."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from course.api import schemas
from course.api.reads import cohort_resource, member_counts, trainee_resource
from course.api.scope import cohort_for
from course.core.accounts import find_user_by_email
from course.core.cohorts import CohortInvalid, due_date_problem, remove_member, update_cohort
from course.core.memberships import effective_due_on, extend_due_date
from course.core.problems import ApiProblem
from course.core.roster import RosterInvalid, check_entry, import_roster
from course.models import ApiToken, Cohort, CohortMember

STATUS = {"created": 201, "invited": 202, "already_invited": 200, "already_member": 200}


def entry_errors(message: str) -> list[dict]:
    """The roster rule's message, placed on the field it is about."""
    lowered = message.lower()
    field = "email" if lowered.startswith("email") or "same email" in lowered else (
        "badge_number" if "badge" in lowered else "name")
    return [{"field": field, "message": message}]


def enrol(session: Session, cohort: Cohort, email: str, name: str, badge_number: str | None
          ) -> tuple[schemas.Enrolment, int]:
    """Enrol one person as a row of the trainer's import would be: a new account joins at once; an existing
    trainee is invited and joins only on accepting (naming an email must not reveal a record)."""
    entry = check_entry(email, name, badge_number or "")
    if entry.status == "error":
        raise ApiProblem(422, _("Some fields are not valid."), entry_errors(entry.message))
    try:
        # The set-password link is not returned: a trainer issues it from the trainee's page (docs/api.md).
        outcome = import_roster(session, None, cohort, [entry], lambda _token: "")[0]
    except RosterInvalid:
        raise ApiProblem(409, _("Someone else enrolled this person at the same moment. Try again.")) from None
    if outcome.status == "staff":
        raise ApiProblem(409, outcome.message, [{"field": "email", "message": outcome.message}])
    user = find_user_by_email(session, entry.email) if outcome.status in ("created", "already_member") else None
    return schemas.Enrolment(outcome=outcome.status, message=outcome.message,
                             trainee=trainee_resource(user) if user else None), STATUS[outcome.status]


def create_trainee(session: Session, token: ApiToken, body: schemas.NewTrainee) -> tuple[schemas.Enrolment, int]:
    """A new trainee account in one of the token's cohorts; an existing email is a conflict."""
    try:
        cohort = cohort_for(session, token, body.cohort_id)
    except ApiProblem:
        raise ApiProblem(422, _("Some fields are not valid."),
                         [{"field": "cohort_id", "message": _("No such cohort, or not one this token may use.")}]
                         ) from None
    if find_user_by_email(session, body.email) is not None:
        message = _("An account with this email exists: enrol it with POST /api/v1/cohorts/{id}/members.")
        raise ApiProblem(409, message, [{"field": "email", "message": message}])
    return enrol(session, cohort, body.email, body.name, body.badge_number)


def enrol_member(session: Session, token: ApiToken, cohort_id: int, body: schemas.NewMember
                 ) -> tuple[schemas.Enrolment, int]:
    """Enrol someone in a cohort the token may use."""
    return enrol(session, cohort_for(session, token, cohort_id), body.email, body.name, body.badge_number)


def remove(session: Session, token: ApiToken, cohort_id: int, trainee_id: int) -> None:
    """Take a trainee out of a cohort; their records stay. 404 if they are not a member."""
    if not remove_member(session, None, cohort_for(session, token, cohort_id), trainee_id):
        raise ApiProblem(404, _("This trainee is not a member of the cohort."))


def extend(session: Session, token: ApiToken, cohort_id: int, trainee_id: int, body: schemas.MemberDueDate
           ) -> schemas.MemberDue:
    """A trainee's own due date, by the same rule and audit as the trainee's record. 404 if not a member."""
    cohort = cohort_for(session, token, cohort_id)
    member = session.scalar(select(CohortMember).where(CohortMember.cohort_id == cohort.id,
                                                       CohortMember.user_id == trainee_id))
    if member is None:
        raise ApiProblem(404, _("This trainee is not a member of the cohort."))
    problem = due_date_problem(cohort.starts_on, body.due_on)
    if problem:
        raise ApiProblem(422, problem, [{"field": "due_on", "message": problem}])
    extend_due_date(session, None, member, body.due_on, body.reason.strip())
    return schemas.MemberDue(cohort_id=cohort.id, trainee_id=trainee_id, due_on=member.due_on,
                             effective_due_on=effective_due_on(member, cohort))


def set_due_date(session: Session, token: ApiToken, cohort_id: int, body: schemas.CohortChange) -> schemas.Cohort:
    """Set or clear the cohort's due date, by the same rule as the cohort form."""
    cohort = cohort_for(session, token, cohort_id)
    try:
        update_cohort(session, None, cohort, due_on=body.due_on)
    except CohortInvalid as error:
        raise ApiProblem(422, str(error), [{"field": error.field, "message": str(error)}]) from None
    return cohort_resource(cohort, member_counts(session, [cohort.id]).get(cohort.id, 0))
