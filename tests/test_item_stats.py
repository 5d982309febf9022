"""Item analysis: every number checked against a value worked out by hand in the comments."""

import math
import statistics

import pytest
from hypothesis import given
from hypothesis import strategies as st

from course.reports.item_stats import (
    MIN_ATTEMPTS_FOR_ALPHA,
    MIN_RESPONSES,
    ItemResponse,
    analyse,
    count_choices,
    cronbach_alpha,
    fisher_interval,
    item_flags,
    pearson,
    wilson_interval,
)

HAND = 5e-4  # hand values are given to 3 decimals (percent) or 4-5 decimals (correlations)

# Quiz A: six attempts of three slots, questions 1-4 drawn at random from a bank.
# Each attempt lists (question, credit) in position order.
QUIZ_A = {
    1: [(1, 1.0), (2, 1.0), (3, 1.0)],  # total 3
    2: [(2, 1.0), (1, 1.0), (4, 0.0)],  # total 2
    3: [(1, 1.0), (3, 0.0), (2, 1.0)],  # total 2
    4: [(4, 1.0), (2, 0.0), (1, 0.0)],  # total 1
    5: [(3, 1.0), (1, 1.0), (2, 0.0)],  # total 2
    6: [(2, 0.0), (4, 0.0), (1, 0.0)],  # total 0
}

# Quiz B: six attempts, the same three questions in the same slots: 7 easy, 8 and 9 misleading.
QUIZ_B = {
    1: [(7, 1.0), (8, 1.0), (9, 0.0)],
    2: [(7, 1.0), (8, 1.0), (9, 0.0)],
    3: [(7, 1.0), (8, 1.0), (9, 0.0)],
    4: [(7, 1.0), (8, 0.0), (9, 0.0)],
    5: [(7, 1.0), (8, 0.0), (9, 0.0)],
    6: [(7, 1.0), (8, 0.0), (9, 1.0)],
}


def build(quiz, chosen=None, offset=0):
    """(responses, slots) for a quiz table; `chosen` maps (attempt, question) to choice indexes."""
    chosen = chosen or {}
    responses = [ItemResponse(attempt + offset, question, credit, chosen.get((attempt, question), (0,)))
                 for attempt, items in quiz.items() for question, credit in items]
    slots = {attempt + offset: [credit for _, credit in items] for attempt, items in quiz.items()}
    return responses, slots


def test_facility_and_its_wilson_interval_match_the_hand_computation():
    items = analyse(*build(QUIZ_A)).items
    # Question 1: credits 1,1,1,0,1,0 -> p = 4/6, facility 66.667%.
    # z = 1.96, z^2/n = 3.8416/6 = 0.64027
    # centre = (0.66667 + 0.64027/2) / 1.64027 = 0.98680 / 1.64027 = 0.60161
    # half = 1.96/1.64027 * sqrt(0.66667*0.33333/6 + 3.8416/144) = 1.19493 * sqrt(0.063715) = 0.30162
    # interval = 0.29999 .. 0.90323 -> 29.999% .. 90.323%
    assert items[1].n == 6
    assert items[1].facility == pytest.approx(66.667, abs=HAND)
    assert items[1].facility_ci == pytest.approx((29.999, 90.323), abs=HAND)
    # Question 2: credits 1,1,1,0,0,0 -> p = 0.5, centre 0.5 by symmetry,
    # half = 1.19493 * sqrt(0.25/6 + 0.026678) = 1.19493 * 0.261428 = 0.31239 -> 18.761% .. 81.239%
    assert items[2].facility == 50.0
    assert items[2].facility_ci == pytest.approx((18.761, 81.239), abs=HAND)


