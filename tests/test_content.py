"""The content pipeline: `content check` rejects bad content with file, line and reason;
`content sync` publishes versions by hash, idempotently."""

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from course.config import PROJECT_ROOT
from course.content.checks import check_course
from course.content.curriculum import render_curriculum
from course.content.publish import ContentInvalid, sync_content
from course.extensions import db
from course.models import ContentVersion, Module
from tests.conftest import FIXTURE_CONTENT


@pytest.fixture
def content(tmp_path) -> Path:
    """A writable copy of the fixture course."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def problems(root: Path) -> list[str]:
    return [str(p) for p in check_course(root).problems]


def assert_problem(root: Path, where: str, reason: str) -> None:
    found = problems(root)
    assert any(p.startswith(where) and reason in p for p in found), found


def test_the_fixture_course_is_valid(content):
    assert problems(content) == []


def test_the_shipped_course_is_valid():
    assert problems(PROJECT_ROOT / "modules") == []


def test_missing_course_file(content):
    (content / "course.yaml").unlink()
    assert_problem(content, str(content / "course.yaml"), "course.yaml is missing")


def test_yaml_syntax_errors_give_the_line(content):
    edit(content / "01-basics" / "quiz.yaml", "    prompt: Which is the first thing?", "    prompt: [unclosed")
    assert_problem(content, "modules/01-basics/quiz.yaml:", "not valid YAML")


def test_unknown_keys_are_reported_with_their_line(content):
    edit(content / "01-basics" / "module.yaml", "minutes: 80", "minutes: 80\nminuets: 5")
    assert_problem(content, "modules/01-basics/module.yaml:4", "minuets: Extra inputs are not permitted")


def test_a_listed_module_needs_a_folder(content):
    edit(content / "course.yaml", "  - practice", "  - practice\n  - missing-module")
    assert_problem(content, "modules/course.yaml", "'missing-module' has no folder")


def test_every_folder_must_be_listed(content):
    edit(content / "course.yaml", "  - practice\n", "")
    assert_problem(content, "modules/02-practice", "not listed in course.yaml")


def test_folder_names_follow_the_pattern(content):
    (content / "Extra Module").mkdir()
    assert_problem(content, "modules/Extra Module", "NN-<slug>")


def test_lessons_need_front_matter(content):
    (content / "01-basics" / "lessons" / "03-bare.md").write_text("Just text.\n")
    assert_problem(content, "modules/01-basics/lessons/03-bare.md:1", "front matter")


def test_lesson_objectives_must_be_declared(content):
    edit(content / "01-basics" / "lessons" / "01-first.md", "objectives: [basics-one]", "objectives: [basics-nine]")
    assert_problem(content, "modules/01-basics/lessons/01-first.md:4", "'basics-nine' is not declared")


def test_lesson_sources_must_be_declared_and_present(content):
    edit(content / "01-basics" / "lessons" / "01-first.md", "sources: [src-a]", "sources: [src-z]")
    assert_problem(content, "modules/01-basics/lessons/01-first.md:5", "'src-z' is not declared")
    edit(content / "01-basics" / "lessons" / "01-first.md", "sources: [src-z]", "sources: []")
    assert_problem(content, "modules/01-basics/lessons/01-first.md:5", "sources: List should have at least 1 item")


def test_lessons_end_with_in_practice(content):
    edit(content / "02-practice" / "lessons" / "01-only.md", "## In practice", "## Afterwards")
    assert_problem(content, "modules/02-practice/lessons/01-only.md", "In practice")


def test_unknown_question_type(content):
    edit(content / "01-basics" / "quiz.yaml", "type: single", "type: essay")
    assert_problem(content, "modules/01-basics/quiz.yaml:3", "'essay' is not a question type")


def test_single_choice_needs_exactly_one_correct(content):
    edit(content / "01-basics" / "quiz.yaml", "Beta answer, correct: false", "Beta answer, correct: true")
    assert_problem(content, "modules/01-basics/quiz.yaml:", "exactly one correct choice, not 2")


def test_true_false_needs_true_and_false(content):
    edit(content / "01-basics" / "quiz.yaml", '{text: "False", correct: false, feedback: It does come first.}',
         "{text: Nope, correct: false, feedback: It does come first.}")
    assert_problem(content, "modules/01-basics/quiz.yaml:", "'True' and 'False'")


def test_multiple_needs_a_correct_choice(content):
    quiz = content / "01-basics" / "quiz.yaml"
    edit(quiz, "Alpha item, correct: true", "Alpha item, correct: false")
    edit(quiz, "Aleph item, correct: true", "Aleph item, correct: false")
    assert_problem(content, "modules/01-basics/quiz.yaml:", "at least one correct choice")


def test_ordering_items_are_not_marked_correct(content):
    edit(content / "01-basics" / "quiz.yaml", "{text: Listen to the complainant,",
         "{text: Listen to the complainant, correct: true,")
    assert_problem(content, "modules/01-basics/quiz.yaml:", "do not mark any 'correct'")


def test_every_choice_has_feedback(content):
    edit(content / "01-basics" / "quiz.yaml", "{text: Gamma answer, correct: false, feedback: Gamma comes third.}",
         "{text: Gamma answer, correct: false}")
    assert_problem(content, "modules/01-basics/quiz.yaml:10", "choices.2.feedback: Field required")


def test_question_ids_are_unique_across_the_course(content):
    edit(content / "02-practice" / "quiz.yaml", "id: practice-q01", "id: basics-q01")
    assert_problem(content, "modules/02-practice/quiz.yaml:", "'basics-q01' is used more than once")


def test_question_objective_and_source_must_be_declared(content):
    quiz = content / "02-practice" / "quiz.yaml"
    edit(quiz, "    objective: practice-one\n    level: application\n    prompt: Practice question one?",
         "    objective: practice-two\n    level: application\n    prompt: Practice question one?")
    edit(quiz, "    source: src-b", "    source: src-q")
    assert_problem(content, "modules/02-practice/quiz.yaml:2", "objective 'practice-two' is not declared")
    assert_problem(content, "modules/02-practice/quiz.yaml:2", "source 'src-q' is not declared")


def test_each_objective_is_taught_and_assessed_three_times(content):
    edit(content / "01-basics" / "module.yaml", "sources:", "  - id: basics-three\n    text: Untaught.\nsources:")
    assert_problem(content, "modules/01-basics/module.yaml", "'basics-three' is not taught by any lesson")
    assert_problem(content, "modules/01-basics/module.yaml", "'basics-three' is assessed by 0 question(s)")


def test_the_bank_must_hold_enough_questions_per_attempt(content):
    edit(content / "02-practice" / "module.yaml", "questions_per_attempt: 3", "questions_per_attempt: 9")
    assert_problem(content, "modules/02-practice/module.yaml", "the bank has only 3 questions")


def test_objective_ids_are_unique_across_modules(content):
    edit(content / "02-practice" / "module.yaml", "  - id: practice-one\n    text: Apply the practice.",
         "  - id: practice-one\n    text: Apply the practice.\n  - id: basics-one\n    text: Copy.")
    assert_problem(content, "modules/02-practice/module.yaml", "'basics-one' is also used in basics")


def test_scenario_references_must_exist(content):
    edit(content / "02-practice" / "scenario.yaml", "next: good-end}", "next: nowhere}")
    assert_problem(content, "modules/02-practice/scenario.yaml", "next 'nowhere' is not a step or ending")


def test_scenario_start_must_be_a_step(content):
    edit(content / "02-practice" / "scenario.yaml", "start: one", "start: zero")
    assert_problem(content, "modules/02-practice/scenario.yaml", "start: 'zero' is not a step")


def test_scenarios_have_no_loops(content):
    edit(content / "02-practice" / "scenario.yaml", "feedback: She leaves without help., next: poor-end",
         "feedback: She leaves without help., next: one")
    assert_problem(content, "modules/02-practice/scenario.yaml", "leads back to itself")


def test_scenario_paths_need_three_decisions(content):
    edit(content / "02-practice" / "scenario.yaml", "feedback: Interrupting shuts the person down., next: two",
         "feedback: Interrupting shuts the person down., next: poor-end")
    assert_problem(content, "modules/02-practice/scenario.yaml", "after 1 decision(s)")


def test_unreachable_scenario_steps(content):
    scenario = content / "02-practice" / "scenario.yaml"
    edit(scenario, "endings:", "  - id: orphan\n    situation: Never reached.\n    choices:\n"
         "      - {text: A, quality: best, feedback: F, next: good-end}\n"
         "      - {text: B, quality: poor, feedback: F, next: good-end}\nendings:")
    assert_problem(content, "modules/02-practice/scenario.yaml", "'orphan' cannot be reached")


def test_scenario_required_needs_a_scenario(content):
    edit(content / "01-basics" / "module.yaml", "title: Basics", "title: Basics\nscenario_required: true")
    assert_problem(content, "modules/01-basics/module.yaml", "no scenario.yaml")


@pytest.mark.parametrize(("path", "old", "new", "bad"), [
    ("01-basics/lessons/01-first.md", "46.8%", "47.2%", "47.2"),
    ("01-basics/lessons/02-second.md", "December 2021", "December 2023", "2023"),
    ("01-basics/quiz.yaml", "Which is the first thing?", "Which of the 12 is the first thing?", "12"),
    ("02-practice/scenario.yaml", "The second situation.", "The second situation, 3 hours later.", "3"),
])
def test_numbers_must_be_listed_figures(content, path, old, new, bad):
    edit(content / path, old, new)
    assert_problem(content, f"modules/{path}", f"'{bad}' is not a figure listed in figures.yaml")


def test_a_figure_split_across_lines_still_matches(content):
    edit(content / "01-basics" / "lessons" / "02-second.md", "from December 2021.", "from December\n2021.")
    assert problems(content) == []


def test_check_command_prints_file_line_reason_and_fails(make_app, content):
    edit(content / "01-basics" / "module.yaml", "minutes: 80", "minutes: twenty")
    runner = make_app(content_dir=content, sync=False).test_cli_runner()
    result = runner.invoke(args=["content", "check"])
    assert result.exit_code == 1
    assert "modules/01-basics/module.yaml:3: minutes: Input should be a valid integer" in result.output


def test_check_command_reports_a_valid_course(make_app, content):
    result = make_app(content_dir=content, sync=False).test_cli_runner().invoke(args=["content", "check"])
    assert result.exit_code == 0
    assert "OK: 2 modules, 3 lessons, 10 quiz questions, 0 exam questions" in result.output


def versions(app):
    with app.app_context():
        return db.session.scalars(select(ContentVersion).order_by(ContentVersion.id)).all()


def test_sync_is_idempotent_and_versions_by_hash(make_app, content):
    app = make_app(content_dir=content)
    runner = app.test_cli_runner()
    assert "already live" in runner.invoke(args=["content", "sync"]).output
    assert len(versions(app)) == 1
    edit(content / "02-practice" / "lessons" / "01-only.md", "Practise the thing.", "Practise the thing daily.")
    assert "published" in runner.invoke(args=["content", "sync"]).output
    old, new = versions(app)
    assert not old.is_live
    assert new.is_live
    assert old.content_hash != new.content_hash
    with app.app_context():
        assert db.session.scalar(select(func.count(Module.id))) == 4  # the old version's modules are kept


def test_sync_refuses_invalid_content_and_changes_nothing(make_app, content):
    app = make_app(content_dir=content)
    edit(content / "01-basics" / "quiz.yaml", "type: single", "type: essay")
    result = app.test_cli_runner().invoke(args=["content", "sync"])
    assert result.exit_code == 1
    assert "not a question type" in result.output
    assert len(versions(app)) == 1
    with app.app_context(), pytest.raises(ContentInvalid):
        sync_content(db.session, content)


def test_recommendations_must_map_to_declared_objectives(content):
    edit(content / "course.yaml", "modules:", "recommendations:\n  - {id: A1, by: Someone, text: Do it., "
                                              "objectives: [basics-one, nowhere]}\nmodules:")
    assert_problem(content, "modules/course.yaml", "recommendation A1: objective 'nowhere' is not declared")


def test_recommendations_need_at_least_one_objective(content):
    edit(content / "course.yaml", "modules:", "recommendations:\n  - {id: A1, by: Someone, text: Do it., "
                                              "objectives: []}\nmodules:")
    assert_problem(content, "modules/course.yaml:", "objectives: List should have at least 1 item")


def test_glossary_definitions_are_checked_for_figures(content):
    edit(content / "glossary.yaml", "Removing content from a platform.", "Removing content within 24 hours.")
    assert_problem(content, "modules/glossary.yaml", "'24' is not a figure")


def test_the_shipped_curriculum_map_is_up_to_date():
    course = check_course(PROJECT_ROOT / "modules")
    committed = (PROJECT_ROOT / "docs" / "curriculum.md").read_text(encoding="utf-8")
    assert committed == render_curriculum(course), "run: flask --app app content curriculum --output docs/curriculum.md"


def test_every_article_recommendation_is_mapped_in_the_shipped_course():
    course = check_course(PROJECT_ROOT / "modules")
    assert sorted(r.id for r in course.spec.recommendations) == ["A1", "A2", "A3", "A4", "T1", "T2", "T3", "T4"]


def test_the_shipped_course_meets_the_curriculum_bars():
    course = check_course(PROJECT_ROOT / "modules")
    assert len(course.modules) == 9
    for module in course.modules:
        assert 3 <= len(module.spec.objectives) <= 5, module.slug
        assert 3 <= len(module.lessons) <= 5, module.slug
        assert len(module.questions) >= 12, module.slug
        assert all(5 <= lesson.front.minutes <= 10 for lesson in module.lessons), module.slug
    with_scenarios = {m.slug for m in course.modules if m.scenario is not None}
    assert {"what-are-digital-sex-crimes", "nth-room-case", "stereotypes-and-bias", "law-and-enforcement",
            "survivor-centred-first-response", "evidence-and-takedown", "protection-through-legal-process",
            "media-platforms-prevention", "investigation"} <= with_scenarios


def test_long_winded_lessons_are_flagged(content):
    long_sentence = " ".join(["word"] * 40) + "."
    edit(content / "02-practice" / "lessons" / "01-only.md", "Practise the thing.", f"{long_sentence} {long_sentence}")
    assert_problem(content, "modules/02-practice/lessons/01-only.md", "sentences average")


def test_credit_hours_may_not_exceed_the_estimated_study_time(content):
    edit(content / "course.yaml", "credit_hours: 2", "credit_hours: 2.5")
    assert_problem(content, "modules/course.yaml", "credit_hours is 2.5 but the modules' estimates add up to 120 "
                                                   "minutes (at most 2 hour(s), rounded up)")


def test_credit_hours_are_checked_against_the_lessons_when_they_add_up_to_more(content):
    edit(content / "01-basics" / "module.yaml", "minutes: 80", "minutes: 1")
    edit(content / "02-practice" / "module.yaml", "minutes: 40", "minutes: 1")
    assert_problem(content, "modules/course.yaml", "credit_hours is 2 but the modules' estimates add up to 15 "
                                                   "minutes (at most 1 hour(s), rounded up)")


def test_the_curriculum_map_shows_items_by_level_and_objective(content):
    text = render_curriculum(check_course(content))
    assert "Items by level: 2 (29%) recall, 5 (71%) application." in text
    assert "| `basics-one`: Identify the first thing. | First lesson | 3 (1 + 2) |" in text
    assert "| Basics | 7 | 5 (71%) | 1 / 1 / 1 / 0 | 1 of 2 |" in text
