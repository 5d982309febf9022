"""Pure quiz logic: drawing questions and scoring. Plain values in, plain values out."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence

from course.core.questions import get_type


def draw_questions(bank: Sequence[tuple[int, str]], count: int, rng: random.Random) -> list[int]:
    """Pick `count` question ids from `bank` [(id, objective)], covering every objective.

    Objectives are visited in random order, taking one unused question from each in turn, so
    each objective gets as even a share as the count allows.
    """
    by_objective: dict[str, list[int]] = defaultdict(list)
    for question_id, objective in bank:
        by_objective[objective].append(question_id)
    pools = list(by_objective.values())
    for pool in pools:
        rng.shuffle(pool)
    rng.shuffle(pools)
    drawn: list[int] = []
    while len(drawn) < min(count, len(bank)):
        for pool in pools:
            if pool and len(drawn) < count:
                drawn.append(pool.pop())
    rng.shuffle(drawn)
    return drawn


def choice_order(question_type: str, choice_count: int, rng: random.Random) -> list[int]:
    """The order choices are shown in: shuffled, unless the type keeps the authored order."""
    order = list(range(choice_count))
    if get_type(question_type).shuffle:
        rng.shuffle(order)
    return order


def score_percent(credits: Sequence[float]) -> float:
    """The attempt's score: mean credit as a percentage, rounded to one decimal place."""
    return round(100 * sum(credits) / len(credits), 1) if credits else 0.0


def has_passed(score: float, pass_mark: int) -> bool:
    """Whether `score` (percent) meets the pass mark (percent)."""
    return score >= pass_mark
