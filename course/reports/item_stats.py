"""Item analysis for a quiz: facility, discrimination, distractors and Cronbach's alpha. Plain values in and out.

Conventions (explained for trainers in docs/item-analysis.md):
- facility is the mean credit as a percentage, with a 95% Wilson score interval that treats the mean
  credit as a proportion of n trials (exact for right/wrong questions, an approximation with partial credit);
- discrimination is Moodle's discrimination index: the Pearson correlation between the credit on the
  question and the rest of the attempt's score (attempt total minus that credit), with a Fisher z interval;
- Cronbach's alpha is computed over positions ("slots"), not questions, because questions are drawn at
  random from a bank, as Moodle does for random questions.

Sums run exactly on integers (every credit times a common denominator), so "no variation" and "perfect
correlation" are detected exactly and rounding can never push |r| or alpha past 1.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

MIN_RESPONSES = 5  # below this, an item shows its n and a "too few responses" note, and is never flagged
MIN_ATTEMPTS_FOR_ALPHA = 10  # below this, alpha swings too widely to mean anything
Z_95 = 1.96  # two-sided 95% normal quantile
TOO_EASY_ABOVE = 95.0  # facility, percent
TOO_HARD_BELOW = 20.0  # facility, percent

TOO_EASY = "too_easy"
TOO_HARD = "too_hard"
NEGATIVE_DISCRIMINATION = "negative_discrimination"


@dataclass(frozen=True)
class ItemResponse:
    """One question as answered in one attempt."""

    attempt_id: int
    question_id: int
    credit: float  # 0.0-1.0 (partial credit possible)
    chosen: tuple[int, ...]  # authored choice indexes chosen (empty if unanswered; ordering: in the given order)


@dataclass
class ItemStatistics:
    """The statistics of one question across the attempts that drew it."""

    question_id: int
    n: int  # responses
    facility: float | None  # mean credit, percent 0-100
    facility_ci: tuple[float, float] | None  # 95% interval, percent
    discrimination: float | None  # corrected item-total correlation, -1..1
    discrimination_ci: tuple[float, float] | None
    choice_counts: dict[int, int]  # authored choice index -> times chosen
    flags: list[str]  # machine codes: "too_easy", "too_hard", "negative_discrimination"
    too_few: bool  # n below MIN_RESPONSES: show n and a note, not bare numbers
    unanswered: int = 0  # responses with no choice at all (counted in n, with credit 0)


@dataclass
class QuizStatistics:
    """The statistics of one quiz: reliability over slots and one entry per question."""

    attempts: int
    alpha: float | None  # Cronbach's alpha, None if it cannot be computed
    alpha_too_few: bool
    items: dict[int, ItemStatistics] = field(default_factory=dict)


def analyse(
    responses: Iterable[ItemResponse],
    slots: Mapping[int, Sequence[float]],
    *,
    ordering_questions: Collection[int] = frozenset(),
) -> QuizStatistics:
    """Item statistics for every question answered, and Cronbach's alpha over slots.

    `slots` maps each attempt id to its item credits in position order; every attempt must have the
    same number of positions. `ordering_questions` are the ids of ordering questions, whose choice
    counts record only the item put first.
    """
    responses = list(responses)
    rows = {attempt_id: [_credit(value) for value in credits] for attempt_id, credits in slots.items()}
    if len({len(credits) for credits in rows.values()}) > 1:
        raise ValueError("every attempt of a quiz must have the same number of positions")
    # One common denominator turns every credit into an integer, so sums are exact and fast.
    unit = _denominator([value for credits in rows.values() for value in credits]
                        + [_credit(response.credit) for response in responses])
    totals = {attempt_id: sum(_scaled(value, unit) for value in credits) for attempt_id, credits in rows.items()}
    by_question: dict[int, list[ItemResponse]] = defaultdict(list)
    seen: set[tuple[int, int]] = set()
    for response in responses:
        key = (response.attempt_id, response.question_id)
        if response.attempt_id not in totals:
            raise ValueError(f"attempt {response.attempt_id} has a response but no slots")
        if key in seen:
            raise ValueError(f"question {response.question_id} appears twice in attempt {response.attempt_id}")
        seen.add(key)
        by_question[response.question_id].append(response)
    items = {
        question_id: _item_statistics(
            question_id, by_question[question_id], totals, unit, ordering=question_id in ordering_questions
        )
        for question_id in sorted(by_question)
    }
    too_few = len(rows) < MIN_ATTEMPTS_FOR_ALPHA
    alpha = None if too_few else cronbach_alpha(list(rows.values()))
    return QuizStatistics(attempts=len(rows), alpha=alpha, alpha_too_few=too_few, items=items)


def _item_statistics(
    question_id: int, responses: Sequence[ItemResponse], totals: Mapping[int, int], unit: int, *, ordering: bool
) -> ItemStatistics:
    """The statistics of one question; `totals` are attempt totals as integer multiples of 1/`unit`."""
    n = len(responses)
    credits = [_scaled(response.credit, unit) for response in responses]
    rests = [totals[response.attempt_id] - credit for response, credit in zip(responses, credits, strict=True)]
    facility = float(Fraction(100 * sum(credits), n * unit))  # rounded once, so 20% is exactly 20.0
    low, high = wilson_interval(float(Fraction(sum(credits), n * unit)), n)
    discrimination = _integer_pearson(credits, rests)
    too_few = n < MIN_RESPONSES
    return ItemStatistics(
        question_id=question_id,
        n=n,
        facility=facility,
        facility_ci=(min(100 * low, facility), max(100 * high, facility)),  # 100 * low may round past facility
        discrimination=discrimination,
        discrimination_ci=None if discrimination is None else fisher_interval(discrimination, n),
        choice_counts=count_choices((response.chosen for response in responses), ordering=ordering),
        flags=[] if too_few else item_flags(facility, discrimination),
        too_few=too_few,
        unanswered=sum(1 for response in responses if not response.chosen),
    )


def wilson_interval(proportion: float, n: int, z: float = Z_95) -> tuple[float, float]:
    """The Wilson score interval for `proportion` of `n` trials, as proportions 0-1."""
    if n < 1:
        raise ValueError("a confidence interval needs at least one trial")
    spread = z * z / n
    centre = (proportion + spread / 2) / (1 + spread)
    half = z / (1 + spread) * math.sqrt(proportion * (1 - proportion) / n + spread / (4 * n))
    # The exact interval always contains the proportion; clamping keeps rounding from losing that.
    return max(0.0, min(centre - half, proportion)), min(1.0, max(centre + half, proportion))


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r, or None with fewer than 3 pairs or when either side does not vary."""
    if len(xs) != len(ys):
        raise ValueError("a correlation needs pairs")
    x_unit, y_unit = _denominator(xs), _denominator(ys)  # r does not change when a side is rescaled
    return _integer_pearson([_scaled(x, x_unit) for x in xs], [_scaled(y, y_unit) for y in ys])


