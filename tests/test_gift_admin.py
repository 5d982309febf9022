"""The admin's question import page: upload a GIFT file, read the per-question report, export a module."""

import io
import shutil

import pytest
import yaml
from sqlalchemy import select

from course.extensions import db
from course.models import AuditEvent, Role
from tests.conftest import FIXTURE_CONTENT, post_form, signed_in
from tests.test_gift import GOOD, MOODLE


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


@pytest.fixture
def site(make_app, content):
    return make_app(content_dir=content)


def upload(client, data: bytes, name="questions.gift.txt", **fields):
    return post_form(client, "/admin/questions/import",
                     {"module": "basics", **fields, "file": (io.BytesIO(data), name)},
                     content_type="multipart/form-data")


@pytest.mark.parametrize("role", [Role.TRAINEE, Role.TRAINER])
def test_only_admins_import_or_export_questions(site, make_user, role):
    client = signed_in(site, make_user(role))
    assert client.get("/admin/questions/import").status_code == 403
    assert client.get("/admin/questions/export/basics.gift").status_code == 403


def test_an_admin_imports_moodles_examples_and_reads_why_for_each_question(site, make_user, content):
    client = signed_in(site, make_user(Role.ADMIN))
    response = upload(client, (MOODLE / "examples.txt").read_bytes(), objective="basics-one")
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert "0 imported, 23 as drafts, 20 skipped." in page
    assert "matching questions (-&gt;) are not supported" in page
    assert "no source (&#39;// source: ID&#39;)" in page
    drafts = yaml.safe_load((content / "01-basics" / "drafts.yaml").read_text())["questions"]
    assert {d["objective"] for d in drafts} == {"basics-one"}  # the form's default filled what the file lacked
    with site.app_context():
        [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "content.gift_imported")).all()
        assert event.details["drafts"] == 23


def test_a_preview_changes_nothing_and_a_complete_file_joins_the_bank(site, make_user, content):
    client = signed_in(site, make_user(Role.ADMIN))
    before = (content / "01-basics" / "quiz.yaml").read_text()
    page = upload(client, GOOD.encode(), dry_run="y").get_data(as_text=True)
    assert "Preview: nothing was changed" in page
    assert "3 imported, 0 as drafts, 0 skipped." in page
    assert (content / "01-basics" / "quiz.yaml").read_text() == before
    page = upload(client, GOOD.encode()).get_data(as_text=True)
    assert "3 imported" in page
    ids = [q["id"] for q in yaml.safe_load((content / "01-basics" / "quiz.yaml").read_text())["questions"]]
    assert ids[-3:] == ["basics-g01", "basics-g02", "basics-g03"]
    exported = client.get("/admin/questions/export/basics.gift")
    assert exported.status_code == 200
    assert "::basics-g02::" in exported.get_data(as_text=True)
    assert client.get("/admin/questions/export/nope.gift").status_code == 404


@pytest.mark.parametrize(("data", "name", "fields", "message"), [
    (b"\xff\xfe\x00broken", "q.gift", {}, "not UTF-8"),
    (b"// only a comment\n", "q.gift", {}, "holds no questions"),
    (GOOD.encode(), "q.pdf", {}, "Upload a .txt or .gift file."),
    (GOOD.encode(), "q.gift", {"module": "nope"}, "Not a valid choice"),
    (GOOD.encode(), "q.gift", {"level": "hard"}, "Not a valid choice"),
    (GOOD.encode(), "q.gift", {"objective": "Bad Id!"}, "lower-case letters"),
])
def test_bad_uploads_get_a_clear_error_and_change_nothing(site, make_user, content, data, name, fields, message):
    client = signed_in(site, make_user(Role.ADMIN))
    before = (content / "01-basics" / "quiz.yaml").read_text()
    response = upload(client, data, name, **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (content / "01-basics" / "quiz.yaml").read_text() == before
    assert not (content / "01-basics" / "drafts.yaml").exists()
