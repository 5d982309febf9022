"""Pure quiz logic: each question type's grading, the stratified draw and shuffles."""

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.core.questions import ResponseError, get_type
from course.quiz.grading import choice_order, draw_questions, has_passed, score_percent


def question(kind, flags, **extra):
    return {"type": kind, "choices": [{"text": str(i), "correct": f, "feedback": "f"} for i, f in enumerate(flags)],
            **extra}


def test_single_choice_is_right_or_wrong():
    single = get_type("single")
    data = question("single", [False, True, False])
    assert single.grade(data, [1]) == 1.0
    assert single.grade(data, [0]) == 0.0
    assert single.grade(data, None) == 0.0


def test_single_choice_refuses_two_answers_and_unknown_positions():
    single = get_type("single")
    with pytest.raises(ResponseError):
        single.parse(["0", "1"], [2, 0, 1])
    with pytest.raises(ResponseError):
        single.parse(["3"], [2, 0, 1])
    with pytest.raises(ResponseError):
        single.parse(["-1"], [2, 0, 1])
    assert single.parse(["0"], [2, 0, 1]) == [2]  # displayed position 0 is authored choice 2


def test_multiple_partial_credit_rule():
    multiple = get_type("multiple")
    data = question("multiple", [True, True, False, False])
    assert multiple.grade(data, [0, 1]) == 1.0
    assert multiple.grade(data, [0]) == 0.5
    assert multiple.grade(data, [0, 2]) == 0.0
    assert multiple.grade(data, [0, 1, 2, 3]) == 0.0  # ticking everything earns nothing


def test_multiple_all_or_nothing():
    multiple = get_type("multiple")
    data = question("multiple", [True, True, False], scoring="all_or_nothing")
    assert multiple.grade(data, [0]) == 0.0
    assert multiple.grade(data, [0, 1]) == 1.0


@given(st.lists(st.booleans(), min_size=3, max_size=8).filter(any), st.data())
def test_multiple_credit_is_always_between_zero_and_one(flags, data):
    chosen = data.draw(st.lists(st.integers(0, len(flags) - 1), unique=True))
    credit = get_type("multiple").grade(question("multiple", flags), sorted(chosen))
    assert 0.0 <= credit <= 1.0


def test_ordering_needs_every_item_in_place():
    ordering = get_type("ordering")
    data = question("ordering", [False, False, False])
    shown = [2, 0, 1]
    assert ordering.parse(["3", "1", "2"], shown) == [0, 1, 2]
    assert ordering.grade(data, [0, 1, 2]) == 1.0
    assert ordering.grade(data, [1, 0, 2]) == 0.0
    with pytest.raises(ResponseError):
        ordering.parse(["1", "1", "2"], shown)
    with pytest.raises(ResponseError):
        ordering.parse(["1", "", "2"], shown)
    assert ordering.parse(["", "", ""], shown) is None


def test_true_false_keeps_its_order():
    assert choice_order("true_false", 2, random.Random(1)) == [0, 1]


@given(st.integers(2, 8), st.integers(0, 10_000))
def test_shuffled_choice_orders_are_permutations(count, seed):
    assert sorted(choice_order("single", count, random.Random(seed))) == list(range(count))


@given(st.lists(st.sampled_from("abcde"), min_size=1, max_size=40), st.integers(1, 40), st.integers(0, 10_000))
def test_draws_cover_every_objective_when_the_count_allows(objectives, count, seed):
    bank = list(enumerate(objectives))
    drawn = draw_questions(bank, count, random.Random(seed))
    assert len(drawn) == min(count, len(bank))
    assert len(set(drawn)) == len(drawn)
    covered = {objectives[i] for i in drawn}
    assert len(covered) == min(len(set(objectives)), len(drawn))


def test_score_and_pass_mark():
    assert score_percent([1, 1, 0.5, 0]) == 62.5
    assert score_percent([]) == 0.0
    assert has_passed(80.0, 80)
    assert not has_passed(79.9, 80)
