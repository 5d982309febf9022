"""The command line: creating users, first-run setup with demo accounts."""

from sqlalchemy import func, select

from course.extensions import db
from course.models import ContentVersion, Role, User
from tests.conftest import post_form


def users(app):
    with app.app_context():
        return db.session.scalars(select(User).order_by(User.id)).all()


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "--email", "Trainer@Academy.example", "--name", "Kim Trainer",
                                 "--role", "trainer"], input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "Created trainer trainer@academy.example" in result.output
    [user] = users(app)
    assert user.role == Role.TRAINER
    assert user.name == "Kim Trainer"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_short_passwords_and_duplicates(app, runner, make_user):
    short = runner.invoke(args=["users", "create", "--email", "a@academy.example", "--name", "A"], input="short\n")
    assert short.exit_code == 1
    assert "at least 12" in short.output
    make_user(email="b@academy.example")
    duplicate = runner.invoke(args=["users", "create", "--email", "b@academy.example", "--name", "B"],
                              input="a long enough password\n")
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    assert len(users(app)) == 1


def test_users_create_rejects_unknown_roles(runner):
    result = runner.invoke(args=["users", "create", "--email", "c@academy.example", "--name", "C", "--role", "chief"],
                           input="a long enough password\n")
    assert result.exit_code == 2


def test_setup_creates_demo_accounts_once_and_keeps_data(make_app):
    app = make_app(sync=False)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    assert "Demo accounts" in first.output
    created = users(app)
    assert sorted(u.role for u in created) == ["admin", "trainee", "trainee", "trainee", "trainer"]
    demo_file = app.instance_path + "/demo-accounts.txt"
    lines = open(demo_file, encoding="utf-8").read().splitlines()
    assert len(lines) == 5
    email, password = lines[0].split()[1:3]
    assert email in first.output
    assert password in first.output
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0
    assert "Accounts exist already" in second.output
    assert [u.id for u in users(app)] == [u.id for u in created]
    with app.app_context():
        assert db.session.scalar(select(func.count(ContentVersion.id))) == 1


def test_demo_passwords_sign_in(make_app):
    app = make_app(sync=False)
    app.test_cli_runner().invoke(args=["setup"])
    _role, email, password = open(app.instance_path + "/demo-accounts.txt").readline().split()
    client = app.test_client()
    response = post_form(client, "/login", {"email": email, "password": password})
    assert response.status_code == 302
