"""`content check` applies item-writing rules to the quiz banks: each bad bank is reported, with its line."""

import shutil
from pathlib import Path
from string import ascii_lowercase

import pytest
import yaml

from course.content.checks import check_course
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path) -> Path:
    """A writable copy of the fixture course (which passes every rule)."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_course(root).problems]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


def single(qid: str, key: str, *wrong: str, module: str = "practice") -> dict:
    """A single-choice question whose key and distractor texts are given."""
    objective, source = ("practice-one", "src-b") if module == "practice" else ("basics-one", "src-a")
    choices = [{"text": key, "correct": True, "feedback": "Yes."}]
    choices += [{"text": text, "correct": False, "feedback": "No."} for text in wrong]
    return {"id": qid, "type": "single", "objective": objective, "level": "application", "prompt": f"Question {qid}?",
            "choices": choices, "explanation": "Because.", "source": source}


def true_false(qid: str, key: bool) -> dict:
    return {"id": qid, "type": "true_false", "objective": "practice-one", "level": "application",
            "prompt": f"Statement {qid}.", "choices": [{"text": "True", "correct": key, "feedback": "T."},
                                                     {"text": "False", "correct": not key, "feedback": "F."}],
            "explanation": "Because.", "source": "src-b"}


def add_questions(content: Path, questions: list[dict], folder: str = "02-practice") -> None:
    quiz = content / folder / "quiz.yaml"
    data = yaml.safe_load(quiz.read_text())
    data["questions"] += questions
    quiz.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_the_fixture_course_passes_every_item_rule(content):
    assert problems(content) == []


def test_a_module_whose_keys_are_mostly_the_longest_option_is_flagged(content):
    add_questions(content, [single(f"practice-l{c}", "The longer, right answer", "Short") for c in "abcd"])
    assert problems(content) == ["modules/02-practice/quiz.yaml:1: the key is the longest option in 6 of 6 "
                                 "single-choice questions (100%); at most half may share a length rank"]


def test_a_course_whose_keys_share_one_length_rank_is_flagged(content):
    # Twelve keys, none of the modules over its limit, but 5 of the 12 are the 2nd-longest option.
    add_questions(content, [single("basics-la", "Short", "A longer, wrong answer", module="basics"),
                              single("basics-lb", "Short", "A longer, wrong answer", module="basics"),
                              single("basics-lc", "A longer, right answer", "Short", module="basics")], "01-basics")
    add_questions(content, [single("practice-la", "Short", "A longer, wrong answer"),
                              single("practice-lb", "Short", "A longer, wrong answer"),
                              single("practice-lc", "Short", "A longer, wrong answer", "Another longer, wrong one"),
                              single("practice-ld", "Short", "A longer, wrong answer", "Another longer, wrong one")])
    assert problems(content) == ["modules/course.yaml:6: the key is the 2nd-longest option in 5 of 12 "
                                 "single-choice questions (42%); at most a third may share a length rank"]


def test_true_false_keys_must_be_balanced_across_the_course(content):
    add_questions(content, [true_false(f"practice-t{c}", key=True) for c in ascii_lowercase[:8]])
    assert problems(content) == ["modules/course.yaml:6: 91% of true/false questions are keyed True; keep it "
                                 "between 40% and 60% (True per module: basics 1/2, practice 9/9)"]


@pytest.mark.parametrize(("old", "new", "text"), [
    ("{text: Gamma answer,", "{text: All of the above,", "All of the above"),
    ("{text: Beta answer,", "{text: None of the above,", "None of the above"),
    ("{text: 링크를 기록한다,", "{text: 모두 해당,", "모두 해당"),
])
def test_all_or_none_of_the_above_options_are_flagged(content, old, new, text):
    quiz = content / "01-basics" / "quiz.yaml"
    edit(quiz, old, new)
    qid = "basics-q04" if text == "모두 해당" else "basics-q01"
    assert problems(content) == [f"modules/01-basics/quiz.yaml:{line_of(quiz, new)}: {qid}: '{text}' is an "
                                 "all/none-of-the-above option; write a real alternative"]


def test_a_negative_stem_is_flagged_unless_emphasised(content):
    quiz = content / "01-basics" / "quiz.yaml"
    edit(quiz, "prompt: Which is the first thing?", "prompt: Which is not the first thing?")
    assert problems(content) == [f"modules/01-basics/quiz.yaml:{line_of(quiz, 'Which is not')}: basics-q01: the "
                                 "stem asks a negative ('not'); emphasise it (**not**) or ask positively"]
    edit(quiz, "Which is not the first thing?", "Which is **not** the first thing?")
    assert problems(content) == []
    edit(quiz, "Which is **not** the first thing?", "Which is NOT the first thing?")
    assert problems(content) == []


def test_a_negative_in_the_situation_is_not_the_stem(content):
    edit(content / "01-basics" / "quiz.yaml", "prompt: Which is the first thing?",
         "prompt: \"She said: 'I never sent it.' Which is the first thing?\"")
    assert problems(content) == []


def test_every_question_needs_a_level(content):
    edit(content / "01-basics" / "quiz.yaml", "    level: application\n    prompt: Which is the first thing?",
         "    prompt: Which is the first thing?")
    assert "modules/01-basics/quiz.yaml:2: questions.0.level: Field required" in problems(content)


def test_a_level_is_recall_or_application(content):
    edit(content / "01-basics" / "quiz.yaml", "    level: application\n    prompt: Which is the first thing?",
         "    level: analysis\n    prompt: Which is the first thing?")
    assert "modules/01-basics/quiz.yaml:5: questions.0.level: Input should be 'recall' or 'application'" \
        in problems(content)


def test_a_bank_needs_sixty_percent_application_items(content):
    quiz = content / "02-practice" / "quiz.yaml"
    quiz.write_text(quiz.read_text().replace("level: application", "level: recall"))
    assert problems(content) == ["modules/02-practice/quiz.yaml:1: 0 of 3 questions (0%) are application level; "
                                 "at least 60% must be"]


def test_each_objective_needs_three_items_in_its_bank(content):
    edit(content / "02-practice" / "quiz.yaml", "  - id: practice-q03", "  - id: practice-q03\n    objective: x")
    quiz = content / "02-practice" / "quiz.yaml"
    quiz.write_text(quiz.read_text().replace("    objective: x\n    type: true_false\n    objective: practice-one",
                                             "    type: true_false\n    objective: practice-two"))
    edit(content / "02-practice" / "module.yaml", "objectives:\n",
         "objectives:\n  - id: practice-two\n    text: Another objective.\n")
    found = problems(content)
    assert "modules/02-practice/module.yaml: objective 'practice-one' is assessed by 2 question(s); it needs at " \
           "least 3" in found
