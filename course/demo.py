"""Seed a realistic demo cohort: varied progress, attempts with real answers, scores and certificates.

Rows are bulk-inserted so that `flask --app app demo --trainees 10000` finishes in reasonable time.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, selectinload

from course.certificates.services import build_certificate
from course.core.questions import get_type
from course.core.settings import certificate_terms
from course.models import (
    UNUSABLE_PASSWORD,
    AttemptItem,
    Cohort,
    CohortMember,
    ContentVersion,
    LessonProgress,
    Module,
    QuizAttempt,
    Role,
    ScenarioRun,
    User,
    utcnow,
)
from course.quiz.grading import choice_order, draw_questions, has_passed, score_percent
from course.trainer.services import create_cohort

GIVEN = ["Min-ji", "Ji-ho", "Seo-yeon", "Hyun-woo", "Sam", "Alex", "Jordan", "Priya", "Tomás", "Aisha", "Wei",
         "Olena", "Kwame", "Sofia", "Daniel", "Yuna", "지민", "서준", "하은", "도윤"]
FAMILY = ["Park", "Kim", "Lee", "Choi", "Jung", "Rivera", "O'Neill", "Nguyen", "Okafor", "Schmidt", "Haddad",
          "Kowalski", "Santos", "Tanaka", "Cohen", "박", "김", "이"]


def seed_demo_cohort(session: Session, version: ContentVersion, trainer: User, trainees: int,
                     rng: random.Random | None = None, now: datetime | None = None) -> Cohort:
    """Create a cohort of `trainees` with progress spread from untouched to certified. Flushes."""
    rng, now = rng or random.Random(), now or utcnow()  # noqa: S311 - demo data, not secrets
    modules = _with_questions(session, version)
    cohort = create_cohort(session, trainer, name=f"Demo cohort ({trainees} trainees)",
                           description="Seeded by 'flask --app app demo'.",
                           starts_on=(now - timedelta(days=45)).date(), due_on=(now - timedelta(days=2)).date())
    users = session.execute(insert(User).returning(User.id, User.email, User.name, sort_by_parameter_order=True), [
        {"email": f"demo{cohort.id}-{n}@academy.example", "name": f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
         "password_hash": UNUSABLE_PASSWORD, "role": Role.TRAINEE.value, "badge_number": f"B-{cohort.id}-{n:05d}"}
        for n in range(1, trainees + 1)
    ]).all()
    session.execute(insert(CohortMember), [{"cohort_id": cohort.id, "user_id": u.id,
                                            "joined_at": now - timedelta(days=rng.randint(30, 45))} for u in users])
    lessons, attempts, items, runs, certified = [], [], [], [], []
    terms = certificate_terms(session, version)
    for user in users:
        ability = rng.betavariate(5, 2)
        done = min(len(modules), int(rng.random() * (len(modules) + 3)))  # some finish, many are part-way
        day = now - timedelta(days=40)
        for index, module in enumerate(modules):
            if index > done:
                break
            day += timedelta(hours=rng.randint(6, 60))
            finishing = index < done
            lesson_count = len(module.lessons) if finishing else rng.randint(0, len(module.lessons))
            for lesson in module.lessons[:lesson_count]:
                lessons.append({"user_id": user.id, "module_slug": module.slug, "lesson_slug": lesson.slug,
                                "visited_at": day, "completed_at": day if finishing or rng.random() < .7 else None})
            if module.scenario and (finishing or rng.random() < .3):
                runs.append(_scenario_run(module, user.id, rng, day))
            tries = rng.choices([0, 1, 2], [6, 3, 1])[0] + (1 if finishing else int(rng.random() < .4))
            for number in range(1, tries + 1):
                must_pass = finishing and number == tries
                attempt, attempt_items = _attempt(module, user.id, number, ability, must_pass, day, rng)
                if not finishing and attempt["passed"]:
                    break
                attempts.append(attempt)
                items.append(attempt_items)
                day += timedelta(hours=rng.randint(2, 30))
        if done == len(modules):
            certified.append((user, min(day, now)))
    if lessons:
        session.execute(insert(LessonProgress), lessons)
    if runs:
        session.execute(insert(ScenarioRun), runs)
    if attempts:
        ids = session.scalars(insert(QuizAttempt).returning(QuizAttempt.id, sort_by_parameter_order=True), attempts)
        session.execute(insert(AttemptItem), [dict(item, attempt_id=attempt_id)
                                              for attempt_id, group in zip(ids.all(), items, strict=True)
                                              for item in group])
    for user, issued_at in certified:
        scores = {m.slug: 100.0 for m in modules}
        holder = User(id=user.id, email=user.email, name=user.name)  # transient: only its fields are read
        session.add(build_certificate(holder, version, scores, terms, issued_at, sequence=1))
    session.flush()
    return cohort


def _with_questions(session: Session, version: ContentVersion) -> list[Module]:
    return session.scalars(
        select(Module).where(Module.version_id == version.id).order_by(Module.position)
        .options(selectinload(Module.questions), selectinload(Module.lessons))
    ).all()


def _attempt(module: Module, user_id: int, number: int, ability: float, must_pass: bool, when: datetime,
             rng: random.Random) -> tuple[dict, list[dict]]:
    settings = module.quiz_settings
    questions = {q.id: q for q in module.questions}
    drawn = draw_questions([(q.id, q.objective) for q in module.questions], settings["questions_per_attempt"], rng)
    rows = []
    for position, question_id in enumerate(drawn, start=1):
        question = questions[question_id]
        order = choice_order(question.type, len(question.data["choices"]), rng)
        right = rng.random() < min(.97, ability + .1 * number)
        rows.append({"position": position, "question_id": question_id, "choice_order": order,
                     "response": _answer(question, right, rng), "saved_at": when, "credit": None})
    for row in rows:
        row["credit"] = get_type(questions[row["question_id"]].type).grade(questions[row["question_id"]].data,
                                                                          row["response"])
    while must_pass and not has_passed(score_percent([r["credit"] for r in rows]), settings["pass_mark"]):
        wrong = next(r for r in rows if r["credit"] < 1.0)
        wrong["response"], wrong["credit"] = _answer(questions[wrong["question_id"]], True, rng), 1.0
    score = score_percent([r["credit"] for r in rows])
    minutes = rng.randint(6, 25)
    attempt = {"user_id": user_id, "module_id": module.id, "module_slug": module.slug, "number": number,
               "purpose": "quiz", "status": "submitted", "started_at": when,
               "submitted_at": when + timedelta(minutes=minutes), "score": score,
               "passed": has_passed(score, settings["pass_mark"]), "pass_mark": settings["pass_mark"], "late": False}
    return attempt, rows


def _scenario_run(module: Module, user_id: int, rng: random.Random, when: datetime) -> dict:
    """A finished play-through along random choices."""
    scenario = module.scenario
    steps = {step["id"]: step for step in scenario["steps"]}
    path, points, current = [], 0, scenario["start"]
    while current in steps:
        index = rng.randrange(len(steps[current]["choices"]))
        choice = steps[current]["choices"][index]
        path.append({"step": current, "choice": index})
        points += {"best": 2, "acceptable": 1}.get(choice["quality"], 0)
        current = choice["next"]
    return {"user_id": user_id, "module_id": module.id, "module_slug": module.slug, "number": 1, "started_at": when,
            "finished_at": when + timedelta(minutes=12), "current_step": None, "path": path, "ending": current,
            "points": points, "score": round(100 * points / (2 * len(path)), 1)}


def _answer(question, right: bool, rng: random.Random) -> list[int]:
    """A plausible response: the key when `right`, otherwise a typical mistake (the type knows which)."""
    return get_type(question.type).demo_answer(question.data, right, rng)