def _integer_pearson(xs: Sequence[int], ys: Sequence[int]) -> float | None:
    """Pearson's r computed exactly on integers, rounded once at the end."""
    n = len(xs)
    if n < 3 or len(set(xs)) == 1 or len(set(ys)) == 1:
        return None
    sx, sy = sum(xs), sum(ys)
    # n times the sums of squares and of products about the mean; the factor n cancels in r.
    sxx = n * sum(x * x for x in xs) - sx * sx
    syy = n * sum(y * y for y in ys) - sy * sy
    sxy = n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sx * sy
    # r squared is exact and at most 1, so the rounded root never exceeds 1.
    r = math.sqrt(float(Fraction(sxy * sxy, sxx * syy)))
    return -r if sxy < 0 else r


def fisher_interval(r: float, n: int, z: float = Z_95) -> tuple[float, float] | None:
    """The 95% interval for a correlation r from n pairs via Fisher's z, or None when undefined."""
    if n <= 3 or abs(r) >= 1:
        return None
    centre, half = math.atanh(r), z / math.sqrt(n - 3)
    return math.tanh(centre - half), math.tanh(centre + half)


def cronbach_alpha(rows: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's alpha over the columns (slots) of `rows` (attempts), with no minimum number of rows.

    alpha = k/(k-1) * (1 - sum of slot variances / variance of attempt totals), with sample
    variances (divisor m-1); the divisor cancels in the ratio, so population variances give the same
    alpha. None when there are fewer than 2 slots or 2 attempts, or the totals do not vary.
    """
    m = len(rows)
    k = len(rows[0]) if rows else 0
    if k < 2 or m < 2:
        return None
    if any(len(row) != k for row in rows):
        raise ValueError("every attempt must have the same number of slots")
    unit = _denominator([value for row in rows for value in row])
    scaled = [[_scaled(value, unit) for value in row] for row in rows]
    slot_squares = sum(_sum_squares([row[i] for row in scaled]) for i in range(k))
    total_squares = _sum_squares([sum(row) for row in scaled])
    if total_squares == 0:
        return None
    # Exact until the final rounding, and the exact value is at most 1, so alpha never exceeds 1.
    return float(Fraction(k, k - 1) * (1 - Fraction(slot_squares, total_squares)))


def count_choices(chosen: Iterable[Sequence[int]], *, ordering: bool = False) -> dict[int, int]:
    """How often each authored choice was chosen; for ordering questions, only the item put first."""
    counts: Counter[int] = Counter()
    for indexes in chosen:
        counts.update(indexes[:1] if ordering else indexes)
    return dict(sorted(counts.items()))


def item_flags(facility: float | None, discrimination: float | None) -> list[str]:
    """Machine codes for a question that looks broken: too easy, too hard, or negatively discriminating."""
    flags = []
    if facility is not None and facility > TOO_EASY_ABOVE:
        flags.append(TOO_EASY)
    if facility is not None and facility < TOO_HARD_BELOW:
        flags.append(TOO_HARD)
    if discrimination is not None and discrimination < 0:
        flags.append(NEGATIVE_DISCRIMINATION)
    return flags


def _sum_squares(values: Sequence[int]) -> int:
    """m times the sum of squared deviations from the mean (m(m-1) times the sample variance)."""
    return len(values) * sum(value * value for value in values) - sum(values) ** 2


def _denominator(values: Iterable[float]) -> int:
    """The least common denominator of `values` (a power of two for floats)."""
    return math.lcm(1, *(value.as_integer_ratio()[1] for value in values))


def _scaled(value: float, unit: int) -> int:
    """`value` as an integer multiple of 1/`unit`; exact because `unit` is a common denominator."""
    numerator, denominator = value.as_integer_ratio()
    return numerator * (unit // denominator)


def _credit(value: float) -> float:
    """A credit, refusing anything that is not a finite number from 0 to 1."""
    if not math.isfinite(value) or not 0 <= value <= 1:
        raise ValueError(f"a credit must be between 0 and 1, not {value!r}")
    return value


def normalised_gain(pre: float, post: float) -> float | None:
    """Hake's normalised gain: the share of the possible improvement achieved, (post - pre) / (100 - pre).

    Percentages in, a fraction out (negative when scores fell); None when the baseline was already 100%.
    """
    if pre >= 100:
        return None
    return round((post - pre) / (100 - pre), 2)
