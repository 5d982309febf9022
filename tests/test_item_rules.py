"""`content check` applies item-writing rules to the quiz banks: each bad bank is reported, with its line."""

import shutil
from pathlib import Path

import pytest

from course.content.checks import check_course
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path) -> Path:
    """A writable copy of the fixture course."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_course(root).problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_every_question_needs_a_level(content):
    edit(content / "01-basics" / "quiz.yaml", "    level: application\n    prompt: Which is the first thing?",
         "    prompt: Which is the first thing?")
    assert "modules/01-basics/quiz.yaml:2: questions.0.level: Field required" in problems(content)


def test_a_level_is_recall_or_application(content):
    edit(content / "01-basics" / "quiz.yaml", "    level: application\n    prompt: Which is the first thing?",
         "    level: analysis\n    prompt: Which is the first thing?")
    assert "modules/01-basics/quiz.yaml:5: questions.0.level: Input should be 'recall' or 'application'" \
        in problems(content)
