"""Moodle GIFT interchange: round trips, imports into a module, and line-numbered refusals."""

import shutil
from pathlib import Path

import pytest
import yaml

from course.content.gift import parse_gift
from course.content.gift_export import export_gift
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
    [entry] = parse_gift(export_gift([question])[0]).entries
    back = entry.question
    assert back["scoring"] == "all_or_nothing"


@pytest.mark.parametrize(("gift", "reason"), [
    ("\n\n::q-a:: Match {=a -> b =c -> d ####x}", "matching questions"),
    ("::q-a:: How many? {#3 ####x}", "numerical questions"),
    ("::q-a:: Write an essay {}", "essay questions"),
    ("::q-a:: Name it {=Seoul =Busan ####x}", "short-answer questions"),
    ("::q-a:: Capital? {=Seoul}", "short-answer questions"),
    ("::q-a:: Just some words to read.", "a description"),
    ("::q-a:: Two {=a ~b} blocks {=c ~d}", "exactly one answer block"),
])
def test_what_we_cannot_ask_is_skipped_with_its_line_and_reason(gift, reason):
    result = parse_gift(gift, objective="o", source="s", level="recall")
    [entry] = result.entries
    assert entry.status == "skipped"
    assert entry.line == gift.count("\n", 0, len(gift) - len(gift.lstrip("\n"))) + 1
    assert reason in entry.reasons[0]


@pytest.mark.parametrize(("gift", "lacks"), [
    ("::q-a:: Pick {=a ~b#y ####z}", "no feedback (#…) for: a"),
    ("::q-a:: Pick {=a#x ~b#y}", "no general feedback"),
])
def test_what_the_course_requires_and_a_question_lacks_makes_it_a_draft(gift, lacks):
    [entry] = parse_gift(gift, objective="o", source="s", level="recall").entries
    assert entry.status == "draft"
    assert any(lacks in reason for reason in entry.reasons)


# Every construct Moodle writes, in one file we wrote (tests/fixtures/moodle-gift/ holds Moodle's own).
CONSTRUCTS = r"""$CATEGORY: $course$/top/Digital evidence

// objective: basics-one
// source: src-a
// level: application
::Html prompt::[html]<p>Which step <b>comes first</b>?</p><script>alert(1)</script>{
  =[html]Listening <i>first</i>#[html]Right: <em>listen</em> first.
  ~Recording#[plain]Recording comes after <listening>.
  ####[html]Listen, then record &amp; check.
}

// objective: basics-one
// source: src-a
// level: recall
[markdown]The **first** thing {~is last#No, it is first. =comes first#Yes. ~is in the middle#No. ####Order.} in order.

// objective: basics-two
// source: src-a
// level: application
::basics-w03::[moodle]Which are evidence? {
  ~%50%A link#Yes.
  ~%50%An account name#Yes.
  ~A rumour#No.
  ####Record what can be checked.
}

// objective: basics-two
// source: src-a
// level: recall
::basics-w04::[plain]Links are evidence.{TRUE#They are evidence.#Right.####Record every link.}

// objective: basics-one
// source: src-a
// level: application
::basics-w05::Which comes first? {
  ~Beta item#Beta is second.
  ~%25%Gamma item#Gamma is third.
  =Alpha item#Alpha is first.
  ####Alpha is first.
}

::basics-w06::Match {=a -> b =c -> d =e -> f}

::basics-w07::Say it {=first =1st}

::basics-w08::How many? {#1:0}

::basics-w09::Describe it. {}

::basics-w10::Read this before the next questions.
"""


def test_every_construct_moodle_writes_is_read():
    result = parse_gift(CONSTRUCTS)
    assert result.categories == [(1, "$course$/top/Digital evidence")]
    by_line = {entry.line: entry for entry in result.entries}
    html = by_line[6]
    assert html.status == "ready"
    assert html.id == "html-prompt"  # made from the title, which is not an id
    assert html.question["prompt"] == "Which step comes first?"  # tags gone, script dropped with its text
    assert html.question["choices"][0] == {"text": "Listening first", "correct": True,
                                           "feedback": "Right: listen first."}
    assert html.question["choices"][1]["feedback"] == "Recording comes after <listening>."  # [plain] kept as is
    assert html.question["explanation"] == "Listen, then record & check."
    missing_word = by_line[15]
    assert missing_word.question["prompt"] == "The first thing _____ in order."  # markdown read as plain words
    assert missing_word.id.startswith("gift-")  # no title: an id from the words
    assert missing_word.status == "ready"
    by_id = {entry.id: entry for entry in result.entries}
    weighted = by_id["basics-w03"]
    assert weighted.question["type"] == "multiple"
    assert [c["correct"] for c in weighted.question["choices"]] == [True, True, False]
    assert "partial-credit rule" in weighted.notes[0]
    assert by_id["basics-w04"].question["type"] == "true_false"
    partial = by_id["basics-w05"]
    assert partial.question["type"] == "single"
    assert [c["correct"] for c in partial.question["choices"]] == [False, False, True]
    assert "part credit (25%) for 'Gamma item' dropped" in partial.notes[0]
    skipped = {e.id or e.line: e.reasons[0].split(" (")[0] for e in result.entries if e.status == "skipped"}
    assert list(skipped.values()) == ["matching questions", "short-answer questions", "numerical questions",
                                      "essay questions", "a description"]


