"""Keyboard-only driving: move focus with Tab (never the mouse) and act with Enter, Space and arrow keys."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.conftest import FIXTURE_CONTENT

MAX_TABS = 120


def focused_is(locator) -> bool:
    """Whether the element `locator` points at has the keyboard focus."""
    return locator.evaluate("el => el === document.activeElement")


def tab_to(page, locator, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until `locator` has focus; fail if it never gets there."""
    locator.wait_for(state="attached")
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        if focused_is(locator):
            return
        page.keyboard.press(key)
    raise AssertionError(f"{locator} is not reachable with {key}")


def activate(page, locator) -> None:
    """Tab to a link or button and press Enter."""
    tab_to(page, locator)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, locator, text: str) -> None:
    """Tab to a field and type into it."""
    tab_to(page, locator)
    page.keyboard.type(text)


def correct_answers(module: str) -> dict[str, dict]:
    """Prompt -> question from the fixture course's quiz for `module` (the trainee's 'knowledge')."""
    folder = next(p for p in Path(FIXTURE_CONTENT).iterdir() if p.is_dir() and p.name.endswith(module))
    questions = yaml.safe_load((folder / "quiz.yaml").read_text())["questions"]
    return {q["prompt"]: q for q in questions}


def choose_radio(page, fieldset, wanted: str) -> None:
    """Tab into a radio group, then move with the arrow keys until `wanted` is checked."""
    radios = fieldset.locator("input[type=radio]")
    tab_to(page, radios.first)
    for _ in range(radios.count() + 1):
        label = page.evaluate("document.activeElement.labels[0].textContent.trim()")
        if label == wanted:
            if not page.evaluate("document.activeElement.checked"):
                page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no choice {wanted!r}")


def answer(page, fieldset, question: dict, right: bool) -> None:
    """Answer one question by keyboard, rightly or wrongly."""
    choices = question["choices"]
    if question["type"] == "multiple":
        wanted = [c["text"] for c in choices if bool(c.get("correct")) == right]
        for text in wanted:
            box = fieldset.get_by_label(text, exact=True)
            tab_to(page, box)
            page.keyboard.press("Space")
    elif question["type"] == "ordering":
        texts = [c["text"] for c in choices]
        for text in texts:
            position = texts.index(text) + 1 if right else len(texts) - texts.index(text)
            select = fieldset.get_by_label(text, exact=True)
            tab_to(page, select)
            for _ in range(position):
                page.keyboard.press("ArrowDown")  # from "—" down to the wanted position
    else:
        wanted = next(c["text"] for c in choices if bool(c.get("correct")) == right)
        choose_radio(page, fieldset, wanted)


def answer_quiz(page, module: str, right: bool) -> None:
    """Answer every question shown on the attempt page, then submit for grading, all by keyboard."""
    bank = correct_answers(module)
    fieldsets = page.locator("fieldset.question")
    for i in range(fieldsets.count()):
        fieldset = fieldsets.nth(i)
        legend = " ".join(fieldset.locator("legend").inner_text().split())
        question = next(q for p, q in bank.items() if legend.endswith(p))
        answer(page, fieldset, question, right)
    activate(page, page.locator("button[name=action][value=submit]"))