def test_discrimination_is_the_correlation_with_the_rest_of_the_attempt():
    items = analyse(*build(QUIZ_A)).items
    # Question 1: x = credit 1,1,1,0,1,0; y = total - credit = 2,1,1,1,1,0 (attempts 1-6).
    # Sxx = 4 - 4^2/6 = 4/3; Syy = 8 - 6^2/6 = 2; Sxy = 5 - 4*6/6 = 1
    # r = 1 / sqrt(4/3 * 2) = sqrt(3/8) = 0.61237
    # Fisher: atanh(0.61237) = 0.71271; se = 1/sqrt(6-3) = 0.57735; 1.96 se = 1.13161
    # tanh(0.71271 - 1.13161) = tanh(-0.41890) = -0.39600; tanh(1.84432) = 0.95121
    assert items[1].discrimination == pytest.approx(0.61237, abs=1e-5)
    assert items[1].discrimination_ci == pytest.approx((-0.39600, 0.95121), abs=1e-5)
    # Question 2: x = 1,1,1,0,0,0; y = 2,1,1,1,2,0.
    # Sxx = 3 - 9/6 = 1.5; Syy = 11 - 49/6 = 17/6; Sxy = 4 - 3*7/6 = 0.5
    # r = 0.5 / sqrt(1.5 * 17/6) = 0.5 / sqrt(4.25) = 0.24254; interval tanh(0.24747 -+ 1.13161) = -0.70849 .. 0.88074
    assert items[2].discrimination == pytest.approx(0.24254, abs=1e-5)
    assert items[2].discrimination_ci == pytest.approx((-0.70849, 0.88074), abs=1e-5)


def test_one_correlation_agrees_with_the_standard_library():
    credits, rests = [1, 1, 1, 0, 1, 0], [2, 1, 1, 1, 1, 0]  # question 1 of quiz A, an independent path
    assert pearson(credits, rests) == pytest.approx(statistics.correlation(credits, rests), abs=1e-12)
    assert analyse(*build(QUIZ_A)).items[1].discrimination == pytest.approx(statistics.correlation(credits, rests))


def test_cronbach_alpha_over_slots_matches_the_hand_computation():
    slots = build(QUIZ_A)[1]
    # Slot 1: 1,1,1,1,1,0 -> SS = 5 - 25/6 = 5/6, sample variance 1/6
    # Slot 2: 1,1,0,0,1,0 -> SS = 3 - 9/6 = 3/2, variance 3/10
    # Slot 3: 1,0,1,0,0,0 -> SS = 2 - 4/6 = 4/3, variance 4/15; sum of slot variances 22/30 = 11/15
    # Totals: 3,2,2,1,2,0 -> SS = 22 - 100/6 = 16/3, variance 16/15
    # alpha = 3/2 * (1 - (11/15) / (16/15)) = 3/2 * 5/16 = 15/32 = 0.46875
    assert cronbach_alpha(list(slots.values())) == pytest.approx(0.46875, abs=1e-12)
    # Quiz B: slot variances 0, 3/10, 1/6 (sum 14/30); totals 2,2,2,1,1,2 -> 18 - 100/6 = 4/3, variance 8/30
    # alpha = 3/2 * (1 - 14/8) = -1.125: the slots pull against each other
    assert cronbach_alpha(list(build(QUIZ_B)[1].values())) == pytest.approx(-1.125, abs=1e-12)


def test_alpha_needs_enough_attempts():
    assert MIN_ATTEMPTS_FOR_ALPHA == 10
    few = analyse(*build(QUIZ_A))
    assert few.attempts == 6
    assert few.alpha is None
    assert few.alpha_too_few
    # Quiz A twice over (12 attempts): every sum of squares doubles, so the ratio and alpha stay 15/32.
    first, second = build(QUIZ_A), build(QUIZ_A, offset=100)
    enough = analyse(first[0] + second[0], {**first[1], **second[1]})
    assert enough.attempts == 12
    assert not enough.alpha_too_few
    assert enough.alpha == pytest.approx(0.46875, abs=1e-12)


def test_alpha_at_the_threshold_agrees_with_either_variance_convention():
    rows = [[1.0, 0.5, 0.0], [1.0, 1.0, 1.0], [0.0, 0.5, 0.0], [1.0, 0.0, 1.0], [0.5, 0.5, 0.5],
            [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 1.0, 0.5], [0.5, 0.0, 0.0], [1.0, 0.5, 1.0]]
    slots = dict(enumerate(rows[:MIN_ATTEMPTS_FOR_ALPHA - 1]))
    assert analyse([], slots).alpha is None
    slots = dict(enumerate(rows))

    def alpha_by(variance):
        columns = list(zip(*rows, strict=True))
        return 3 / 2 * (1 - sum(variance(c) for c in columns) / variance([sum(r) for r in rows]))

    result = analyse([], slots)
    assert result.alpha == pytest.approx(alpha_by(statistics.variance))
    assert result.alpha == pytest.approx(alpha_by(statistics.pvariance))


