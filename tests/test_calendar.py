"""A trainee's due dates as an iCalendar feed at a secret URL they can replace or stop, and as a download,
parsed with the `icalendar` package."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, update

from course.extensions import db
from course.models import CalendarFeed, Certificate, Role, User, utcnow
from tests.certificate_steps import earn_certificate
from tests.conftest import post_form, signed_in

FEED = re.compile(r'value="http://localhost(/calendar/[\w-]+\.ics)"')


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER)


def events(body: bytes) -> dict[str, object]:
    calendar = Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def make_feed(client) -> str:
    response = post_form(client, "/calendar/url", form_url="/calendar")
    assert response.status_code == 200
    return FEED.search(response.get_data(as_text=True)).group(1)


def test_the_download_lists_each_cohort_due_date_as_an_all_day_event(app, trainee, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    due = date(2027, 3, 15)
    spring = make_cohort(trainer, [trainee], name="Spring intake", due_on=due)
    make_cohort(trainer, [trainee], name="No date")
    make_cohort(trainer, [make_user()], name="Not mine", due_on=date(2027, 1, 1))
    client = signed_in(app, trainee)
    assert "/calendar.ics" in client.get("/").get_data(as_text=True)
    response = client.get("/calendar.ics")
    assert response.status_code == 200
    assert response.content_type == "text/calendar; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    found = events(response.data)
    uid = f"due-{spring.id}-{trainee.id}@localhost"
    assert list(found) == [uid]
    event = found[uid]
    assert event.decoded("DTSTART") == due
    assert event.decoded("DTEND") == due + timedelta(days=1)
    assert str(event["SUMMARY"]) == "Training due: Spring intake"
    assert "DTSTAMP" in event
    assert events(client.get("/calendar.ics").data).keys() == found.keys()  # stable UIDs: apps update, not add


def test_the_feed_is_in_the_trainees_language_and_includes_renewal(app, trainee, make_user, make_cohort):
    with app.app_context():
        db.session.execute(update(User).where(User.id == trainee.id).values(locale="ko"))
        db.session.commit()
    make_cohort(make_user(Role.TRAINER), [trainee], name="가을 기수", due_on=date(2027, 9, 1))
    client = signed_in(app, trainee)
    certificate = earn_certificate(client, app)
    renew_on = utcnow() + timedelta(days=300)
    with app.app_context():
        db.session.execute(update(Certificate).values(renewal_due_at=renew_on,
                                                      expires_at=renew_on + timedelta(days=30)))
        db.session.commit()
    path = make_feed(client)
    found = events(app.test_client().get(path).data)
    summaries = sorted(str(e["SUMMARY"]) for e in found.values())
    assert summaries == ["교육 마감: 가을 기수", "수료증 갱신 시작", "수료증 만료"]
    renewal = found[f"renewal-{certificate.id}-{trainee.id}@localhost"]
    assert renewal.decoded("DTSTART") == renew_on.date()


def test_a_feed_url_works_without_signing_in_until_replaced_or_stopped(app, trainee, make_user, make_cohort):
    make_cohort(make_user(Role.TRAINER), [trainee], due_on=date(2027, 5, 1))
    client = signed_in(app, trainee)
    first = make_feed(client)
    anonymous = app.test_client()
    assert anonymous.get(first).status_code == 200
    second = make_feed(client)
    assert anonymous.get(first).status_code == 404
    assert anonymous.get(second).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(CalendarFeed))
        assert second.split("/")[-1].removesuffix(".ics") not in row.token_hash  # only a hash is stored
        assert len(row.token_hash) == 64
    assert "Stop my calendar address" in client.get("/calendar").get_data(as_text=True)
    response = post_form(client, "/calendar/revoke", form_url="/calendar")
    assert response.status_code == 302
    assert anonymous.get(second).status_code == 404
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_a_deactivated_account_has_no_feed(app, trainee):
    path = make_feed(signed_in(app, trainee))
    with app.app_context():
        db.session.execute(update(User).where(User.id == trainee.id).values(active=False))
        db.session.commit()
    assert app.test_client().get(path).status_code == 404


def test_calendar_pages_need_a_session_and_a_csrf_token(app, trainee):
    assert app.test_client().get("/calendar.ics").status_code == 302
    assert app.test_client().get("/calendar").status_code == 302
    assert signed_in(app, trainee).post("/calendar/url").status_code == 400
