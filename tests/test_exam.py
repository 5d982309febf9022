"""The final certification exam and the baseline check, as a trainee and a trainer meet them.

The exam draws afresh from an exam-only pool, allows a few attempts with a cooldown, shows objective feedback but
never its keys, and is required for the certificate; a trainer unlocks more attempts with a reason.
"""

from __future__ import annotations

import re
import shutil
import threading
from datetime import timedelta

import pytest
import yaml
from sqlalchemy import func, select

from course.core.catalogue import load_live_version
from course.extensions import db
from course.models import AuditEvent, Certificate, ExamUnlock, QuizAttempt, Role
from course.quiz.exam import stratified_draw
from tests.conftest import FIXTURE_CONTENT, attempt_answers, post_form, signed_in
from tests.test_certificates import complete_course

EXAM = {"objectives": ["basics-one", "basics-two", "practice-one"], "items_per_objective": 1, "pass_mark": 75,
        "max_attempts": 2, "cooldown_hours": 24, "time_limit_minutes": 30,
        "content_note": "Some questions describe abuse through images, without images or explicit detail.",
        "pretest_items_per_objective": 1}


KEY_TEXTS = ("Exam key {key}", "Exam key {key}, of a middling length",
             "Exam key {key}, written out at the very greatest length")


def exam_item(key: str, objective: str, source: str, variant: int = 0) -> dict:
    """An exam-only question with a secret key phrase the tests look for in pages; `variant` varies its length."""
    return {"id": key, "type": "single", "objective": objective, "level": "application",
            "prompt": f"Exam situation {key}: what do you do?",
            "choices": [{"text": KEY_TEXTS[variant].format(key=key), "correct": True,
                         "feedback": f"Why {key} is right."},
                        {"text": f"Exam distractor {key}, short", "correct": False, "feedback": "Not this."},
                        {"text": f"Exam distractor {key}, a good deal longer than that", "correct": False,
                         "feedback": "Not this either."}],
            "explanation": f"Exam explanation {key}.", "source": source}


def write_exam(root, exam=EXAM, per_objective=3):
    """Add the exam block to course.yaml and an exam.yaml to each module of a copy of the fixture course."""
    course = yaml.safe_load((root / "course.yaml").read_text())
    course["exam"] = exam
    (root / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
    pools = {"01-basics": [("basics-one", "src-a"), ("basics-two", "src-a")],
             "02-practice": [("practice-one", "src-b")]}
    for folder, objectives in pools.items():
        items = [exam_item(f"{objective}-x{letter}", objective, source, index % len(KEY_TEXTS))
                 for objective, source in objectives for index, letter in enumerate("abcdefgh"[:per_objective])]
        (root / folder / "exam.yaml").write_text(yaml.safe_dump({"questions": items}, sort_keys=False))


@pytest.fixture
def exam_content(tmp_path):
    root = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, root)
    write_exam(root)
    return root


@pytest.fixture
def app(make_app, exam_content):
    """This module's app publishes the fixture course with an exam (make_user and friends use it too)."""
    return make_app(exam_content)


def start_exam(client) -> int:
    response = post_form(client, "/exam/start", form_url="/exam")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def take_exam(client, app, correct: bool):
    attempt_id = start_exam(client)
    answers = {**attempt_answers(app, attempt_id, correct=correct), "action": "submit"}
    return attempt_id, post_form(client, f"/attempts/{attempt_id}", answers, form_url="/exam")


def exam_attempts(app):
    with app.app_context():
        return db.session.scalars(select(QuizAttempt).where(QuizAttempt.purpose == "exam")
                                  .order_by(QuizAttempt.id)).all()


def shift_back(app, hours: float) -> None:
    """Move every exam attempt into the past, as if time had passed."""
    with app.app_context():
        for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.purpose == "exam")):
            attempt.started_at -= timedelta(hours=hours)
            if attempt.submitted_at:
                attempt.submitted_at -= timedelta(hours=hours)
        db.session.commit()


def test_the_exam_is_published_with_its_own_pool_never_mixed_into_the_quiz_bank(app):
    with app.app_context():
        version = load_live_version(db.session)
        assert version.exam_settings["objectives"] == EXAM["objectives"]
        basics = version.modules[0]
        assert {q.key for q in basics.exam_questions} == {f"basics-{o}-x{letter}" for o in ("one", "two")
                                                          for letter in "abc"}
        assert not any("-x" in q.key for m in version.modules for q in m.questions)