def test_alpha_is_none_when_it_cannot_be_computed():
    assert cronbach_alpha([]) is None
    assert cronbach_alpha([[1.0], [0.0], [1.0]]) is None  # one slot
    assert cronbach_alpha([[1.0, 0.0]]) is None  # one attempt
    assert cronbach_alpha([[1.0, 0.0]] * 12) is None  # everyone scored the same
    assert analyse([], dict.fromkeys(range(12), [1.0, 0.0])).alpha is None


def test_too_few_responses_suppress_flags_but_keep_the_numbers():
    items = analyse(*build(QUIZ_A)).items
    assert MIN_RESPONSES == 5
    # Question 3: attempts 1, 3, 5 with credits 1, 0, 1 and rests 2, 2, 1.
    # Sxx = 2 - 4/3 = 2/3; Syy = 9 - 25/3 = 2/3; Sxy = 3 - 2*5/3 = -1/3; r = -1/3 / (2/3) = -0.5
    three = items[3]
    assert three.n == 3
    assert three.too_few
    assert three.facility == pytest.approx(66.667, abs=HAND)
    assert three.discrimination == pytest.approx(-0.5)
    assert three.discrimination_ci is None  # Fisher's interval needs n > 3
    assert three.flags == []  # negative, but three responses prove nothing
    assert not items[1].too_few


def test_an_easy_question_is_flagged_and_its_zero_variance_gives_no_correlation():
    seven = analyse(*build(QUIZ_B)).items[7]
    # Credits 1 x 6: facility 100%. Wilson: centre = 1.32013/1.64027 = 0.80483,
    # half = 1.19493 * sqrt(0 + 0.026678) = 0.19517 -> 60.966% .. 100.000%
    assert seven.facility == 100.0
    assert seven.facility_ci == pytest.approx((60.966, 100.0), abs=HAND)
    assert seven.discrimination is None
    assert seven.discrimination_ci is None
    assert seven.flags == ["too_easy"]


def test_negative_discrimination_and_a_hard_question_are_flagged():
    items = analyse(*build(QUIZ_B)).items
    # Question 8: x = 1,1,1,0,0,0; rest = 1,1,1,1,1,2 (only attempt 6, which missed it, got question 9).
    # Sxx = 1.5; Syy = 9 - 49/6 = 5/6; Sxy = 3 - 3*7/6 = -0.5; r = -0.5/sqrt(1.25) = -1/sqrt(5) = -0.44721
    # Fisher: atanh(-0.44721) = -0.48121; -+ 1.13161 -> tanh(-1.61282) = -0.92358, tanh(0.65040) = 0.57194
    assert items[8].discrimination == pytest.approx(-0.44721, abs=1e-5)
    assert items[8].discrimination_ci == pytest.approx((-0.92358, 0.57194), abs=1e-5)
    assert items[8].flags == ["negative_discrimination"]
    # Question 9: p = 1/6, facility 16.667%. centre = (0.16667 + 0.32013)/1.64027 = 0.29678,
    # half = 1.19493 * sqrt(0.16667*0.83333/6 + 0.026678) = 1.19493 * 0.223217 = 0.26673 -> 3.005% .. 56.351%
    # x = 0,0,0,0,0,1; rest = 2,2,2,1,1,1: Sxx = 5/6, Syy = 1.5, Sxy = 1 - 9/6 = -0.5 -> r = -0.44721
    assert items[9].facility == pytest.approx(16.667, abs=HAND)
    assert items[9].facility_ci == pytest.approx((3.005, 56.351), abs=HAND)
    assert items[9].flags == ["too_hard", "negative_discrimination"]


def test_partial_credit_is_treated_as_a_proportion():
    quiz = {a: [(1, credit), (2, 1.0)] for a, credit in enumerate([1.0, 0.5, 0.5, 0.0, 0.5], start=1)}
    item = analyse(*build(quiz)).items[1]
    # Mean credit 2.5/5 = 0.5 -> 50%. Wilson with n = 5: z^2/n = 0.76832, centre 0.5,
    # half = 1.96/1.76832 * sqrt(0.05 + 0.038416) = 1.10840 * 0.297348 = 0.32958 -> 17.042% .. 82.958%
    assert item.facility == 50.0
    assert item.facility_ci == pytest.approx((17.042, 82.958), abs=HAND)
    assert item.discrimination is None  # the rest (question 2) is 1 in every attempt


