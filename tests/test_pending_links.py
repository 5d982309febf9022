"""Every member still waiting to set a password can get a link at any later time: a streamed CSV of new links
(which end the old ones), or one email each. Before this, a 5,000-row import showed 1,000 links and the rest
could only be made one at a time."""

import io
import re

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.models import AuditEvent, CohortMember, Notice, PasswordToken, Role, User
from tests.conftest import post_form, signed_in

LINK = re.compile(r"http://localhost(/set-password/[\w-]+)")


@pytest.fixture
def trainer(make_user):
    return make_user(Role.TRAINER, name="Tae Trainer")


def import_roster(client, cohort_id, rows):
    roster = "".join(f"officer{n}@police.example,Officer {n},B{n}\n" for n in range(rows))
    return post_form(client, f"/trainer/cohorts/{cohort_id}/import",
                     {"file": (io.BytesIO(roster.encode()), "roster.csv"), "output": "page"},
                     content_type="multipart/form-data")


def download_links(client, cohort_id):
    response = post_form(client, f"/trainer/cohorts/{cohort_id}/pending/links.csv",
                         form_url=f"/trainer/cohorts/{cohort_id}/pending")
    assert response.status_code == 200, response.status_code
    assert response.is_streamed
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "email,name,badge_number,set_password_link"
    return {line.split(",")[0]: line.split(",")[3] for line in lines[1:]}


def test_every_pending_member_of_a_large_import_gets_a_working_link(app, trainer, make_cohort, count_queries):
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    page = import_roster(client, cohort.id, 1200).get_data(as_text=True)
    shown = re.findall(r"/set-password/[\w-]+", page)
    assert len(shown) == 1000  # the page still shows the first 1,000; the rest come from the pending page
    assert f"/trainer/cohorts/{cohort.id}/pending" in page
    assert "1200 members of this cohort have not set a password yet." in client.get(
        f"/trainer/cohorts/{cohort.id}/pending").get_data(as_text=True)

    with count_queries() as statements:
        links = download_links(client, cohort.id)
    assert len(links) == 1200
    assert len({*links.values()}) == 1200
    assert len(statements) < 30  # a few statements per page of 500, not per member

    anonymous = app.test_client()
    assert anonymous.get(shown[0]).status_code == 404  # a new list ends every earlier link
    last = links["officer1199@police.example"]
    assert last.startswith("http://localhost/set-password/")
    assert anonymous.get(last.removeprefix("http://localhost")).status_code == 200
    again = download_links(client, cohort.id)
    assert anonymous.get(last.removeprefix("http://localhost")).status_code == 404
    assert anonymous.get(again["officer1199@police.example"].removeprefix("http://localhost")).status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(PasswordToken.id)).where(PasswordToken.used_at.is_(None))) == 1200
        assert db.session.scalar(select(func.count(AuditEvent.id))
                                 .where(AuditEvent.action == "cohort.password_links_reissued")) == 6


def test_members_who_set_a_password_or_joined_another_way_get_no_link(app, make_user, trainer, make_cohort):
    existing = make_user(email="kim@police.example")
    cohort = make_cohort(trainer, [existing])
    client = signed_in(app, trainer)
    import_roster(client, cohort.id, 3)
    links = download_links(client, cohort.id)
    assert sorted(links) == ["officer0@police.example", "officer1@police.example", "officer2@police.example"]
    response = post_form(app.test_client(), links["officer0@police.example"].removeprefix("http://localhost"),
                         {"password": "a much longer passphrase 42", "confirm": "a much longer passphrase 42"})
    assert response.status_code == 302
    assert sorted(download_links(client, cohort.id)) == ["officer1@police.example", "officer2@police.example"]


def test_only_the_cohorts_trainers_and_admins_get_the_links(app, make_user, trainer, make_cohort):
    cohort = make_cohort(trainer)
    import_roster(signed_in(app, trainer), cohort.id, 2)
    other = signed_in(app, make_user(Role.TRAINER))
    url = f"/trainer/cohorts/{cohort.id}/pending"
    assert other.get(url).status_code == 404
    token_page = signed_in(app, trainer)
    response = post_form(other, f"{url}/links.csv", form_url="/account")
    assert response.status_code == 404
    assert signed_in(app, make_user()).get(url).status_code == 403
    assert token_page.post(f"{url}/links.csv").status_code == 400  # no CSRF token
    assert len(download_links(signed_in(app, make_user(Role.ADMIN)), cohort.id)) == 2


def test_without_email_the_page_offers_only_the_download(app, trainer, make_cohort):
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    import_roster(client, cohort.id, 1)
    page = client.get(f"/trainer/cohorts/{cohort.id}/pending").get_data(as_text=True)
    assert "Email is not set up" in page
    assert "Download every link (CSV)" in page
    response = post_form(client, f"/trainer/cohorts/{cohort.id}/pending/email",
                         form_url=f"/trainer/cohorts/{cohort.id}/pending")
    assert response.status_code == 409


def test_emailing_every_link_sends_each_member_one_working_link(smtp_app, smtp_server, make_user, make_cohort):
    mailbox, _port = smtp_server
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer, name="Autumn intake")
    client = signed_in(smtp_app, trainer)
    import_roster(client, cohort.id, 30)
    old = download_links(client, cohort.id)
    pending = f"/trainer/cohorts/{cohort.id}/pending"
    response = post_form(client, f"{pending}/email", form_url=pending)
    assert response.status_code == 302
    assert response.location.endswith(f"/trainer/cohorts/{cohort.id}/emails")
    post_form(client, f"{pending}/email", form_url=pending)  # a double click queues nothing more
    with smtp_app.app_context():
        assert db.session.scalar(select(func.count(Notice.id))) == 30
    response = post_form(smtp_app.test_client(), old["officer0@police.example"].removeprefix("http://localhost"),
                         {"password": "a much longer passphrase 42", "confirm": "a much longer passphrase 42"})
    assert response.status_code == 302  # one of them sets a password before the run: they get no email
    result = smtp_app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 29, failed 0 (retried next run), skipped 1." in result.output
    assert len(mailbox.messages) == 29
    assert mailbox.to("officer0@police.example") == []
    [message] = mailbox.to("officer7@police.example")
    text = message.get_body(("plain",)).get_content()
    assert "Autumn intake" in text
    path = LINK.search(text).group(1)
    anonymous = smtp_app.test_client()
    assert anonymous.get(path).status_code == 200
    assert anonymous.get(old["officer7@police.example"].removeprefix("http://localhost")).status_code == 404
    log = client.get(f"/trainer/cohorts/{cohort.id}/emails").get_data(as_text=True)
    assert "officer7@police.example" in log
    assert "Not sent" in log
    assert "they have already set a password" in log
    assert "Set-password link" in log
    with smtp_app.app_context():
        assert db.session.scalar(select(func.count(CohortMember.id))) == 30
        assert db.session.scalar(select(func.count(User.id)).where(User.role == "trainee")) == 30
