"""Schemathesis (not our code) generates requests from /api/v1/openapi.json and checks every answer against it.

It runs in-process through the app's WSGI interface, on SQLite only: the suite runs heavy checks once, and the
API's SQL is the same on both databases (tests/test_api*.py cover PostgreSQL).
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate
from schemathesis.config import SchemathesisConfig

from course.extensions import db
from course.models import CohortMember, Role
from tests.api_fixtures import bearer
from tests.conftest import signed_in
from tests.test_certificates import complete_course

SQLITE_ONLY = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgresql"),
    reason="Schemathesis runs once, on SQLite: it is slow and the OpenAPI contract does not depend on the database")
EXAMPLES = 15
# A schema cannot say which cohorts exist or which addresses the roster rule accepts: for a schema-valid body
# that breaks such a rule, 422 with field detail is the documented answer. A 400 or 415 still fails the check.
CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})


@pytest.fixture
def api_app(app, make_user, make_cohort, make_token):
    """The app with something to read: a cohort of two trainees, one holding a certificate."""
    trainer, done, started = make_user(Role.TRAINER), make_user(), make_user()
    cohort = make_cohort(trainer, [done, started], due_on=date(2027, 6, 30))
    complete_course(signed_in(app, done), app)
    app.config["API_TOKEN"] = make_token("write", name="schemathesis")
    app.config["API_RATE_LIMIT"] = "100000/minute"
    app.config["API_COHORT_ID"] = cohort.id
    with app.app_context():
        assert db.session.query(CohortMember).count() == 2
    return app


def test_the_document_is_valid_openapi_3_1(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    validate(document)
    assert {"/api/v1/trainees", "/api/v1/progress", "/api/v1/certificates"} <= set(document["paths"])


@SQLITE_ONLY
def test_every_answer_matches_the_document(api_app):
    """For each operation, generated requests (valid and not) get no 5xx and answers that match the document."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app, config=CONFIG)
    headers = bearer(api_app.config["API_TOKEN"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def check(case):
            case.call_and_validate(headers=headers)

        check()