def test_flag_thresholds_are_strict():
    assert item_flags(95.0, 0.0) == []
    assert item_flags(95.1, None) == ["too_easy"]
    assert item_flags(20.0, 0.3) == []
    assert item_flags(19.9, -0.01) == ["too_hard", "negative_discrimination"]
    assert item_flags(None, None) == []


def test_choice_counts_for_single_multiple_and_ordering_questions():
    chosen = {  # quiz A: question 1 is single choice, question 2 multiple answer, question 4 ordering
        (1, 1): (2,), (2, 1): (0,), (3, 1): (2,), (4, 1): (), (5, 1): (2,), (6, 1): (1,),
        (1, 2): (0, 1), (2, 2): (1, 3), (3, 2): (0, 1), (4, 2): (), (5, 2): (1,), (6, 2): (3,),
        (2, 4): (2, 0, 1), (4, 4): (0, 1, 2), (6, 4): (0, 2, 1),
    }
    items = analyse(*build(QUIZ_A, chosen), ordering_questions={4}).items
    assert items[1].choice_counts == {0: 1, 1: 1, 2: 3}
    assert items[1].unanswered == 1
    assert items[2].choice_counts == {0: 2, 1: 4, 3: 2}  # every ticked box counts
    assert items[4].choice_counts == {0: 2, 2: 1}  # only the item put first
    assert count_choices([(2, 0, 1), (0, 1, 2)]) == {0: 2, 1: 2, 2: 2}  # what ordering would give otherwise


def test_intervals_for_edge_cases():
    assert wilson_interval(0.0, 6)[0] == 0.0
    assert wilson_interval(1.0, 6)[1] == 1.0
    with pytest.raises(ValueError, match="at least one"):
        wilson_interval(0.5, 0)
    assert fisher_interval(1.0, 10) is None
    assert fisher_interval(0.5, 3) is None
    assert pearson([1, 0], [0, 1]) is None  # fewer than three pairs
    assert pearson([1, 1, 1], [0, 1, 2]) is None


@pytest.mark.parametrize(
    ("responses", "slots", "message"),
    [
        ([ItemResponse(1, 1, 1.5, (0,))], {1: [1.5]}, "between 0 and 1"),
        ([ItemResponse(1, 1, math.nan, (0,))], {1: [0.0]}, "between 0 and 1"),
        ([], {1: [1.0, 0.0], 2: [1.0]}, "same number of positions"),
        ([ItemResponse(9, 1, 1.0, (0,))], {1: [1.0]}, "no slots"),
        ([ItemResponse(1, 1, 1.0, (0,))] * 2, {1: [1.0, 1.0]}, "twice"),
    ],
)
def test_inconsistent_input_is_refused(responses, slots, message):
    with pytest.raises(ValueError, match=message):
        analyse(responses, slots)


CREDITS = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


@st.composite
def quizzes(draw):
    """Random attempts of k slots, each drawing k distinct questions from a bank."""
    k = draw(st.integers(1, 4))
    bank = list(range(draw(st.integers(k, 7))))
    responses, slots = [], {}
    for attempt in range(draw(st.integers(0, 14))):
        questions = draw(st.permutations(bank))[:k]
        credits = draw(st.lists(CREDITS, min_size=k, max_size=k))
        slots[attempt] = credits
        responses += [ItemResponse(attempt, q, c, tuple(draw(st.lists(st.integers(0, 4), max_size=3, unique=True))))
                      for q, c in zip(questions, credits, strict=True)]
    return responses, slots


@given(quizzes())
def test_every_statistic_stays_in_range(quiz):
    result = analyse(*quiz)
    assert result.alpha is None or result.alpha <= 1
    for item in result.items.values():
        low, high = item.facility_ci
        assert 0 <= low <= item.facility <= high <= 100
        assert item.too_few == (item.n < MIN_RESPONSES)
        assert not (item.too_few and item.flags)
        if item.discrimination is not None:
            assert -1 <= item.discrimination <= 1
        if item.discrimination_ci is not None:
            low, high = item.discrimination_ci
            assert -1 <= low <= item.discrimination <= high <= 1


@given(st.lists(st.tuples(CREDITS, CREDITS), min_size=3, max_size=30))
def test_correlation_never_leaves_minus_one_to_one(pairs):
    r = pearson([x for x, _ in pairs], [y for _, y in pairs])
    assert r is None or -1 <= r <= 1
