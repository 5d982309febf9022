"""Completing the course issues a certificate at once; anyone can verify it by serial."""

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from course.certificates.serials import (
    ALPHABET,
    SerialError,
    check_character,
    new_serial,
    normalise_serial,
)
from course.certificates.services import add_months
from course.extensions import db
from course.models import AuditEvent, Certificate, Role
from tests.conftest import attempt_answers, post_form


def complete_module(client, app, module, lessons):
    for lesson in lessons:
        url = f"/modules/{module}/lessons/{lesson}"
        post_form(client, f"{url}/complete", form_url=url + "?note=read")
    quiz = f"/modules/{module}/quiz"
    response = post_form(client, f"{quiz}/start", form_url=quiz)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    data = {**attempt_answers(app, attempt_id), "action": "submit"}
    return post_form(client, f"/attempts/{attempt_id}", data, form_url=quiz)


def complete_course(client, app):
    complete_module(client, app, "basics", ["first", "second"])
    return complete_module(client, app, "practice", ["only"])


def certificates(app):
    with app.app_context():
        return db.session.scalars(select(Certificate)).all()


def test_completing_the_last_requirement_issues_a_certificate_in_the_same_request(client, app, trainee):
    complete_module(client, app, "basics", ["first", "second"])
    assert certificates(app) == []
    response = complete_course(client, app)
    [certificate] = certificates(app)
    assert certificate.recipient_name == trainee.name
    assert certificate.course_title == "Test Course"
    assert certificate.credit_hours == 2
    assert certificate.academy_name == "Test Academy"
    assert certificate.expires_at.year == certificate.issued_at.year + 2
    assert [m["slug"] for m in certificate.modules] == ["basics", "practice"]
    assert re.fullmatch(r"[0-9A-Z]{4}(-[0-9A-Z]{4}){3}-[0-9A-Z]", certificate.serial)
    with app.app_context():
        issued = select(func.count(AuditEvent.id)).where(AuditEvent.action == "certificate.issued")
        assert db.session.scalar(issued) == 1
    result = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your certificate is ready" in result
    dashboard = client.get("/").get_data(as_text=True)
    assert certificate.serial in dashboard
    assert "Your certificate" in dashboard


def test_a_module_is_not_complete_until_every_lesson_is_done(client, app, trainee):
    complete_module(client, app, "basics", ["first"])  # quiz passed, one lesson left
    complete_module(client, app, "practice", ["only"])
    assert certificates(app) == []
    url = "/modules/basics/lessons/second"
    response = post_form(client, f"{url}/complete", form_url=url + "?note=read")
    assert response.headers["Location"] == "/certificates"
    assert len(certificates(app)) == 1


def test_repeating_completion_does_not_issue_a_second_certificate(client, app, trainee):
    complete_course(client, app)
    complete_module(client, app, "practice", ["only"])
    assert len(certificates(app)) == 1


def test_anyone_can_verify_a_certificate_without_signing_in(client, app, trainee, auth):
    complete_course(client, app)
    [certificate] = certificates(app)
    auth.logout()
    html = client.get(f"/verify/{certificate.serial}").get_data(as_text=True)
    assert "Valid" in html
    assert trainee.name in html
    assert "Test Course" in html
    assert "Test Academy" in html
    assert trainee.email not in html


def test_verify_tolerates_case_and_missing_dashes(client, app, trainee):
    complete_course(client, app)
    [certificate] = certificates(app)
    typed = certificate.serial.replace("-", "").lower()
    response = client.get(f"/verify/{typed}")
    assert response.status_code == 301
    assert response.headers["Location"] == f"/verify/{certificate.serial}"
    form = client.get(f"/verify?serial={typed}")
    assert form.headers["Location"] == f"/verify/{certificate.serial}"


def test_an_unknown_serial_gets_a_clear_not_found(client):
    serial = new_serial()
    response = client.get(f"/verify/{serial}")
    assert response.status_code == 404
    assert "No certificate with this serial exists" in response.get_data(as_text=True)


def test_a_mistyped_serial_is_caught_by_its_check_character(client):
    serial = new_serial()
    last = serial[-1]
    typo = serial[:-1] + ALPHABET[(ALPHABET.index(last) + 1) % len(ALPHABET)]
    response = client.get(f"/verify/{typo}")
    assert response.status_code == 404
    assert "typing mistake" in response.get_data(as_text=True)
    assert client.get("/verify?serial=hello").status_code == 400


def test_a_trainee_cannot_open_another_trainees_certificate_page(client, app, trainee, make_user, auth):
    complete_course(client, app)
    [certificate] = certificates(app)
    assert client.get(f"/certificates/{certificate.serial}").status_code == 200
    auth.logout()
    auth.login(make_user(Role.TRAINEE).email)
    assert client.get(f"/certificates/{certificate.serial}").status_code == 404
    assert certificate.serial not in client.get("/certificates").get_data(as_text=True)


def test_an_admin_can_open_any_certificate_page(client, app, trainee, make_user, auth):
    complete_course(client, app)
    [certificate] = certificates(app)
    auth.logout()
    auth.login(make_user(Role.ADMIN).email)
    assert client.get(f"/certificates/{certificate.serial}").status_code == 200


@given(st.text(alphabet=ALPHABET, min_size=16, max_size=16), st.integers(min_value=0, max_value=16),
       st.integers(min_value=1, max_value=31))
def test_any_single_character_typo_is_detected(body, position, shift):
    compact = body + check_character(body)
    wrong = ALPHABET[(ALPHABET.index(compact[position]) + shift) % len(ALPHABET)]
    typo = compact[:position] + wrong + compact[position + 1:]
    with pytest.raises(SerialError):
        normalise_serial(typo)


@given(st.text(alphabet=ALPHABET, min_size=16, max_size=16), st.integers(min_value=0, max_value=14))
def test_swapping_two_neighbours_is_detected(body, position):
    # Luhn mod N misses exactly one swap: the first and last symbols of the alphabet ("0Z" <-> "Z0").
    pair = {body[position], body[position + 1]}
    if len(pair) == 1 or pair == {"0", "Z"}:
        return
    compact = body + check_character(body)
    swapped = compact[:position] + compact[position + 1] + compact[position] + compact[position + 2:]
    with pytest.raises(SerialError):
        normalise_serial(swapped)


def test_confusable_letters_are_read_as_digits():
    serial = new_serial()
    assert normalise_serial(serial.replace("0", "o").replace("1", "l")) == serial


@pytest.mark.parametrize(("start", "months", "expected"), [
    (datetime(2026, 1, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2024, 2, 29, tzinfo=UTC), 24, datetime(2026, 2, 28, tzinfo=UTC)),
    (datetime(2026, 11, 25, tzinfo=UTC), 24, datetime(2028, 11, 25, tzinfo=UTC)),
    (datetime(2026, 11, 25, tzinfo=UTC), 2, datetime(2027, 1, 25, tzinfo=UTC)),
])
def test_expiry_adds_calendar_months(start, months, expected):
    assert add_months(start, months) == expected
