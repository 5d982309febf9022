"""A new visitor takes the real course in Korean, in Chromium: the language switch, the Korean registration form, a
module's lesson past its content note, its quiz and its required scenario answered from the Korean texts, the rest of
the course recorded as done, the final exam passed and the certificate PDF with the Korean course title. Every page
is served with <html lang="ko">, has no axe violations at phone and desktop widths, and is kept as a screenshot."""

from __future__ import annotations

import io
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from course.content.publish import live_version
from course.demo import _attempt
from course.extensions import db
from course.models import AttemptItem, LessonProgress, Module, QuizAttempt, ScenarioRun, User, utcnow
from tests.browser.conftest import DESKTOP, PHONE, serve
from tests.browser.keyboard import answer
from tests.browser.test_accessibility import axe_violations, describe

MODULES = Path(__file__).resolve().parents[2] / "modules"
PLAYED = "media-platforms-prevention"  # four lessons with content notes, a quiz and a required scenario
HANGUL = re.compile(r"[\uac00-\ud7a3]")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """This module's server publishes the real course, unchanged."""
    yield from serve(tmp_path_factory, MODULES)


def normal(text: str) -> str:
    return " ".join(text.split())


def korean_bank() -> dict[str, dict]:
    """Korean prompt -> question (Korean texts, the keys of the authored question) for every quiz and exam item."""
    questions = {}
    for path in sorted(MODULES.glob("*/quiz.yaml")) + sorted(MODULES.glob("*/exam.yaml")):
        for question in yaml.safe_load(path.read_text())["questions"]:
            ko = question["ko"]
            choices = [{**choice, "text": ko_choice["text"]}
                       for choice, ko_choice in zip(question["choices"], ko["choices"], strict=True)]
            questions[normal(ko["prompt"])] = {**question, "prompt": ko["prompt"], "choices": choices}
    return questions


SLOT = re.compile(r"\{\{\s*procedure\.\w+\s*\}\}")


def korean_choice_quality() -> list[tuple[re.Pattern, str]]:
    """(pattern of a Korean choice text as shown, its quality) from the played module's scenario.ko.yaml; an
    academy procedure slot in the text matches whatever the page puts in its place."""
    path = next(MODULES.glob(f"*-{PLAYED}/scenario.ko.yaml"))
    steps = yaml.safe_load(path.read_text())["steps"]
    return [(re.compile(".+?".join(re.escape(part) for part in SLOT.split(normal(choice["text"])))),
             choice["quality"]) for step in steps for choice in step["choices"]]


def quality_of(shown: str, qualities: list[tuple[re.Pattern, str]]) -> str | None:
    return next((quality for pattern, quality in qualities if pattern.fullmatch(shown)), None)


