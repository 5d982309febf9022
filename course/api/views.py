"""The JSON API, version 1: thin views over reads and writes, each declared once for Flask and for OpenAPI."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_babel import gettext as _

from course.api import reads, schemas, writes
from course.api.auth import audit_use, authenticate, current_token, rate_limit, rate_limit_key
from course.api.scope import cohort_for, trainee_for
from course.api.spec import openapi_document, operation
from course.core.problems import ApiProblem, problem_response
from course.extensions import csrf, db, limit_blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie reaches the API (auth.ignore_cookies), so there is no session for a forged request
limit_blueprint(bp, rate_limit, key_func=rate_limit_key)
bp.before_request(authenticate)
bp.after_request(audit_use)
TITLE, VERSION = "Dignity training records API", "1.0.0"


@bp.errorhandler(ApiProblem)
def problem(error: ApiProblem):
    return problem_response(error.status, error.detail, error.errors, error.headers)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document(TITLE, VERSION))


@bp.get("/docs")
def reference():
    return render_template("api/reference.html", spec=openapi_document(TITLE, VERSION))


@operation(bp, "/course", response=schemas.Course)
def get_course():
    """The course: the live version with its modules, and every published version."""
    return reads.course(db.session)


@operation(bp, "/trainees", query=schemas.ListQuery, response=schemas.TraineePage)
def list_trainees(params):
    """Trainees with their badge numbers, changed since `updated_since`."""
    return reads.trainees(db.session, current_token(), params)


@operation(bp, "/trainees/<int:trainee_id>", response=schemas.Trainee)
def get_trainee(trainee_id: int):
    """One trainee."""
    return reads.trainee_resource(trainee_for(db.session, current_token(), trainee_id))


@operation(bp, "/trainees", "POST", body=schemas.NewTrainee, response=schemas.Enrolment, status=201)
def create_trainee(body):
    """Create a trainee account in a cohort.

    The same rules as a row of the trainer's CSV import. The account has no password yet: a trainer of the
    cohort issues its set-password link from the trainee's page.
    """
    return writes.create_trainee(db.session, current_token(), body)


@operation(bp, "/cohorts", query=schemas.ListQuery, response=schemas.CohortPage)
def list_cohorts(params):
    """Cohorts, changed (details or membership) since `updated_since`."""
    return reads.cohorts(db.session, current_token(), params)


@operation(bp, "/cohorts/<int:cohort_id>", response=schemas.Cohort)
def get_cohort(cohort_id: int):
    """One cohort."""
    cohort = cohort_for(db.session, current_token(), cohort_id)
    return reads.cohort_resource(cohort, reads.member_counts(db.session, [cohort.id]).get(cohort.id, 0))


@operation(bp, "/cohorts/<int:cohort_id>", "PATCH", body=schemas.CohortChange, response=schemas.Cohort)
def set_due_date(cohort_id: int, body):
    """Set or clear the cohort's due date (not before its start date)."""
    return writes.set_due_date(db.session, current_token(), cohort_id, body)


@operation(bp, "/cohorts/<int:cohort_id>/members", query=schemas.ListQuery, response=schemas.MemberPage)
def list_members(cohort_id: int, params):
    """A cohort's members, in the order they joined."""
    return reads.members(db.session, cohort_for(db.session, current_token(), cohort_id), params)


@operation(bp, "/cohorts/<int:cohort_id>/members", "POST", body=schemas.NewMember, response=schemas.Enrolment,
           status=201, responses={200: "Already a member or already invited", 202: "Existing account invited"})
def enrol_member(cohort_id: int, body):
    """Enrol someone: a new account joins at once (201); an existing trainee is invited and joins on accepting (202).
    """
    return writes.enrol_member(db.session, current_token(), cohort_id, body)


@operation(bp, "/cohorts/<int:cohort_id>/members/<int:trainee_id>", "DELETE", response=None, status=204)
def remove_member(cohort_id: int, trainee_id: int):
    """Take a trainee out of a cohort. Their progress, attempts and certificates are kept."""
    return writes.remove(db.session, current_token(), cohort_id, trainee_id)


@operation(bp, "/cohorts/<int:cohort_id>/members/<int:trainee_id>/due-date", "PUT", body=schemas.MemberDueDate,
           response=schemas.MemberDue)
def extend_due_date(cohort_id: int, trainee_id: int, body):
    """Give one trainee their own due date in a cohort (an extension), or null to follow the cohort's again.

    The same rule (not before the cohort's start) and audit (`member.due_date_changed`, with the reason) as the
    trainer's form on the trainee's record. Reminders, calendars and the cohort's overdue list follow it.
    """
    return writes.extend(db.session, current_token(), cohort_id, trainee_id, body)


@operation(bp, "/progress", query=schemas.ListQuery, response=schemas.ProgressPage,
           responses={503: "No course is published yet"})
def list_progress(params):
    """Each trainee's progress per module of the live course, changed since `updated_since`.

    A trainee's progress changes when they open or complete a lesson, start or finish an attempt or a scenario.
    When the live content version changes, every trainee's standing may change: sync everything again.
    """
    return reads.progress(db.session, current_token(), params) or _no_course()


def _no_course():
    raise ApiProblem(503, _("No course is published yet."))


@operation(bp, "/attempts", query=schemas.ListQuery, response=schemas.AttemptPage)
def list_attempts(params):
    """Quiz and exam attempt summaries: scores and outcomes, never questions, answers or answer keys."""
    return reads.attempts(db.session, current_token(), params)


@operation(bp, "/certificates", query=schemas.ListQuery, response=schemas.CertificatePage)
def list_certificates(params):
    """Certificates with their status now, changed (issued, revoked, superseded or expired) since `updated_since`."""
    return reads.certificates(db.session, current_token(), params)
