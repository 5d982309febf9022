"""The shipped course teaches practice, not only awareness (issue #14): an investigation module, scenarios
for the cases the course used to miss, a capstone that acts against the offender, a crisis referral at
first response, and the academy's own procedure named where a lesson used to defer to "your agency"."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from course.config import PROJECT_ROOT
from course.content.checks import check_course
from course.content.scenario_rules import scenario_texts
from course.core.questions.scenario_step import QUALITY_CREDIT

# The fixed contract with the procedure-slot renderer and the job aids (docs/authoring.md).
PROCEDURE_SLOTS = {"trainee_support", "support_organisations", "takedown_unit", "digital_evidence_unit",
                   "escalation_contact", "safeguarding_contact", "crisis_referral", "preservation_legal_basis",
                   "seizure_legal_basis", "media_office"}
JOB_AIDS = {"first-contact", "evidence-without-harm", "emergency-takedown", "threat-risk-check", "media-enquiry"}
SLOT = re.compile(r"\{\{\s*procedure\.([a-z_]+)\s*\}\}")
ANY_TEMPLATE = re.compile(r"\{\{|\}\}|\{%|%\}")
JOB_AID_LINK = re.compile(r"\]\(/job-aids/([^)]*)\)")
NEW_SCENARIOS = ["what-are-digital-sex-crimes", "stereotypes-and-bias", "law-and-enforcement",
                 "protection-through-legal-process", "investigation"]


@pytest.fixture(scope="module")
def course():
    checked = check_course(PROJECT_ROOT / "modules")
    assert checked.problems == []
    return checked


@pytest.fixture(scope="module")
def modules(course):
    return {m.slug: m for m in course.modules}


def lesson_texts(course) -> list[tuple[str, str]]:
    return [(lesson.path, lesson.body) for m in course.modules for lesson in m.lessons]


def rendered_texts(course) -> list[tuple[str, str]]:
    """Where slots are filled in: lessons and scenario text."""
    texts = lesson_texts(course)
    texts += [(m.scenario_path, text) for m in course.modules if m.scenario for text in scenario_texts(m.scenario)]
    return texts


def item_texts(question: dict) -> list[str]:
    return [question["prompt"], question["explanation"], *(c[k] for c in question["choices"]
                                                          for k in ("text", "feedback"))]


def test_the_investigation_module_is_required_and_assessed(course, modules):
    assert course.spec.modules[-1] == "investigation"
    module = modules["investigation"]
    objectives = {o.id for o in module.spec.objectives}
    assert objectives == {"inv-identify", "inv-preserve", "inv-devices", "inv-risk"}
    assert 4 <= len(module.lessons) <= 5
    assert all(lesson.front.content_note for lesson in module.lessons)
    assert len(module.questions) >= 15
    per_objective = Counter(q.data["objective"] for q in module.questions)
    assert all(per_objective[o] >= 3 for o in objectives)
    assert sum(q.data["level"] == "application" for q in module.questions) / len(module.questions) >= 0.6
    assert all(c["feedback"].strip() for q in module.questions for c in q.data["choices"])
    # Its objectives are in the final exam, each with an exam-only pool for three fresh attempts.
    blueprint = set(course.spec.exam.objectives)
    assert {"inv-preserve", "inv-devices", "inv-risk"} <= blueprint
    pool = Counter(q.data["objective"] for q in module.exam_questions)
    assert all(pool[o] >= 3 for o in objectives & blueprint)


def test_the_investigation_module_sends_jurisdiction_specific_steps_to_the_academys_procedure(modules):
    slots = {name for lesson in modules["investigation"].lessons for name in SLOT.findall(lesson.body)}
    assert {"preservation_legal_basis", "seizure_legal_basis", "digital_evidence_unit",
            "escalation_contact"} <= slots


def best_path_score(scenario) -> tuple[float, str]:
    """Follow the best choice from the start; the percent scored and the ending reached."""
    steps, node, points, decisions = {s.id: s for s in scenario.steps}, scenario.start, 0.0, 0
    while node in steps:
        choice = next(c for c in steps[node].choices if c.quality == "best")
        points, decisions, node = points + QUALITY_CREDIT[choice.quality], decisions + 1, choice.next
    return 100 * points / decisions, node


@pytest.mark.parametrize("slug", NEW_SCENARIOS)
def test_each_new_scenario_reaches_a_passing_ending_by_playing_well(modules, slug):
    module = modules[slug]
    scenario = module.scenario
    assert scenario is not None
    assert scenario.content_note
    score, ending = best_path_score(scenario)
    assert score >= module.spec.scenario_pass_score
    assert ending in {e.id for e in scenario.endings}


def scenario_text(module) -> str:
    return "\n".join(scenario_texts(module.scenario))


def test_the_missing_cases_each_have_a_scenario(modules):
    faked = scenario_text(modules["what-are-digital-sex-crimes"])
    assert "faked" in faked.lower()
    male = scenario_text(modules["stereotypes-and-bias"])
    assert "Min-jun" in male
    assert " he " in male
    child = scenario_text(modules["law-and-enforcement"])
    assert "under 18" in child
    assert "Take It Down" in child
    assert "{{ procedure.safeguarding_contact }}" in child
    assert "Never view, copy or share images of a person under 18" in child
    filmed = scenario_text(modules["protection-through-legal-process"])
    assert "filmed" in filmed
    assert "does not need to watch" in filmed


def test_the_capstone_acts_against_the_known_former_partner(modules):
    capstone = modules["media-platforms-prevention"].scenario
    text = scenario_text(modules["media-platforms-prevention"])
    assert "pin down who he is" not in text
    assert "identify a suspect" not in text
    assert "suspect is identified" not in text
    threat = next(s for s in capstone.steps if s.id == "threat")
    best = next(c for c in threat.choices if c.quality == "best")
    assert "{{ procedure.escalation_contact }}" in best.text
    assert "threat-handled" in best.sets
    ending = next(e for e in capstone.endings if e.id == "trust-kept")
    handled = next(p for p in ending.outcome if not isinstance(p, str) and p.when == "threat-handled")
    assert "interviewed" in handled.text
    assert "protective measures" in handled.text


def test_first_response_teaches_the_crisis_referral_and_assesses_it(modules):
    module = modules["survivor-centred-first-response"]
    assert any("{{ procedure.crisis_referral }}" in lesson.body for lesson in module.lessons)
    crisis = [q for q in module.questions
              if any("ending your life" in t or "taking her own life" in t or "crisis referral" in t
                     for t in item_texts(q.data))]
    assert len(crisis) >= 3


def test_slots_use_only_the_agreed_names(course):
    used = Counter()
    for path, text in rendered_texts(course):
        names = SLOT.findall(text)
        used.update(names)
        assert set(names) <= PROCEDURE_SLOTS, path
        assert len(ANY_TEMPLATE.findall(SLOT.sub("", text))) == 0, f"{path}: a malformed slot"
    assert set(used) >= {"support_organisations", "takedown_unit", "digital_evidence_unit", "escalation_contact",
                         "safeguarding_contact", "crisis_referral", "preservation_legal_basis",
                         "seizure_legal_basis", "media_office", "trainee_support"}


def test_quiz_and_exam_items_carry_no_slots(course):
    # Items are not filled in by the slot renderer, so a slot there would show as raw text.
    for module in course.modules:
        for question in [*module.questions, *module.exam_questions]:
            assert not any(ANY_TEMPLATE.search(t) for t in item_texts(question.data)), question.data["id"]


def test_job_aid_links_point_at_the_five_job_aids_and_replace_make_your_own(course):
    linked = {name for _, text in lesson_texts(course) for name in JOB_AID_LINK.findall(text)}
    assert linked <= JOB_AIDS
    lessons = dict(lesson_texts(course))
    for path, aid in [("08-media-platforms-prevention/lessons/04-one-case-start-to-finish.md", "first-contact"),
                      ("03-stereotypes-and-bias/lessons/04-gender-sensitive-practice.md", "first-contact"),
                      ("08-media-platforms-prevention/lessons/02-working-with-platforms.md", "emergency-takedown")]:
        assert f"(/job-aids/{aid})" in lessons[f"modules/{path}"]
    everything = "\n".join(lessons.values())
    assert "Keep a one-page checklist" not in everything
    assert "Write them on a card" not in everything


# Deferrals that a slot now covers: children, support contacts, the media office, specialist units.
COVERED_DEFERRALS = re.compile(
    r"your (?:agency|force|service)(?:'s)?\s+(?:child|procedures?\s+for\s+(?:images of\s+)?(?:children|offences)|media)"
    r"|(?:contact details|list) your (?:agency|force|service)"
    r"|specialist unit your (?:agency|force|service)"
    r"|through your (?:agency|force|service)\b"
    r"|press office", re.IGNORECASE)


def test_no_deferral_is_left_where_a_slot_covers_the_procedure(course):
    left = [(path, m.group(0)) for path, text in rendered_texts(course)
            for m in COVERED_DEFERRALS.finditer(text)]
    assert left == []