def test_a_draw_takes_the_set_number_per_blueprint_objective(app):
    import random

    with app.app_context():
        version = load_live_version(db.session)
        pools = {}
        for module in version.modules:
            for question in module.exam_questions:
                pools.setdefault(question.objective, []).append(question)
        for seed in range(20):
            drawn = stratified_draw(pools, EXAM["objectives"], 1, random.Random(seed))
            assert sorted(q.objective for q in drawn) == sorted(EXAM["objectives"])
        seen = {q.key for seed in range(50) for q in stratified_draw(pools, EXAM["objectives"], 1,
                                                                        random.Random(seed))}
        assert len(seen) == 9  # every item of every pool comes up: each attempt is a fresh draw


def test_the_exam_opens_only_when_every_module_is_complete(app, make_user):
    client = signed_in(app, make_user())
    page = client.get("/exam").get_data(as_text=True)
    assert "The final exam opens once every module is complete." in page
    assert post_form(client, "/exam/start", form_url="/exam").status_code == 409
    assert exam_attempts(app) == []


def test_the_certificate_needs_the_exam_and_follows_a_pass(app, make_user):
    client = signed_in(app, make_user())
    complete_course(client, app)
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 0
    dashboard = client.get("/").get_data(as_text=True)
    assert 'href="/exam"' in dashboard
    assert "The final exam" in dashboard
    attempt_id, response = take_exam(client, app, correct=True)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "You passed the final exam" in result


def test_a_failed_attempt_shows_objectives_and_lessons_never_the_keys(app, make_user):
    client = signed_in(app, make_user())
    complete_course(client, app)
    attempt_id, response = take_exam(client, app, correct=False)
    assert response.status_code == 302
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Not passed yet" in result
    assert "Identify the first thing." in result  # the objective, in words
    assert "/modules/basics/lessons/" in result  # and the lessons to review
    for leak in ("Exam key", "Why basics", "Exam explanation", "Not this"):
        assert leak not in result
    intro = client.get("/exam").get_data(as_text=True)
    assert "How your last attempt went" in intro
    assert "Exam key" not in intro


def test_the_cooldown_and_the_attempt_limit_hold_until_a_trainer_unlocks(app, make_user, make_cohort):
    trainee = make_user()
    trainer = make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [trainee])
    client = signed_in(app, trainee)
    complete_course(client, app)
    take_exam(client, app, correct=False)
    refused = post_form(client, "/exam/start", form_url="/exam")
    assert refused.status_code == 409
    assert "You can take the exam again from" in refused.get_data(as_text=True)
    shift_back(app, 25)
    take_exam(client, app, correct=False)
    shift_back(app, 25)
    locked = post_form(client, "/exam/start", form_url="/exam")
    assert locked.status_code == 409
    assert "You have used all 2 attempts at the final exam" in locked.get_data(as_text=True)
    assert len(exam_attempts(app)) == 2

    staff = signed_in(app, trainer)
    record = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}"
    page = staff.get(record).get_data(as_text=True)
    assert "locked until you give more attempts" in page
    unlock = f"{record}/exam-unlock"
    assert post_form(staff, unlock, {"reason": "   "}, form_url=record).status_code == 422
    assert post_form(staff, unlock, {"reason": "Went through module 1 together"}, form_url=record).status_code == 302
    with app.app_context():
        [row] = db.session.scalars(select(ExamUnlock)).all()
        assert (row.user_id, row.unlocked_by_id, row.reason) == (trainee.id, trainer.id,
                                                                  "Went through module 1 together")
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "exam.unlocked"))
        assert event.details["reason"] == "Went through module 1 together"
    take_exam(client, app, correct=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_only_the_trainee_s_own_trainers_may_unlock(app, make_user, make_cohort):
    trainee, trainer, stranger = make_user(), make_user(Role.TRAINER), make_user(Role.TRAINER)
    cohort = make_cohort(trainer, [trainee])
    make_cohort(stranger, [], name="Other intake")
    outsider = signed_in(app, stranger)
    url = f"/trainer/cohorts/{cohort.id}/trainees/{trainee.id}/exam-unlock"
    response = post_form(outsider, url, {"reason": "because"}, form_url="/trainer")
    assert response.status_code == 404
    learner = signed_in(app, trainee)
    assert post_form(learner, url, {"reason": "because"}, form_url="/").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(ExamUnlock.id))) == 0


