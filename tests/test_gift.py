"""Moodle GIFT interchange: round trips, imports into a module, and line-numbered refusals."""

import shutil

import pytest
import yaml

from course.content.gift import export_gift, parse_gift
from tests.conftest import FIXTURE_CONTENT

GOOD = """// A comment Moodle and we both ignore.
// objective: basics-one
// source: src-a
// level: application
::basics-g01:: Which step comes first\\: listening or recording? {
  =Listening#Right: listen first.
  ~Recording#Recording comes after listening.
  ####Listen, then record.
}

// objective: basics-two
// source: src-a
// level: recall
::basics-g02:: Links are evidence. {T#They are evidence.#Right.####Record every link.}

// objective: basics-two
// source: src-a
// level: application
::basics-g03:: Which are evidence? {
  ~%50%A link#Yes.
  ~%50%An account name#Yes.
  ~%-50%A rumour#No.
  ####Record what can be checked.
}
"""


def test_gift_is_read_into_our_question_format():
    result = parse_gift(GOOD)
    assert result.problems == []
    single, truth, multiple = result.questions
    assert single["prompt"] == "Which step comes first: listening or recording?"
    assert single["type"] == "single"
    assert [c["correct"] for c in single["choices"]] == [True, False]
    assert single["explanation"] == "Listen, then record."
    assert truth["type"] == "true_false"
    assert truth["choices"] == [{"text": "True", "correct": True, "feedback": "Right."},
                                {"text": "False", "correct": False, "feedback": "They are evidence."}]
    assert multiple["type"] == "multiple"
    assert [c["correct"] for c in multiple["choices"]] == [True, True, False]


def test_the_fixture_bank_round_trips_except_ordering():
    questions = yaml.safe_load((FIXTURE_CONTENT / "01-basics" / "quiz.yaml").read_text())["questions"]
    text, skipped = export_gift(questions)
    assert skipped == ["basics-q04"]
    result = parse_gift(text)
    assert result.problems == []
    expected = [{**q, "choices": [{"correct": False, **c} for c in q["choices"]]} for q in questions
                if q["type"] != "ordering"]
    assert result.questions == expected


def test_all_or_nothing_scoring_survives_the_round_trip():
    question = {"id": "x-q1", "type": "multiple", "objective": "o", "prompt": "P", "scoring": "all_or_nothing",
                "choices": [{"text": t, "correct": c, "feedback": "f"} for t, c in (("a", True), ("b", True),
                                                                                     ("c", False))],
                "explanation": "E", "source": "s"}
    [back] = parse_gift(export_gift([question])[0]).questions
    assert back["scoring"] == "all_or_nothing"


@pytest.mark.parametrize(("gift", "line", "reason"), [
    ("\n\n::q-a:: Match {=a -> b =c -> d ####x}", 3, "matching questions"),
    ("::q-a:: How many? {#3 ####x}", 1, "numerical questions"),
    ("::q-a:: Write an essay {}", 1, "essay questions"),
    ("::q-a:: The {=sun ~moon} rises. ", 1, "missing-word questions"),
    ("::q-a:: Name it {=Seoul =Busan ####x}", 1, None),
    ("::q-a:: Pick {~a#x ~b#y ####z}", 1, "short-answer questions"),
    ("::q-a:: [html]<b>Bold</b> {=a#x ~b#y ####z}", 1, "HTML question text"),
    ("Untitled {=a#x ~b#y ####z}", 1, "::id:: title"),
    ("::q-a:: Pick {=a ~b#y ####z}", 1, "every answer needs feedback"),
    ("::q-a:: Pick {=a#x ~b#y}", 1, "general feedback"),
    ("::q-a:: Pick {~%70%a#x ~%30%b#y ~%-50%c#z ####e}", 1, "weights must be"),
])
def test_unsupported_gift_is_reported_by_line(gift, line, reason):
    result = parse_gift(gift, objective="o", source="s")
    assert result.questions == [] or reason is None
    if reason is None:  # two right answers with no weights is still short-answer-like: refused
        assert result.problems
        return
    [(found_line, found_reason)] = result.problems
    assert found_line == line
    assert reason in found_reason


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def test_import_gift_extends_the_module_bank(make_app, content, tmp_path):
    gift = tmp_path / "extra.gift"
    gift.write_text(GOOD)
    runner = make_app(content_dir=content, sync=False).test_cli_runner()
    result = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 question(s)" in result.output
    ids = [q["id"] for q in yaml.safe_load((content / "01-basics" / "quiz.yaml").read_text())["questions"]]
    assert ids[-3:] == ["basics-g01", "basics-g02", "basics-g03"]
    assert len(ids) == 10
    assert runner.invoke(args=["content", "check"]).exit_code == 0


def test_import_gift_refuses_questions_that_do_not_fit_and_changes_nothing(make_app, content, tmp_path):
    before = (content / "01-basics" / "quiz.yaml").read_text()
    gift = tmp_path / "bad.gift"
    gift.write_text(GOOD.replace("objective: basics-two", "objective: not-an-objective"))
    runner = make_app(content_dir=content, sync=False).test_cli_runner()
    result = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 1
    assert "not-an-objective" in result.output
    assert (content / "01-basics" / "quiz.yaml").read_text() == before


def test_import_gift_reports_unsupported_lines_and_writes_nothing(make_app, content, tmp_path):
    before = (content / "01-basics" / "quiz.yaml").read_text()
    gift = tmp_path / "mixed.gift"
    gift.write_text(GOOD + "\n::basics-g09:: Match {=a -> b ####x}\n")
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(
        args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 1
    assert f"{gift}:26: matching questions (->) are not supported" in result.output
    assert (content / "01-basics" / "quiz.yaml").read_text() == before


def test_export_gift_writes_the_bank_and_names_what_it_leaves_out(make_app, content, tmp_path):
    out = tmp_path / "basics.gift"
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(
        args=["content", "export-gift", "basics", "--output", str(out)])
    assert result.exit_code == 0
    assert "basics-q04: ordering questions cannot be written in GIFT" in result.output
    assert parse_gift(out.read_text()).problems == []
