"""The assessment journey in Chromium: the baseline check, the modules, the capstone failed and replayed to a pass,
the final exam failed (no keys shown, the cooldown enforced) and passed, and the certificate; axe on every
assessment page, screenshots kept."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from course.extensions import db
from course.models import QuizAttempt, Role
from tests.browser.conftest import DESKTOP, PHONE, serve
from tests.browser.keyboard import answer
from tests.browser.test_accessibility import axe_violations, describe
from tests.conftest import FIXTURE_CONTENT
from tests.test_exam import write_exam


@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("exam-content") / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    write_exam(root)
    module = root / "02-practice" / "module.yaml"  # its scenario becomes the required capstone (pass score 70%)
    module.write_text(module.read_text() + "scenario_required: true\n")
    return root


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, content):
    """This module's server publishes the fixture course with a final exam."""
    yield from serve(tmp_path_factory, content)


def bank(content: Path) -> dict[str, dict]:
    """Prompt -> question, for every quiz and exam question of the course (what a prepared trainee knows)."""
    questions = {}
    for path in sorted(content.glob("*/quiz.yaml")) + sorted(content.glob("*/exam.yaml")):
        for question in yaml.safe_load(path.read_text())["questions"]:
            questions[" ".join(question["prompt"].split())] = question
    return questions


def answer_and_submit(page, questions: dict[str, dict], right: bool) -> None:
    """Answer every question on the attempt page (one page here), then submit it for grading."""
    fieldsets = page.locator("fieldset.question")
    for i in range(fieldsets.count()):
        fieldset = fieldsets.nth(i)
        legend = " ".join(fieldset.locator("legend").inner_text().split())
        question = next(q for prompt, q in questions.items() if legend.endswith(prompt))
        answer(page, fieldset, question, right)
    page.locator("button[name=action][value=submit]").click()
    page.wait_for_load_state()