def test_concurrent_exam_submits_grade_once(app, make_user):
    user = make_user()
    clients = [signed_in(app, user) for _ in range(4)]
    complete_course(clients[0], app)
    attempt_id = start_exam(clients[0])
    answers = {**attempt_answers(app, attempt_id, correct=True), "action": "submit"}
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/exam").get_data(as_text=True)).group(1)
              for c in clients]
    barrier, statuses = threading.Barrier(len(clients)), []

    def submit(client, token):
        barrier.wait()
        statuses.append(client.post(f"/attempts/{attempt_id}", data={**answers, "csrf_token": token}).status_code)

    threads = [threading.Thread(target=submit, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == len(clients)
    assert set(statuses) <= {302, 409}
    with app.app_context():
        [attempt] = db.session.scalars(select(QuizAttempt).where(QuizAttempt.purpose == "exam")).all()
        assert (attempt.status, attempt.score) == ("submitted", 100.0)
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def test_the_baseline_check_is_offered_once_before_the_course_and_never_counts(app, make_user):
    client = signed_in(app, make_user())
    dashboard = client.get("/").get_data(as_text=True)
    assert "Before you start: a baseline check" in dashboard
    response = post_form(client, "/baseline/start", form_url="/baseline")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    with app.app_context():
        attempt = db.session.get(QuizAttempt, attempt_id)
        objectives = sorted(item.question.objective for item in attempt.items)
        pools = {item.question.pool for item in attempt.items}
    assert objectives == sorted(EXAM["objectives"])
    assert pools == {"quiz"}  # from the module banks, not the exam pool
    answers = {**attempt_answers(app, attempt_id, correct=False), "action": "submit"}
    post_form(client, f"/attempts/{attempt_id}", answers, form_url="/baseline")
    result = client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    assert "Your starting point is recorded" in result
    assert "Alpha is right" not in result  # no feedback naming the key
    assert "The first thing is Alpha" not in result  # nor the explanation
    with app.app_context():
        assert db.session.get(QuizAttempt, attempt_id).passed is None
    assert "Before you start: a baseline check" not in client.get("/").get_data(as_text=True)
    assert client.get("/baseline").status_code == 302  # to its result
    assert post_form(client, "/baseline/start", form_url="/").status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(QuizAttempt.id)).where(QuizAttempt.purpose == "pretest")) == 1


def test_the_baseline_is_not_offered_once_the_course_has_begun(app, make_user):
    client = signed_in(app, make_user())
    post_form(client, "/modules/basics/lessons/first/complete", form_url="/modules/basics/lessons/first?note=read")
    assert "Before you start: a baseline check" not in client.get("/").get_data(as_text=True)
    assert post_form(client, "/baseline/start", form_url="/baseline").status_code == 409


def test_trainers_see_baseline_and_exam_per_objective_with_the_gain(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    trainees = [make_user() for _ in range(2)]
    cohort = make_cohort(trainer, trainees)
    for trainee in trainees:
        client = signed_in(app, trainee)
        response = post_form(client, "/baseline/start", form_url="/baseline")
        attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
        post_form(client, f"/attempts/{attempt_id}",
                  {**attempt_answers(app, attempt_id, correct=False), "action": "submit"}, form_url="/baseline")
        complete_course(client, app)
        take_exam(client, app, correct=True)
    page = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort.id}/gain").get_data(as_text=True)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">([^<]+)</th>\s*<td>(\d+)</td>\s*<td>([^<]+)</td>\s*<td>([^<]+)</td>"
                      r"\s*<td>([^<]+)", page)
    assert len(rows) == 3
    for _text, matched, pre, post, gain in rows:
        assert (matched, pre.strip(), post.strip(), gain.strip()) == ("2", "0%", "100%", "1.00")
    assert "too few responses" in page  # two trainees are too few to compare


