"""A test-wise guesser who knows nothing of the content must fail every shipped quiz bank.

It plays the cues Haladyna, Downing & Rodriguez (2002) warn about: for single choice it picks the
option whose length rank is the course's most common key rank; for true/false it always gives the
course's majority key; for select-all it ticks the two longest options; for ordering it leaves the
items in the (shuffled) order shown. Scores come from the real graders.
"""

from collections import Counter
from itertools import permutations
from statistics import mean

import pytest

from course.config import PROJECT_ROOT
from course.content.checks import check_course
from course.content.item_rules import key_length_rank, true_key
from course.core.questions import get_type

PASSING_BY_GUESSING = 0.40


def length_ranks(question: dict) -> list[int]:
    """Each option's length rank: 1 for the longest, ties sharing a rank."""
    lengths = [len(c["text"].strip()) for c in question["choices"]]
    return [1 + sum(other > length for other in lengths) for length in lengths]


def expected_score(question: dict, favourite_rank: int, majority_true: bool) -> float:
    """The guesser's expected credit on one question, from the question type's own grader."""
    kind = get_type(question["type"])
    if question["type"] == "single":
        ranks = length_ranks(question)
        nearest = min(ranks, key=lambda rank: abs(rank - favourite_rank))
        picks = [i for i, rank in enumerate(ranks) if rank == nearest]  # a tie: any of them, equally likely
        return mean(kind.grade(question, [i]) for i in picks)
    if question["type"] == "true_false":
        answer = next(i for i, c in enumerate(question["choices"]) if (c["text"] == "True") == majority_true)
        return kind.grade(question, [answer])
    if question["type"] == "multiple":
        longest = sorted(range(len(question["choices"])), key=lambda i: -len(question["choices"][i]["text"]))
        return kind.grade(question, sorted(longest[:2]))
    # Ordering: the items are shown shuffled, and the guesser submits them as shown.
    return mean(kind.grade(question, list(order)) for order in permutations(range(len(question["choices"]))))


def guesser_scores() -> dict[str, float]:
    """Expected score of the content-blind guesser on each module's whole bank."""
    course = check_course(PROJECT_ROOT / "modules")
    questions = [q.data for m in course.modules for q in m.questions]
    favourite_rank = Counter(key_length_rank(q) for q in questions if q["type"] == "single").most_common(1)[0][0]
    truths = [true_key(q) for q in questions if q["type"] == "true_false"]
    majority_true = sum(truths) >= len(truths) / 2
    return {m.slug: mean(expected_score(q.data, favourite_rank, majority_true) for q in m.questions)
            for m in course.modules}


SCORES = guesser_scores()


@pytest.mark.parametrize("slug", sorted(SCORES))
def test_a_guesser_without_knowledge_fails_each_bank(slug):
    print(f"{slug}: a content-blind guesser expects {SCORES[slug]:.0%}")
    assert SCORES[slug] < PASSING_BY_GUESSING


def test_the_guesser_would_pass_a_cued_bank():
    keyed_longest = {"type": "single", "choices": [{"text": "The long and detailed right answer", "correct": True},
                                                   {"text": "Wrong", "correct": False}]}
    assert expected_score(keyed_longest, favourite_rank=1, majority_true=False) == 1.0