def test_the_same_file_gives_the_same_ids():
    first = [e.id for e in parse_gift(CONSTRUCTS).entries]
    assert first == [e.id for e in parse_gift(CONSTRUCTS).entries]
    assert len(set(filter(None, first))) == len(list(filter(None, first)))


MOODLE = Path(__file__).parent / "fixtures" / "moodle-gift"


@pytest.mark.parametrize(("name", "questions", "drafts", "skipped"), [
    ("examples.txt", 43, 23, 20),
    ("questions.gift.txt", 9, 5, 4),
    ("questions_in_category.gift.txt", 4, 2, 2),
])
def test_moodles_own_gift_files_are_read_question_by_question(name, questions, drafts, skipped):
    result = parse_gift((MOODLE / name).read_text())
    assert len(result.entries) == questions
    statuses = [e.status for e in result.entries]
    assert (statuses.count("draft"), statuses.count("skipped")) == (drafts, skipped)
    assert all(e.reasons for e in result.entries if e.status != "ready")  # each one says why
    ids = [e.id for e in result.entries if e.id]
    assert len(ids) == len(set(ids))


@pytest.fixture
def content(tmp_path):
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def _bank(content):
    return yaml.safe_load((content / "01-basics" / "quiz.yaml").read_text())["questions"]


def test_import_gift_extends_the_module_bank(make_app, content, tmp_path):
    gift = tmp_path / "extra.gift"
    gift.write_text(GOOD)
    runner = make_app(content_dir=content, sync=False).test_cli_runner()
    result = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 question(s)" in result.output
    ids = [q["id"] for q in _bank(content)]
    assert ids[-3:] == ["basics-g01", "basics-g02", "basics-g03"]
    assert len(ids) == 10
    assert runner.invoke(args=["content", "check"]).exit_code == 0
    again = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics"])
    assert "skipped: 'basics-g01' is in the course already" in again.output
    assert len(_bank(content)) == 10


def test_moodles_examples_import_what_they_can_and_drafts_are_never_published(make_app, content, tmp_path):
    app = make_app(content_dir=content, sync=False)
    runner = app.test_cli_runner()
    before = (content / "01-basics" / "quiz.yaml").read_text()
    result = runner.invoke(args=["content", "import-gift", str(MOODLE / "examples.txt"), "--module", "basics"])
    assert result.exit_code == 0, result.output
    assert f"{MOODLE / 'examples.txt'}:55: skipped: matching questions (->) are not supported" in result.output
    assert "Imported 0 question(s)" in result.output
    assert "23 as drafts" in result.output
    assert (content / "01-basics" / "quiz.yaml").read_text() == before
    drafts = yaml.safe_load((content / "01-basics" / "drafts.yaml").read_text())["questions"]
    assert len(drafts) == 23
    assert all(d["draft"] for d in drafts)
    check = runner.invoke(args=["content", "check"])
    assert check.exit_code == 0, check.output
    assert "23 draft question(s) waiting" in check.output
    assert "drafts.yaml:" in check.output
    assert "no objective" in check.output
    sync = runner.invoke(args=["content", "sync"])
    assert sync.exit_code == 0, sync.output
    with app.app_context():
        from sqlalchemy import select

        from course.extensions import db
        from course.models import Question
        draft_ids = [d["id"] for d in drafts]
        keys = set(db.session.scalars(select(Question.key)))
        assert "basics-q01" in keys  # the bank was published ...
        assert keys.isdisjoint(draft_ids)  # ... and none of the drafts


def test_a_complete_question_that_breaks_the_module_becomes_a_draft(make_app, content, tmp_path):
    before = (content / "01-basics" / "quiz.yaml").read_text()
    gift = tmp_path / "bad.gift"
    gift.write_text(GOOD.replace("objective: basics-two", "objective: not-an-objective"))
    runner = make_app(content_dir=content, sync=False).test_cli_runner()
    result = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics", "--dry-run"])
    assert "Would import 1 question(s)" in result.output
    assert (content / "01-basics" / "quiz.yaml").read_text() == before
    assert not (content / "01-basics" / "drafts.yaml").exists()
    result = runner.invoke(args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 0
    assert "imported as a draft basics-g02: objective 'not-an-objective' is not one of this module's" in result.output
    assert [q["id"] for q in _bank(content)][-1] == "basics-g01"
    assert runner.invoke(args=["content", "check"]).exit_code == 0


@pytest.mark.parametrize(("args", "message"), [
    (["--module", "nope"], "no module folder NN-nope"),
    (["--module", "basics", "--level", "hard"], "Invalid value for '--level'"),
])
def test_import_gift_refuses_bad_arguments_in_one_line(make_app, content, tmp_path, args, message):
    gift = tmp_path / "x.gift"
    gift.write_text(GOOD)
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(
        args=["content", "import-gift", str(gift), *args])
    assert result.exit_code == 2 if "Invalid" in message else 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_file_that_is_not_utf8_is_refused(make_app, content, tmp_path):
    gift = tmp_path / "latin1.gift"
    gift.write_bytes("::q:: Caf\xe9 {=a#x ~b#y ####z}".encode("latin-1"))
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(
        args=["content", "import-gift", str(gift), "--module", "basics"])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_export_gift_writes_the_bank_and_names_what_it_leaves_out(make_app, content, tmp_path):
    out = tmp_path / "basics.gift"
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(
        args=["content", "export-gift", "basics", "--output", str(out)])
    assert result.exit_code == 0
    assert "basics-q04: ordering questions cannot be written in GIFT" in result.output
    assert parse_gift(out.read_text()).problems == []