def check_page(page, name: str, screenshots_dir: Path) -> list[str]:
    """Served in Korean, no axe violations and no sideways scrolling at phone and desktop widths; screenshots."""
    problems = []
    if page.evaluate("document.documentElement.lang") != "ko":
        problems.append(f"{name} is not served with <html lang=ko> ({page.url})")
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(viewport)
        if page.evaluate("document.documentElement.scrollWidth") > viewport["width"]:
            problems.append(f"{name} scrolls sideways at {label} width")
        problems += [f"{name} [{label}] {line}" for line in describe(axe_violations(page))]
        page.screenshot(path=screenshots_dir / f"korean-{name}-{label}.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    return problems


def answer_and_submit(page, questions: dict[str, dict], name: str, screenshots_dir: Path) -> list[str]:
    """Answer every question of the attempt rightly, page by page, from its Korean prompts, then submit it."""
    problems = []
    for number in range(1, 20):
        problems += check_page(page, f"{name}-page-{number}", screenshots_dir)
        fieldsets = page.locator("fieldset.question")
        assert fieldsets.count() > 0
        for i in range(fieldsets.count()):
            fieldset = fieldsets.nth(i)
            legend = normal(fieldset.locator("legend").inner_text())
            question = next((q for prompt, q in questions.items() if legend.endswith(prompt)), None)
            assert question is not None, f"no Korean prompt in the bank ends the legend {legend!r}"
            answer(page, fieldset, question, right=True)
        submit = page.locator("button[name=action][value=submit]")
        if submit.count():
            submit.click()
            page.wait_for_load_state()
            return problems
        page.locator("button[name=action][value=next]").click()
        page.wait_for_load_state()
    raise AssertionError(f"{name}: no submit button after 19 pages")


def seed_rest_of_course(app, email: str) -> None:
    """Record every module but the played one as done, as the demo seeder does: lessons completed, a passed quiz
    attempt with its graded items, and for a required scenario a finished run along its best choices."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        version = live_version(db.session)
        modules = db.session.scalars(
            select(Module).where(Module.version_id == version.id, Module.slug != PLAYED)
            .options(selectinload(Module.questions), selectinload(Module.lessons))).all()
        rng, when = random.Random(15), utcnow() - timedelta(days=2)  # noqa: S311 - test data
        for module in modules:
            db.session.execute(insert(LessonProgress), [
                {"user_id": user.id, "module_slug": module.slug, "lesson_slug": lesson.slug,
                 "visited_at": when, "completed_at": when} for lesson in module.lessons])
            attempt, items = _attempt(module, user.id, 1, 1.0, True, when, rng)
            attempt_id = db.session.scalar(insert(QuizAttempt).returning(QuizAttempt.id), attempt)
            db.session.execute(insert(AttemptItem), [dict(item, attempt_id=attempt_id) for item in items])
            if module.scenario_required and module.scenario:
                db.session.execute(insert(ScenarioRun), best_run(module, user.id, when))
        db.session.commit()


def best_run(module: Module, user_id: int, when) -> dict:
    """A finished play-through taking a `best` choice at every decision."""
    steps = {step["id"]: step for step in module.scenario["steps"]}
    path, current = [], module.scenario["start"]
    while current in steps:
        index = next(i for i, c in enumerate(steps[current]["choices"]) if c["quality"] == "best")
        path.append({"step": current, "choice": index})
        current = steps[current]["choices"][index]["next"]
    return {"user_id": user_id, "module_id": module.id, "module_slug": module.slug, "number": 1,
            "started_at": when, "finished_at": when + timedelta(minutes=12), "current_step": None, "path": path,
            "ending": current, "points": 2 * len(path), "score": 100.0}


def test_a_new_visitor_takes_the_real_course_in_korean_to_the_certificate(
        new_context, live_server, screenshots_dir):
    course_title = yaml.safe_load((MODULES / "course.yaml").read_text())["ko"]["title"]
    questions, quality = korean_bank(), korean_choice_quality()
    context = new_context(lang="en")  # an English browser: Korean comes from the language switch alone
    page = context.new_page()
    problems: list[str] = []

    page.goto("/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.select_option("#language-select", label="한국어")
    page.get_by_role("button", name="Change language").click()
    page.wait_for_load_state()
    problems += check_page(page, "welcome", screenshots_dir)

    page.goto("/register")
    problems += check_page(page, "register", screenshots_dir)
    email = "korean.journey@browser.example"
    page.fill("#name", "김하늘")
    page.fill("#email", email)
    page.fill("#password", "A long passphrase for the Korean journey 7")
    page.fill("#confirm", "A long passphrase for the Korean journey 7")
    page.get_by_role("button", name="계정 만들기").click()
    page.wait_for_load_state()
    assert "/register" not in page.url, page.locator(".error-summary, .field-error").all_inner_texts()
    problems += check_page(page, "dashboard", screenshots_dir)

    # One module in the browser: every lesson past its content note, the quiz, the required scenario.
    page.goto(f"/modules/{PLAYED}")
    problems += check_page(page, "module", screenshots_dir)
    page.locator("main a[href*='/lessons/']").first.click()
    lessons = 0
    while True:
        note = page.get_by_role("link", name="강의 계속 보기")
        if note.count():
            if lessons == 0:
                problems += check_page(page, "content-note", screenshots_dir)
            note.click()
            page.wait_for_load_state()
        assert HANGUL.search(page.locator("main .prose").first.inner_text()), "the lesson body is Korean"
        problems += check_page(page, f"lesson-{lessons + 1}", screenshots_dir)
        lessons += 1
        page.get_by_role("button", name="학습 완료 후 계속").click()
        page.wait_for_load_state()
        if "/lessons/" not in page.url:
            break
    assert lessons == 4

    page.goto(f"/modules/{PLAYED}/quiz")
    problems += check_page(page, "quiz-intro", screenshots_dir)
    page.get_by_role("button", name="평가 시작").click()
    page.wait_for_load_state()
    problems += answer_and_submit(page, questions, "quiz-attempt", screenshots_dir)
    assert page.get_by_role("heading", name="합격했습니다").count() == 1
    problems += check_page(page, "quiz-result", screenshots_dir)

    page.goto(f"/modules/{PLAYED}/scenario")
    problems += check_page(page, "scenario-intro", screenshots_dir)
    page.get_by_role("button", name="시나리오 시작").click()
    page.wait_for_load_state()
    decisions = 0
    while page.get_by_role("button", name="결정").count():
        labels = [normal(t) for t in page.locator("fieldset.question label").all_inner_texts()]
        unknown = [text for text in labels if quality_of(text, quality) is None]
        assert not unknown, f"choices not in scenario.ko.yaml: {unknown}"
        problems += check_page(page, f"scenario-step-{decisions + 1}", screenshots_dir)
        page.get_by_label(next(t for t in labels if quality_of(t, quality) == "best"), exact=True).check()
        page.get_by_role("button", name="결정").click()
        page.wait_for_load_state()
        decisions += 1
    assert decisions >= 3
    assert page.get_by_text("합격.", exact=True).count() == 1, "the best path passes the scenario"
    problems += check_page(page, "scenario-debrief", screenshots_dir)

    live_server.run(seed_rest_of_course, live_server.app, email)

    page.goto("/exam")
    problems += check_page(page, "exam-intro", screenshots_dir)
    page.get_by_role("button", name="최종 평가 시작하기").click()
    page.wait_for_load_state()
    problems += answer_and_submit(page, questions, "exam-attempt", screenshots_dir)
    assert page.get_by_role("heading", name="최종 평가에 합격했습니다").count() == 1
    problems += check_page(page, "exam-result", screenshots_dir)

    page.goto("/")
    page.get_by_role("link", name="수료증 보기").first.click()
    page.wait_for_load_state()
    assert re.search(r"/certificates/[^/]+$", page.url)
    problems += check_page(page, "certificate", screenshots_dir)
    link = page.locator("main a[href$='/certificate.pdf']").first
    with page.expect_download() as download:
        link.click()
    data = Path(download.value.path()).read_bytes()
    (screenshots_dir / "korean-certificate.pdf").write_bytes(data)
    assert data.startswith(b"%PDF-")
    text = "".join(page_.extract_text() for page_ in PdfReader(io.BytesIO(data)).pages)
    squeezed = re.sub(r"[\s\x00]", "", text)
    assert re.sub(r"\s", "", course_title) in squeezed, f"the Korean course title is not on the certificate: {text!r}"
    assert not problems, "\n".join(problems)
