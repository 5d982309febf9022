"""Simulated players on the shipped scenarios: always taking the first choice shown, or any choice at random,
does not pass the capstone; only playing well does."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from course.config import PROJECT_ROOT
from course.core.accounts import create_user
from course.core.catalogue import load_live_version
from course.core.progress import course_progress
from course.extensions import db
from course.models import Module, ScenarioRun, User
from course.scenarios.services import choice_order, decide, find_step, start_run
from tests.conftest import PASSWORD

CAPSTONE = "media-platforms-prevention"
RUNS = 200

# A player sees the choices in the order shown and returns the position it picks.
Player = Callable[[list[dict], random.Random], int]


def first_option(shown: list[dict], rng: random.Random) -> int:
    return 0


def at_random(shown: list[dict], rng: random.Random) -> int:
    return rng.randrange(len(shown))


def best_choice(shown: list[dict], rng: random.Random) -> int:
    return next(i for i, choice in enumerate(shown) if choice["quality"] == "best")


def play(user: User, module: Module, player: Player, rng: random.Random, shuffle: bool = True) -> ScenarioRun:
    """One full play-through through the services the views use."""
    run = start_run(db.session, user, module, rng=rng)
    if not shuffle:  # as a run started before choices were shuffled
        run.choice_orders = None
        db.session.flush()
    while not run.is_finished:
        step = find_step(module.scenario, run.current_step)
        shown = [step["choices"][i] for i in choice_order(run, step)]
        assert decide(db.session, run, step["id"], str(player(shown, rng)))
    return run


def tally(runs: list[ScenarioRun]) -> tuple[float, float]:
    """Share of runs that passed, and the mean score."""
    return sum(r.passed for r in runs) / len(runs), sum(r.score for r in runs) / len(runs)


@pytest.fixture
def shipped(make_app):
    """The shipped course, published, with a trainee: (scenario modules by id, version, trainee)."""
    app = make_app(content_dir=PROJECT_ROOT / "modules")
    with app.app_context():
        version = load_live_version(db.session)
        user = create_user(db.session, email="player@academy.example", name="Simulated Player", password=PASSWORD)
        yield {m.slug: m for m in version.modules if m.scenario}, version, user


def test_always_choosing_the_first_option_does_not_complete_the_capstone(shipped):
    modules, version, user = shipped
    capstone = modules[CAPSTONE]
    # A trainee who replays twenty times, always taking the first choice shown, has not completed the module.
    for seed in range(20):
        assert not play(user, capstone, first_option, random.Random(seed)).passed
    assert not course_progress(db.session, user, version).for_module(CAPSTONE).scenario.completed
    # Over many runs such play passes about one run in a hundred, far below the pass score on average.
    passed, mean = tally([play(user, capstone, first_option, random.Random(seed)) for seed in range(20, RUNS)])
    assert passed <= 0.02, f"{passed:.0%} of first-option runs passed"
    assert mean < capstone.scenario["pass_score"] - 25
    # The file's own order teaches nothing either: a run in authored order, first option every time, fails.
    assert not play(user, capstone, first_option, random.Random(0), shuffle=False).passed


@pytest.mark.parametrize("slug", ["what-are-digital-sex-crimes", "nth-room-case", "stereotypes-and-bias",
                                  "law-and-enforcement", "survivor-centred-first-response", "evidence-and-takedown",
                                  "protection-through-legal-process", CAPSTONE, "investigation"])
def test_random_and_first_option_players_rarely_pass_and_good_play_always_does(shipped, slug):
    modules, version, user = shipped
    module = modules[slug]
    for player in (first_option, at_random):
        passed, mean = tally([play(user, module, player, random.Random(seed)) for seed in range(RUNS)])
        assert passed <= 0.1, f"{slug}: {passed:.0%} of {player.__name__} runs passed"
        assert mean < module.scenario["pass_score"] - 25
    assert not play(user, module, first_option, random.Random(0), shuffle=False).passed
    best = play(user, module, best_choice, random.Random(0))
    assert (best.score, best.passed) == (100.0, True)
    assert course_progress(db.session, user, version).for_module(slug).scenario.completed