def test_a_course_without_an_exam_needs_none(make_app, make_user):
    plain = make_app()  # the fixture course as it is, without an exam
    client = signed_in(plain, make_user())
    assert client.get("/exam").status_code == 404
    complete_course(client, plain)
    with plain.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1


def guess(question: dict, key_rank: int, true_majority: bool) -> list[int]:
    """A test-wise guesser's answer, knowing nothing: length rank, the majority true/false key, the longest options."""
    choices = question["choices"]
    lengths = [len(c["text"].strip()) for c in choices]
    ranks = [1 + sum(other > length for other in lengths) for length in lengths]
    if question["type"] == "single":
        return [min(range(len(choices)), key=lambda i: abs(ranks[i] - key_rank))]
    if question["type"] == "true_false":
        return [next(i for i, c in enumerate(choices) if (c["text"] == "True") == true_majority)]
    if question["type"] == "multiple":
        return sorted(range(len(choices)), key=lambda i: -lengths[i])[:2]
    return list(range(len(choices)))  # ordering: leave the order as shown


def test_a_guesser_who_knows_nothing_fails_the_real_exam():
    """The length and true/false habits a test-wise guesser learns from the module quizzes do not pass the exam."""
    from collections import Counter

    from course.config import PROJECT_ROOT
    from course.content.item_rules import key_length_rank, true_key
    from course.content.loader import load_course
    from course.core.questions import get_type

    course = load_course(PROJECT_ROOT / "modules")
    bank = [q.data for m in course.modules for q in m.questions]
    key_rank = Counter(key_length_rank(q) for q in bank if q["type"] == "single").most_common(1)[0][0]
    true_majority = sum(true_key(q) for q in bank if q["type"] == "true_false") * 2 >= sum(
        q["type"] == "true_false" for q in bank)
    pools: dict[str, list[dict]] = {}
    for module in course.modules:
        for question in module.exam_questions:
            pools.setdefault(question.data["objective"], []).append(question.data)
    blueprint = course.spec.exam.objectives
    assert set(blueprint) <= set(pools)
    # One item per objective, drawn uniformly from its pool: the expected score is the mean of the pool means.
    per_objective = [sum(get_type(q["type"]).grade(q, guess(q, key_rank, true_majority)) for q in pools[o])
                     / len(pools[o]) for o in blueprint]
    expected = 100 * sum(per_objective) / len(per_objective)
    print(f"guesser's expected exam score: {expected:.1f}% (pass mark {course.spec.exam.pass_mark}%)")
    assert expected < 40