def check_page(page, name: str, screenshots_dir: Path) -> list[str]:
    """axe at phone and desktop widths, no sideways scrolling, and a screenshot of each."""
    problems = []
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        if page.evaluate("document.documentElement.scrollWidth") > viewport["width"]:
            problems.append(f"{name} scrolls sideways at {label} width")
        problems += [f"{name} [{label}] {line}" for line in describe(axe_violations(page))]
        page.screenshot(path=screenshots_dir / f"assessment-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    return problems


def complete_module(page, slug: str, questions: dict[str, dict]) -> None:
    """Read every lesson of the module (past any content note), then pass its quiz."""
    page.goto(f"/modules/{slug}")
    page.locator("main a[href*='/lessons/']").first.click()
    while True:
        note = page.get_by_role("link", name="Continue to the lesson")
        if note.count():
            note.click()
        page.get_by_role("button", name="Mark as complete and continue").click()
        page.wait_for_load_state()
        if "/lessons/" not in page.url:
            break
    page.goto(f"/modules/{slug}/quiz")
    page.locator("main form button[type=submit]").first.click()
    answer_and_submit(page, questions, right=True)
    assert page.get_by_role("heading", name="You passed").count() == 1


WORST = ["Interrupt", "Note only the first link", "Say nothing"]
BEST = ["Listen", "Record the links", "Refer to support"]


def play_capstone(page, choices: list[str]) -> None:
    """Play the practice module's scenario from its intro, one decision a page, choosing by the words shown."""
    for text in choices:
        page.get_by_label(text, exact=True).check()
        page.get_by_role("button", name="Decide").click()
        page.wait_for_load_state()


def test_baseline_modules_and_the_exam_failed_then_passed_lead_to_the_certificate(
        new_context, live_server, content, screenshots_dir):
    questions = bank(content)
    trainee = live_server.make_user(name="Park Exam")
    trainer = live_server.make_user(Role.TRAINER, name="Trainer Exam")
    cohort = live_server.make_cohort(trainer, [trainee], "Exam cohort")
    page = new_context(trainee).new_page()
    problems: list[str] = []

    page.goto("/")
    page.get_by_role("link", name="About the baseline check").click()
    problems += check_page(page, "baseline-intro", screenshots_dir)
    page.get_by_role("button", name="Start the baseline check").click()
    answer_and_submit(page, questions, right=False)
    assert page.get_by_role("heading", name="Your starting point is recorded").count() == 1
    assert page.get_by_text("Alpha is right").count() == 0, "the baseline check shows no keys"
    problems += check_page(page, "baseline-result", screenshots_dir)

    complete_module(page, "basics", questions)
    complete_module(page, "practice", questions)

    page.goto("/modules/practice/scenario")
    page.get_by_role("button", name="Start the scenario").click()
    play_capstone(page, WORST)
    assert page.get_by_text("Not passed.").count() == 1, "the poor path fails the capstone"
    problems += check_page(page, "capstone-failed", screenshots_dir)
    page.goto("/exam")
    assert page.get_by_text("The final exam opens once every module is complete.").count() == 1
    page.goto("/modules/practice/scenario")
    page.get_by_role("button", name=re.compile("Play again|Start the scenario")).first.click()
    play_capstone(page, BEST)
    assert page.get_by_text("Passed.").count() == 1, "the replay on the best path passes"
    page.goto("/")
    assert page.get_by_text("The final exam").count() >= 1, "the exam is the next step"
    page.get_by_role("link", name=re.compile("Continue where you left off")).click()
    assert page.url.endswith("/exam")
    problems += check_page(page, "exam-intro", screenshots_dir)

    page.get_by_role("button", name="Start the final exam").click()
    problems += check_page(page, "exam-attempt", screenshots_dir)
    answer_and_submit(page, questions, right=False)
    assert page.get_by_role("heading", name="Not passed yet").count() == 1
    html = page.content()
    assert "Exam key" not in html, "a failed exam shows no keys"
    assert "Exam explanation" not in html
    assert page.get_by_role("heading", name="How each objective went").count() == 1
    assert page.get_by_role("link", name=re.compile("^Review: ")).count() >= 1
    problems += check_page(page, "exam-result-failed", screenshots_dir)

    page.goto("/exam")
    assert page.get_by_text(re.compile("You can take the exam again from")).count() == 1, "the cooldown holds"
    assert page.get_by_role("button", name="Start the final exam").count() == 0
    problems += check_page(page, "exam-cooldown", screenshots_dir)

    staff = new_context(trainer).new_page()
    staff.goto(f"/trainer/cohorts/{cohort}/trainees/{trainee.id}")
    assert staff.get_by_role("button", name="Give a fresh set of attempts").count() == 1, "a waiting trainee"
    problems += check_page(staff, "trainer-record-exam", screenshots_dir)

    def a_day_later():
        with live_server.app.app_context():
            for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == trainee.id,
                                                                        QuizAttempt.purpose == "exam")):
                attempt.started_at -= timedelta(hours=25)
                attempt.submitted_at -= timedelta(hours=25)
            db.session.commit()

    live_server.run(a_day_later)
    page.goto("/exam")
    page.get_by_role("button", name="Start the final exam").click()
    answer_and_submit(page, questions, right=True)
    assert page.get_by_role("heading", name="You passed the final exam").count() == 1
    result_path = page.url.removeprefix(live_server.url)

    page.goto("/")
    page.get_by_role("link", name="View certificate").click()
    serial = re.search(r"/certificates/([^/]+)$", page.url).group(1)
    page.goto(f"/verify/{serial}")
    assert page.get_by_text("Park Exam").count() >= 1

    staff.goto(f"/trainer/cohorts/{cohort}/gain")
    assert staff.get_by_role("table").count() == 1
    problems += check_page(staff, "trainer-gain", screenshots_dir)

    # The same pages in Korean: served in Korean, and just as accessible.
    korean = new_context(trainee, lang="ko").new_page()
    for name, path in (("exam-intro-ko", "/exam"), ("exam-result-ko", result_path), ("baseline-ko", "/baseline")):
        korean.goto(path)
        assert korean.evaluate("document.documentElement.lang") == "ko", name
        problems += check_page(korean, name, screenshots_dir)
    korean_staff = new_context(trainer, lang="ko").new_page()
    korean_staff.goto(f"/trainer/cohorts/{cohort}/gain")
    assert korean_staff.get_by_role("heading", name=re.compile("학습 향상도")).count() == 1
    problems += check_page(korean_staff, "trainer-gain-ko", screenshots_dir)
    assert not problems, "\n".join(problems)
