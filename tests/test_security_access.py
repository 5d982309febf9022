"""Who may see whose records: a trainer reaches a trainee's record only with the trainee's consent (F1), and
only the cohort that created a pending account, or an admin, may issue its password links (F2)."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from course.extensions import db
from course.models import CohortInvitation, CohortMember, Role, User
from tests.conftest import post_form, signed_in


def upload(client, cohort_id: int, roster: str):
    return post_form(client, f"/trainer/cohorts/{cohort_id}/import",
                     {"file": (io.BytesIO(roster.encode()), "roster.csv"), "output": "page"},
                     content_type="multipart/form-data")


def members(app, cohort_id: int) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))


def answer_invitation(client, answer: str):
    dashboard = client.get("/").get_data(as_text=True)
    action = re.search(r'action="(/invitations/\d+)"', dashboard).group(1)
    return post_form(client, action, {"answer": answer}, form_url="/")


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER, Role.ADMIN])
def test_importing_an_existing_email_does_not_reveal_its_record(app, make_user, make_cohort, role):
    mine, theirs = make_user(Role.TRAINER), make_user(Role.TRAINER)
    target = make_user(role)
    make_cohort(theirs, [target] if role == Role.TRAINEE else [], name="Their cohort")
    cohort = make_cohort(mine, name="My cohort")
    client = signed_in(app, mine)
    assert upload(client, cohort.id, f"{target.email},Someone\n").status_code == 200
    assert target.id not in members(app, cohort.id)
    assert client.get(f"/trainer/cohorts/{cohort.id}/trainees/{target.id}").status_code == 404
    assert target.name not in client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)


def test_staff_accounts_are_never_invited_as_trainees(app, make_user, make_cohort):
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    cohort = make_cohort(trainer)
    html = upload(signed_in(app, trainer), cohort.id, f"{admin.email},Admin\n").get_data(as_text=True)
    assert "staff are not enrolled as trainees" in html
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortInvitation.id))) == 0


def test_an_invited_trainee_joins_only_by_accepting(app, make_user, make_cohort):
    trainer, trainee = make_user(Role.TRAINER), make_user(Role.TRAINEE)
    cohort = make_cohort(trainer, name="Autumn intake")
    upload(signed_in(app, trainer), cohort.id, f"{trainee.email},Trainee\n")
    client = signed_in(app, trainee)
    assert "You are invited to join Autumn intake" in client.get("/").get_data(as_text=True)
    assert answer_invitation(client, "accept").status_code == 302
    assert trainee.id in members(app, cohort.id)
    assert "invited to join" not in client.get("/").get_data(as_text=True)
    assert signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}").status_code == 200


def test_a_declined_invitation_shares_nothing(app, make_user, make_cohort):
    trainer, trainee = make_user(Role.TRAINER), make_user(Role.TRAINEE)
    cohort = make_cohort(trainer)
    upload(signed_in(app, trainer), cohort.id, f"{trainee.email},Trainee\n")
    client = signed_in(app, trainee)
    assert answer_invitation(client, "decline").status_code == 302
    assert trainee.id not in members(app, cohort.id)
    assert "invited to join" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(CohortInvitation.id))) == 0


def test_nobody_answers_another_persons_invitation(app, make_user, make_cohort):
    trainer, invited, other = make_user(Role.TRAINER), make_user(), make_user()
    cohort = make_cohort(trainer)
    upload(signed_in(app, trainer), cohort.id, f"{invited.email},Invited\n")
    with app.app_context():
        invitation_id = db.session.scalar(select(CohortInvitation.id))
    response = post_form(signed_in(app, other), f"/invitations/{invitation_id}", {"answer": "accept"}, form_url="/")
    assert response.status_code == 404
    assert members(app, cohort.id) == set()


def test_staff_cannot_join_a_cohort_through_its_link(app, make_user, make_cohort):
    from course.models import Cohort

    cohort = make_cohort(make_user(Role.TRAINER))
    with app.app_context():
        code = db.session.get(Cohort, cohort.id).invite_code
    response = post_form(signed_in(app, make_user(Role.ADMIN)), f"/join/{code}")
    assert response.status_code == 409
    assert members(app, cohort.id) == set()


def test_invited_accounts_get_an_email_when_mail_is_set_up(make_app, make_user, make_cohort, monkeypatch):
    from course.core import mail
    from tests.test_security_auth import FakeSMTP

    FakeSMTP.sent = []
    monkeypatch.setattr(mail, "SMTP", FakeSMTP)
    app = make_app(MAIL_SERVER="smtp.example", PUBLIC_BASE_URL="https://dignity.example")
    trainer, trainee = make_user(Role.TRAINER), make_user(Role.TRAINEE)
    cohort = make_cohort(trainer, name="Mail cohort")
    post_form(signed_in(app, trainer), f"/trainer/cohorts/{cohort.id}/import",
              {"file": (io.BytesIO(f"{trainee.email},T\n".encode()), "r.csv"), "output": "page"},
              content_type="multipart/form-data")
    [message] = FakeSMTP.sent
    assert message["To"] == trainee.email
    assert "invited you to join Mail cohort" in message.get_content()
    assert "https://dignity.example/" in message.get_content()


def test_only_the_creating_cohort_issues_a_pending_accounts_password_link(app, make_user, make_cohort):
    creator, other = make_user(Role.TRAINER), make_user(Role.TRAINER)
    theirs, mine = make_cohort(creator, name="Creator's cohort"), make_cohort(other, name="Other cohort")
    upload(signed_in(app, creator), theirs.id, "pending@academy.example,Pending Person\n")
    with app.app_context():
        pending = db.session.scalar(select(User).where(User.email == "pending@academy.example"))
        # Even were it a member of the other cohort (say, from before invitations existed)...
        db.session.add(CohortMember(cohort_id=mine.id, user_id=pending.id))
        db.session.commit()
    page = f"/trainer/cohorts/{mine.id}/trainees/{pending.id}"
    response = post_form(signed_in(app, other), f"{page}/password-link", form_url=page)
    assert response.status_code == 403
    assert "set-password/" not in response.get_data(as_text=True)
    page = f"/trainer/cohorts/{theirs.id}/trainees/{pending.id}"
    assert post_form(signed_in(app, creator), f"{page}/password-link", form_url=page).status_code == 302
    admin = signed_in(app, make_user(Role.ADMIN))
    page = f"/trainer/cohorts/{mine.id}/trainees/{pending.id}"
    assert post_form(admin, f"{page}/password-link", form_url=page).status_code == 302


def test_the_migration_ties_each_pending_account_to_its_first_cohort(tmp_path):
    from datetime import datetime

    import sqlalchemy as sa

    from course import create_app
    from course.config import testing_config
    from course.extensions import alembic
    from tests.conftest import FIXTURE_CONTENT

    config = {**testing_config(tmp_path, FIXTURE_CONTENT),
              "SQLALCHEMY_ENGINES": {"default": f"sqlite:///{tmp_path / 'before-invitations.db'}"}}
    app = create_app(config)
    at = datetime(2026, 11, 1, 9, 0)
    with app.app_context():
        alembic.upgrade("1795573000")
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO users (id, email, name, password_hash, role, active, created_at, session_version, "
                "failed_logins) VALUES (1, 't@a.example', 'T', 'x', 'trainer', 1, :at, 1, 0), "
                "(2, 'p@a.example', 'P', '!', 'trainee', 1, :at, 1, 0), (3, 's@a.example', 'S', 'x', 'trainee', 1, "
                ":at, 1, 0)"), {"at": at})
            connection.execute(sa.text(
                "INSERT INTO cohorts (id, name, description, starts_on, created_by_id, created_at, invite_code) "
                "VALUES (1, 'First', '', '2026-11-01', 1, :at, 'a'), (2, 'Second', '', '2026-11-01', 1, :at, 'b')"),
                {"at": at})
            connection.execute(sa.text(
                "INSERT INTO cohort_members (id, cohort_id, user_id, joined_at) VALUES (1, 1, 2, :at), "
                "(2, 2, 2, :at), (3, 1, 3, :at)"), {"at": at})
        alembic.upgrade()
        with db.engine.connect() as connection:
            created = connection.execute(sa.text("SELECT id, created_account FROM cohort_members ORDER BY id")).all()
        db.engine.dispose()
    assert [(row_id, bool(flag)) for row_id, flag in created] == [(1, True), (2, False), (3, False)]


def test_the_cohort_page_lists_invited_emails_but_not_their_names(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    invited = make_user(email="quiet@academy.example", name="Private Person")
    cohort = make_cohort(trainer)
    client = signed_in(app, trainer)
    upload(client, cohort.id, "quiet@academy.example,Someone\n")
    page = client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Invited, not yet answered" in page
    assert "quiet@academy.example" in page
    assert invited.name not in page
