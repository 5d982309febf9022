"""The academy's procedures: slots filled in by an admin show in lessons, scenarios and job aids (HTML and PDF);
empty ones show a notice, never a template mark; content check rejects unknown slots."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from course.content.checks import check_course
from course.content.publish import ContentInvalid, sync_content
from course.core.procedures import SLOTS
from course.extensions import db
from course.models import AuditEvent, Role, Setting
from tests.conftest import FIXTURE_CONTENT, post_form, signed_in

JOB_AIDS = Path(__file__).parent.parent / "modules" / "job-aids"
SLUGS = ["first-contact", "evidence-without-harm", "emergency-takedown", "threat-risk-check", "media-enquiry"]
LESSON = "/modules/basics/lessons/first"
FILLED = {
    "trainee_support": "Peer support line: ask the welfare desk, room 5B.",
    "support_organisations": "- **Harbour Centre**: deletion help and counselling; call the front desk.\n"
                             "- **Lantern Aid**: legal advice; visit the city office.",
    "takedown_unit": "Takedown desk of the cyber bureau, extension TK-NINE",
    "digital_evidence_unit": "Forensic lab, building C",
    "escalation_contact": "Duty inspector via the control room",
    "safeguarding_contact": "Youth protection desk, child team",
    "crisis_referral": "Crisis team on the hospital line",
    "preservation_legal_basis": "Preservation order form P-A under the local data act",
    "seizure_legal_basis": "Seizure warrant under the local procedure code",
    "media_office": "Press office, headquarters",
}
NOTICE = "Your academy has not set this yet"
LESSON_LINK = re.compile(r"\]\(/modules/[^)]+\)")


def with_slots(root: Path) -> Path:
    """The fixture course, with slot references in a lesson, its content note and the scenario, and the job aids."""
    shutil.copytree(FIXTURE_CONTENT, root)
    lesson = root / "01-basics" / "lessons" / "01-first.md"
    text = lesson.read_text(encoding="utf-8")
    text = text.replace("sources: [src-a]\n", "sources: [src-a]\ncontent_note: 'Talks about reports. "
                                              "Support: {{ procedure.trainee_support }}'\n", 1)
    text = text.replace("## In practice", "Ask {{ procedure.takedown_unit }} today.\n\n"
                                          "{{ procedure.support_organisations }}\n\n## In practice")
    lesson.write_text(text, encoding="utf-8")
    scenario = root / "02-practice" / "scenario.yaml"
    text = scenario.read_text(encoding="utf-8")
    text = text.replace("situation: The first situation.",
                        'situation: "The first situation. Call {{ procedure.escalation_contact }}."')
    text = text.replace("{text: Interrupt,", '{text: "Interrupt and phone {{ procedure.media_office }}",')
    scenario.write_text(text, encoding="utf-8")
    shutil.copytree(JOB_AIDS, root / "job-aids")
    for aid in (root / "job-aids").glob("*.md"):  # the real aids link to the real lessons and cite "18"
        aid.write_text(LESSON_LINK.sub("](/glossary)", aid.read_text(encoding="utf-8")), encoding="utf-8")
    with (root / "figures.yaml").open("a", encoding="utf-8") as figures:
        figures.write('  - {figure: "18", source: "test", note: "under 18"}\n')
    return root


@pytest.fixture
def course_dir(tmp_path):
    return with_slots(tmp_path / "content")


@pytest.fixture
def slot_app(app, make_app, course_dir):
    """After `app` (which make_user builds on), so that this course is the one published."""
    return make_app(course_dir)


def fill_all(app, admin, values=FILLED, locale="en"):
    client = signed_in(app, admin)
    data = {f"{name}__{locale}": text for name, text in values.items()}
    response = post_form(client, "/admin/procedures", data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def pdf_text(client, slug) -> str:
    response = client.get(f"/job-aids/{slug}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1, f"{slug} is more than one page"
    return " ".join(reader.pages[0].extract_text().split())


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_filled_slots_show_in_the_lesson_the_scenario_and_every_job_aid(slot_app, make_user):
    admin, trainee = make_user(Role.ADMIN), make_user(Role.TRAINEE)
    fill_all(slot_app, admin)
    client = signed_in(slot_app, trainee)
    note = client.get(LESSON).get_data(as_text=True)
    assert FILLED["trainee_support"] in note
    assert NOTICE not in note
    lesson = client.get(f"{LESSON}?note=read").get_data(as_text=True)
    assert FILLED["takedown_unit"] in lesson
    assert "<strong>Harbour Centre</strong>" in lesson  # the value's Markdown is rendered
    assert "{{" not in lesson
    assert "procedure." not in lesson
    response = post_form(client, "/modules/practice/scenario/start", form_url="/modules/practice/scenario")
    step = client.get(response.headers["Location"]).get_data(as_text=True)
    assert FILLED["escalation_contact"] in step
    assert FILLED["media_office"] in step
    assert "{{" not in step
    for slug in SLUGS:
        page = client.get(f"/job-aids/{slug}").get_data(as_text=True)
        assert "{{" not in page
        assert NOTICE not in words(page.split("<footer")[0])
        text = pdf_text(client, slug)
        assert "{{" not in text
        assert "procedure." not in text
        assert NOTICE not in text
    assert "Takedown desk of the cyber bureau" in pdf_text(client, "emergency-takedown")
    assert "Harbour Centre" in pdf_text(client, "media-enquiry")
    assert "Press office" in pdf_text(client, "media-enquiry")
    assert "Preservation order form P-A" in pdf_text(client, "evidence-without-harm")
    assert "Crisis team on the hospital line" in pdf_text(client, "threat-risk-check")
    assert "Youth protection desk" in pdf_text(client, "first-contact")


def test_empty_slots_show_the_notice_and_no_pdf_holds_a_template_mark(slot_app, make_user):
    client = signed_in(slot_app, make_user(Role.TRAINEE))
    lesson = client.get(f"{LESSON}?note=read").get_data(as_text=True)
    assert lesson.count(NOTICE) >= 3  # takedown unit, support organisations, trainee support in the footer
    assert '<div class="procedure-missing" role="note">' in lesson
    assert "{{" not in lesson
    assert "Set it now" not in lesson  # the link to the procedures page is for admins only
    assert NOTICE in client.get(LESSON).get_data(as_text=True)  # the content note's support contact
    for slug in SLUGS:
        text = pdf_text(client, slug)
        assert NOTICE in text
        assert "{{" not in text
        assert "}}" not in text
        assert "procedure." not in text
    listing = client.get("/job-aids").get_data(as_text=True)
    assert all(f'href="/job-aids/{slug}"' in listing for slug in SLUGS)


def test_a_change_shows_at_once_without_republishing_and_falls_back_to_the_other_language(slot_app, make_user):
    admin, trainee = make_user(Role.ADMIN), make_user(Role.TRAINEE)
    client = signed_in(slot_app, trainee)
    assert NOTICE in client.get(f"{LESSON}?note=read").get_data(as_text=True)
    fill_all(slot_app, admin, {"takedown_unit": "디지털성범죄 삭제지원 담당 부서"}, locale="ko")
    lesson = client.get(f"{LESSON}?note=read").get_data(as_text=True)
    # Only Korean is filled in, so the English page falls back to it, marked as Korean.
    assert '<span class="procedure-slot" lang="ko">디지털성범죄 삭제지원 담당 부서</span>' in lesson
    fill_all(slot_app, admin, {"takedown_unit": "Takedown desk"}, locale="en")
    assert "Takedown desk" in client.get(f"{LESSON}?note=read").get_data(as_text=True)


def test_korean_job_aid_pdf_renders_hangul_with_the_korean_font(slot_app, make_user):
    admin = make_user(Role.ADMIN)
    fill_all(slot_app, admin, {"takedown_unit": "사이버수사대 삭제지원팀", "media_office": "본청 홍보실"}, locale="ko")
    client = signed_in(slot_app, make_user(Role.TRAINEE))
    response = client.get("/job-aids/emergency-takedown.pdf", headers={"Accept-Language": "ko"})
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    assert "사이버수사대삭제지원팀" in re.sub(r"[\s\x00]", "", reader.pages[0].extract_text())
    fonts = {str(f.get_object()["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert any("Hangul" in name or "CJK" in name for name in fonts), fonts  # drawn in the Korean font, no tofu
    media = PdfReader(io.BytesIO(client.get("/job-aids/media-enquiry.pdf", headers={"Accept-Language": "ko"}).data))
    assert "본청홍보실" in re.sub(r"[\s\x00]", "", media.pages[0].extract_text())


def test_slot_values_are_made_safe(slot_app, make_user):
    admin = make_user(Role.ADMIN)
    fill_all(slot_app, admin, {"takedown_unit": '<script>alert(1)</script> [x](javascript:alert(1))'})
    lesson = signed_in(slot_app, make_user(Role.TRAINEE)).get(f"{LESSON}?note=read").get_data(as_text=True)
    assert "<script>alert(1)" not in lesson
    assert "&lt;script&gt;" in lesson
    assert 'href="javascript:' not in lesson


def test_only_admins_fill_procedures_and_every_change_is_audited(slot_app, make_user):
    trainer, admin = make_user(Role.TRAINER), make_user(Role.ADMIN)
    assert signed_in(slot_app, trainer).get("/admin/procedures").status_code == 403
    assert slot_app.test_client().get("/admin/procedures").status_code == 302  # to sign-in
    client = signed_in(slot_app, admin)
    main = client.get("/admin/").get_data(as_text=True).split("<footer")[0]
    assert main.count("/admin/procedures#slot-") == len(SLOTS)
    fill_all(slot_app, admin, {"media_office": "Press office"})
    with slot_app.app_context():
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.set")).all()
        assert [(e.target_id, e.details) for e in events] == [("media_office", {"locale": "en"})]
    page = client.get("/admin/").get_data(as_text=True).split("<footer")[0]
    assert "/admin/procedures#slot-media_office" not in page
    assert "/admin/procedures#slot-takedown_unit" in page
    fill_all(slot_app, admin, {"media_office": ""})  # emptied: the slot is unset again
    with slot_app.app_context():
        assert db.session.get(Setting, "procedure.media_office") is None
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "procedure.cleared")) is not None


def test_a_value_with_a_template_mark_is_refused(slot_app, make_user):
    client = signed_in(slot_app, make_user(Role.ADMIN))
    response = post_form(client, "/admin/procedures", {"media_office__en": "See {{ procedure.takedown_unit }}"})
    assert response.status_code == 422
    assert "template marks" in response.get_data(as_text=True)
    with slot_app.app_context():
        assert db.session.get(Setting, "procedure.media_office") is None
    too_long = post_form(client, "/admin/procedures", {"media_office__en": "x" * 5000})
    assert too_long.status_code == 422


def test_the_cli_sets_and_lists_procedures(slot_app, make_user, tmp_path):
    make_user(Role.ADMIN)
    runner = slot_app.test_cli_runner()
    result = runner.invoke(args=["procedures", "set", "takedown_unit", "--lang", "ko", "--value", "삭제지원팀"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "orgs.md"
    path.write_text("- Harbour Centre\n- Lantern Aid\n", encoding="utf-8")
    assert runner.invoke(args=["procedures", "set", "support_organisations", "--file", str(path)]).exit_code == 0
    listing = runner.invoke(args=["procedures", "list"]).output
    assert "takedown_unit: ko" in listing
    assert "support_organisations: en" in listing
    assert "media_office: not set" in listing
    bad = runner.invoke(args=["procedures", "set", "nope", "--value", "x"])
    assert bad.exit_code != 0
    assert "no procedure called 'nope'" in bad.output
    assert "Traceback" not in bad.output
    both = runner.invoke(args=["procedures", "set", "media_office"])
    assert both.exit_code != 0
    assert "exactly one" in both.output


def test_content_check_rejects_unknown_slots_and_stray_marks_with_file_and_line(course_dir, make_app):
    lesson = course_dir / "01-basics" / "lessons" / "02-second.md"
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nCall {{ procedure.takedown_unti }}.\n{{ oops }}\n",
                      encoding="utf-8")
    aid = course_dir / "job-aids" / "media-enquiry.md"
    aid.write_text(aid.read_text(encoding="utf-8") + "\nSee [the aid](/job-aids/no-such-aid).\n", encoding="utf-8")
    quiz = course_dir / "01-basics" / "quiz.yaml"
    quiz.write_text(quiz.read_text(encoding="utf-8") + "# {{ procedure.media_office }}\n", encoding="utf-8")
    problems = [str(p) for p in check_course(course_dir).problems]
    lines = len(lesson.read_text(encoding="utf-8").splitlines())
    assert any(f"02-second.md:{lines - 1}:" in p and "'takedown_unti' is not a procedure slot" in p for p in problems)
    assert any(f"02-second.md:{lines}:" in p and "only for procedure slots" in p for p in problems)
    assert any("media-enquiry.md" in p and "no job aid 'no-such-aid'" in p for p in problems)
    assert any("quiz.yaml" in p and "lessons, scenarios and job aids only" in p for p in problems)
    app = make_app(sync=False)
    with app.app_context(), pytest.raises(ContentInvalid):
        sync_content(db.session, course_dir)


def test_the_shipped_job_aids_pass_content_check_and_are_published():
    course = check_course(JOB_AIDS.parent)
    assert not course.problems
    assert sorted(aid.slug for aid in course.job_aids) == sorted(SLUGS)


def test_job_aids_need_an_account_and_unknown_ones_are_not_found(slot_app, make_user):
    anonymous = slot_app.test_client()
    assert anonymous.get("/job-aids").status_code == 302
    assert anonymous.get("/job-aids/first-contact.pdf").status_code == 302
    client = signed_in(slot_app, make_user(Role.TRAINER))
    assert client.get("/job-aids/first-contact").status_code == 200
    assert client.get("/job-aids/no-such-aid").status_code == 404
    assert client.get("/job-aids/no-such-aid.pdf").status_code == 404


def test_a_form_without_a_field_leaves_that_slot_as_it_was(slot_app, make_user):
    admin = make_user(Role.ADMIN)
    fill_all(slot_app, admin, {"media_office": "Press office"})
    fill_all(slot_app, admin, {"takedown_unit": "Takedown desk"})  # a form that does not send media_office
    with slot_app.app_context():
        assert db.session.get(Setting, "procedure.media_office").value == {"value": {"en": "Press office"}}
    client = signed_in(slot_app, admin)
    response = post_form(client, "/admin/procedures", {"media_office__en": "Press\x07office"})
    assert response.status_code == 422
    assert "control characters" in response.get_data(as_text=True)


def test_titles_cannot_use_slots(course_dir):
    lesson = course_dir / "01-basics" / "lessons" / "02-second.md"
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(text.replace("title: ", "title: Call {{ procedure.media_office }} ", 1), encoding="utf-8")
    problems = [str(p) for p in check_course(course_dir).problems]
    assert any("02-second.md" in p and "titles" in p for p in problems), problems