def test_content_check_holds_the_exam_pools_to_the_blueprint_and_the_item_rules(exam_content):
    from course.content.checks import check_course

    path = exam_content / "01-basics" / "exam.yaml"
    data = yaml.safe_load(path.read_text())
    data["questions"][0]["choices"][1]["text"] = "All of the above"
    data["questions"][1]["objective"] = "not-in-blueprint"
    data["questions"][2]["id"] = "basics-q01"  # a quiz question's id
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    course = yaml.safe_load((exam_content / "course.yaml").read_text())
    course["exam"]["objectives"].append("no-such-objective")
    (exam_content / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
    problems = [str(p) for p in check_course(exam_content).problems]
    assert any("exam.yaml" in p and "all/none-of-the-above" in p for p in problems)
    assert any("'not-in-blueprint' is not declared" in p for p in problems)
    assert any("question id 'basics-q01' is used more than once" in p for p in problems)
    assert any("'no-such-objective' is not an objective of any module" in p for p in problems)
    data["questions"] = data["questions"][3:]  # basics-one is left without exam items
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    problems = [str(p) for p in check_course(exam_content).problems]
    assert any("exam objective 'basics-one' has 0 exam item(s); it needs at least 2" in p for p in problems)


def test_credit_hours_count_the_exam_time(exam_content):
    from course.content.checks import check_course

    path = exam_content / "course.yaml"
    path.write_text(path.read_text().replace("credit_hours: 2", "credit_hours: 3"))
    problems = [str(p) for p in check_course(exam_content).problems]
    # 120 minutes of modules and a 30-minute exam: 150 minutes, at most 3 hours rounded up.
    assert not any("credit_hours" in p for p in problems)
    path.write_text(path.read_text().replace("credit_hours: 3", "credit_hours: 4"))
    problems = [str(p) for p in check_course(exam_content).problems]
    assert any("credit_hours is 4 but the modules' and the exam's estimates add up to 150 minutes" in p
               for p in problems)


def test_a_start_clicked_in_several_tabs_at_once_opens_one_exam_attempt(app, make_user):
    user = make_user()
    clients = [signed_in(app, user) for _ in range(4)]
    complete_course(clients[0], app)
    tokens = [re.search(r'name="csrf_token"[^>]*value="([^"]+)"', c.get("/exam").get_data(as_text=True)).group(1)
              for c in clients]
    barrier, locations = threading.Barrier(len(clients)), []

    def start(client, token):
        barrier.wait()
        locations.append(client.post("/exam/start", data={"csrf_token": token}).headers.get("Location"))

    threads = [threading.Thread(target=start, args=pair) for pair in zip(clients, tokens, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(exam_attempts(app)) == 1
    assert len(set(locations)) == 1  # every tab lands in the same attempt
    assert locations[0].startswith("/attempts/")


def test_a_certificate_is_renewed_by_passing_the_exam_again(app, make_user):
    from course.models import utcnow

    user = make_user()
    client = signed_in(app, user)
    complete_course(client, app)
    take_exam(client, app, correct=True)
    with app.app_context():  # the certificate reaches its renewal window; the exam passed long before it
        [certificate] = db.session.scalars(select(Certificate)).all()
        certificate.renewal_due_at = utcnow() - timedelta(days=3)
        db.session.commit()
    shift_back(app, 24 * 10)
    intro = client.get("/exam").get_data(as_text=True)
    assert "Pass the final exam again to renew it" in intro
    assert "Start the final exam" in intro
    assert "Pass the final exam again" in client.get("/certificates/renewal").get_data(as_text=True)
    take_exam(client, app, correct=False)
    with app.app_context():
        assert db.session.scalar(select(func.count(Certificate.id))) == 1  # a failed attempt renews nothing
    shift_back(app, 25)  # past the cooldown, still inside the renewal window
    take_exam(client, app, correct=True)
    with app.app_context():
        certificates = db.session.scalars(select(Certificate).order_by(Certificate.sequence)).all()
        assert [c.sequence for c in certificates] == [1, 2]
        assert certificates[0].superseded_by_id == certificates[1].id


def test_the_exam_pages_run_the_same_queries_after_one_attempt_or_several(app, make_user, count_queries):
    """Neither the exam page nor the trainer's gain page does work per attempt or per trainee."""
    def exam_page_queries(client) -> int:
        with count_queries() as statements:
            assert client.get("/exam").status_code == 200
        return len(statements)

    one, both = signed_in(app, make_user()), signed_in(app, make_user())
    for client in (one, both):
        complete_course(client, app)
    take_exam(one, app, correct=False)
    take_exam(both, app, correct=False)
    shift_back(app, 25)
    take_exam(both, app, correct=False)  # both attempts used
    assert exam_page_queries(one) == exam_page_queries(both)


def test_the_gain_page_runs_the_same_queries_for_one_trainee_or_many(app, make_user, make_cohort, count_queries):
    trainer = make_user(Role.TRAINER)
    small = make_cohort(trainer, [make_user()], name="Small")
    large = make_cohort(trainer, [make_user() for _ in range(6)], name="Large")
    staff = signed_in(app, trainer)

    def gain_queries(cohort) -> int:
        with count_queries() as statements:
            assert staff.get(f"/trainer/cohorts/{cohort.id}/gain").status_code == 200
        return len(statements)

    assert gain_queries(small) == gain_queries(large)


def test_a_trainee_s_cohort_says_what_is_left_including_the_exam(app, make_user, make_cohort):
    from datetime import date

    trainee = make_user()
    make_cohort(make_user(Role.TRAINER), [trainee], name="Autumn intake", due_on=date(2099, 10, 1))
    client = signed_in(app, trainee)
    assert "due 1 October 2099 — 2 modules and the final exam left." in client.get("/").get_data(as_text=True)
    complete_course(client, app)
    assert "due 1 October 2099 — the final exam left." in client.get("/").get_data(as_text=True)
    take_exam(client, app, correct=True)
    page = " ".join(client.get("/").get_data(as_text=True).split())
    assert "Autumn intake</strong>: you have completed the course." in page
