"""`content check` rules for scenarios: each rule rejects a bad copy of the fixture scenario."""

import shutil

import pytest

from tests.conftest import FIXTURE_CONTENT
from tests.test_content import assert_problem, edit, problems

SCENARIO = "modules/02-practice/scenario.yaml"


@pytest.fixture
def content(tmp_path):
    """A writable copy of the fixture course."""
    root = tmp_path / "modules"
    shutil.copytree(FIXTURE_CONTENT, root)
    return root


@pytest.fixture
def scenario(content):
    return content / "02-practice" / "scenario.yaml"


def test_the_fixture_scenario_uses_flags_and_passes(content):
    assert problems(content) == []


def test_every_step_needs_a_best_choice(content, scenario):
    edit(scenario, "{text: Listen, quality: best,", "{text: Listen, quality: acceptable,")
    assert_problem(content, f"{SCENARIO}:7", "step 'one' has no best choice")


def test_an_ending_no_choice_leads_to_is_unreachable(content, scenario):
    edit(scenario, "debrief:", "  - {id: forgotten, title: Forgotten, outcome: Nobody gets here.}\ndebrief:")
    assert_problem(content, SCENARIO, "ending 'forgotten' cannot be reached")


def test_a_step_that_never_reaches_an_ending_is_a_dead_end(content, scenario):
    edit(scenario, "She leaves without help., next: poor-end", "She leaves without help., next: two")
    edit(scenario, "feedback: Support helps recovery., next: good-end", "feedback: Support helps recovery., next: one")
    edit(scenario, "- {id: good-end,", "- {id: spare-end,")
    assert_problem(content, SCENARIO, "step 'three' is a dead end")
    assert_problem(content, SCENARIO, "step 'one' is a dead end")


def test_a_flag_read_but_never_set_is_rejected(content, scenario):
    edit(scenario, "      - when: links-recorded\n", "      - when: link-recorded\n")
    assert_problem(content, f"{SCENARIO}:17", "step 'three' reads flag 'link-recorded', which no choice sets")


def test_a_flag_read_before_any_choice_could_set_it_is_rejected(content, scenario):
    edit(scenario, "    situation: The first situation.",
         "    situation:\n      - The first situation.\n      - {when: {not: links-recorded}, text: Too early.}")
    assert_problem(content, f"{SCENARIO}:7", "step 'one' reads flag 'links-recorded', which no choice before it sets")


def test_a_flag_set_but_never_read_is_rejected(content, scenario):
    edit(scenario, "next: three, sets: [links-recorded]}", "next: three, sets: [links-recorded, unused]}")
    assert_problem(content, SCENARIO, "flag 'unused' is set but no text reads it")


def test_a_malformed_condition_is_rejected(content, scenario):
    edit(scenario, "      - when: {not: links-recorded}\n", "      - when: {nor: links-recorded}\n")
    assert_problem(content, SCENARIO, "situation")


def test_numbers_in_conditional_text_must_be_listed_figures(content, scenario):
    edit(scenario, "Only the first link is in your notes.", "Only 3 links are in your notes.")
    assert_problem(content, SCENARIO, "'3' is not a figure listed in figures.yaml")


def test_a_scenario_pass_score_must_be_a_percentage(content):
    module = content / "02-practice" / "module.yaml"
    module.write_text(module.read_text() + "scenario_pass_score: 120\n")
    assert_problem(content, "modules/02-practice/module.yaml", "scenario_pass_score")


def test_a_file_that_lists_the_best_choice_first_in_most_steps_is_rejected(content, scenario):
    interrupt = "      - {text: Interrupt, quality: poor, feedback: Interrupting shuts the person down., next: two}\n"
    listen = "      - {text: Listen, quality: best, feedback: Listening builds trust., next: two}\n"
    silence = "      - {text: Say nothing, quality: poor, feedback: She leaves without help., next: poor-end}\n"
    refer = "      - {text: Refer to support, quality: best, feedback: Support helps recovery., next: good-end}\n"
    edit(scenario, interrupt + listen, listen + interrupt)
    edit(scenario, silence + refer, refer + silence)
    assert_problem(content, SCENARIO, "the best choice is listed first in 2 of 3 steps")
