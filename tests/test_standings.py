"""Standings: the cohort page's SQL agrees with the per-trainee rules, and stays current as trainees work."""

import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from course.core.catalogue import load_live_version
from course.core.progress import course_progress, progress_by_user, progress_of
from course.core.records import certificate_summaries, certificate_summary_of
from course.core.standings import rebuild, standing_values
from course.demo import seed_demo_cohort
from course.extensions import db
from course.models import (
    Certificate,
    Cohort,
    CohortMember,
    ContentVersion,
    MemberExemption,
    ModuleStanding,
    QuizAttempt,
    Role,
    TraineeStanding,
    User,
    utcnow,
)
from course.reports.charts import score_bands
from course.trainer.cohort_sql import cohort_page
from course.trainer.progress import FILTERS, cohort_progress
from tests.conftest import post_form, signed_in
from tests.test_certificates import complete_module

FLAGS = [flag for flag in FILTERS if flag != "all"]


def varied_cohort(app, trainer, size=90):
    """A seeded cohort with extensions, exemptions and every certificate state, changed through the ORM."""
    now = utcnow()
    with app.app_context():
        version = load_live_version(db.session)
        cohort = seed_demo_cohort(db.session, version, db.session.get(User, trainer.id), size, random.Random(3))
        db.session.commit()
        members = db.session.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort.id)
                                     .order_by(CohortMember.id)).all()
        for index, member in enumerate(members):
            if index % 7 == 0:
                member.due_on = (now + timedelta(days=5)).date()  # an extension: due soon, not overdue
            elif index % 11 == 0:
                member.due_on = (now + timedelta(days=40)).date()
            if index % 9 == 0:
                db.session.add(MemberExemption(cohort_member_id=member.id, module_slug="practice",
                                               reason="Done elsewhere", granted_by_id=trainer.id))
        certificates = db.session.scalars(select(Certificate).order_by(Certificate.id)).all()
        assert len(certificates) >= 8, "the seed should certify some trainees"
        certificates[0].revoked_at = now
        certificates[1].expires_at = now - timedelta(days=1)
        certificates[2].renewal_due_at = now - timedelta(days=3)
        certificates[3].renewal_due_at, certificates[3].expires_at = now - timedelta(days=9), now - timedelta(days=2)
        db.session.commit()
        return cohort.id


def python_view(cohort_id):
    """The cohort as the per-trainee rules see it (every row built in Python)."""
    cohort = db.session.get(Cohort, cohort_id)
    return cohort_progress(db.session, cohort, load_live_version(db.session))


def test_every_filter_count_and_total_matches_the_per_trainee_rules(app, make_user):
    trainer = make_user(Role.TRAINER)
    cohort_id = varied_cohort(app, trainer)
    with app.app_context():
        expected = python_view(cohort_id)
        cohort, version = db.session.get(Cohort, cohort_id), load_live_version(db.session)
        page = cohort_page(db.session, cohort, version, page_size=1000)
        assert page.size == len(expected.rows) == 90
        assert page.completed == sum(row.is_complete for row in expected.rows)
        assert page.exam_passed == sum(bool(row.exam and row.exam.passed) for row in expected.rows)
        for flag in FLAGS:
            wanted = {row.user.id for row in expected.rows if flag in row.flags}
            assert page.count(flag) == len(wanted), flag
            shown = cohort_page(db.session, cohort, version, flag=flag, page_size=1000)
            assert {row.user.id for row in shown.rows} == wanted, flag
            assert shown.matched == len(wanted)
        # every state the seed and the changes above should produce is really there
        assert all(page.count(flag) for flag in ("overdue", "due_soon", "not_started", "failed", "completed",
                                                 "renewal_due")), page.counts
        for index, module in enumerate(version.modules):
            statuses = [row.modules[index].status for row in expected.rows]
            totals = page.totals[index]
            assert (totals.completed, totals.in_progress, totals.not_started) == (
                statuses.count("completed"), statuses.count("in_progress"), statuses.count("not_started"))
            scores = [row.modules[index].quiz.best_score for row in expected.rows
                      if row.modules[index].quiz.best_score is not None]
            assert totals.average_best == (round(sum(scores) / len(scores), 1) if scores else None)
            assert page.bands[index] == score_bands(scores)[1], module.slug
        firsts = sorted(row.first_certificate_at.date() for row in expected.rows if row.first_certificate_at)
        assert page.completion_points[-1][1] == len(firsts)
        assert [day for day, _total in page.completion_points] == sorted({d.isoformat() for d in firsts})


@pytest.mark.parametrize("sort", ["name", "joined", "progress", "-progress"])
def test_sorting_and_paging_walk_every_trainee_once_in_order(app, make_user, sort):
    trainer = make_user(Role.TRAINER)
    cohort_id = varied_cohort(app, trainer, size=45)
    with app.app_context():
        cohort, version = db.session.get(Cohort, cohort_id), load_live_version(db.session)
        seen, number = [], 1
        while True:
            page = cohort_page(db.session, cohort, version, sort=sort, page=number, page_size=10)
            seen += page.rows
            if number == page.pages:
                break
            number += 1
        assert page.pages == 5
        assert len({row.user.id for row in seen}) == 45 == len(seen)
        beyond = cohort_page(db.session, cohort, version, sort=sort, page=99, page_size=10)
        last = [row.user.id for row in page.rows]
        assert (beyond.page, beyond.matched, [row.user.id for row in beyond.rows]) == (5, 45, last)
        nobody = cohort_page(db.session, cohort, version, search="no such trainee", page=3, page_size=10)
        assert (nobody.page, nobody.pages, nobody.matched, nobody.rows) == (1, 1, 0, [])
        keys = {"name": lambda r: r.user.name.lower(), "joined": lambda r: r.joined_at,
                "progress": lambda r: r.percent, "-progress": lambda r: -r.percent}[sort]
        assert [keys(row) for row in seen] == sorted(keys(row) for row in seen)


def test_the_page_builds_rows_only_for_the_trainees_it_shows(app, make_user):
    trainer = make_user(Role.TRAINER)
    cohort_id = varied_cohort(app, trainer, size=120)
    client = signed_in(app, trainer)
    client.get(f"/trainer/cohorts/{cohort_id}")  # standings built on the first visit
    loaded = []
    listener = lambda _target, _context: loaded.append(1)  # noqa: E731
    event.listen(User, "load", listener)
    try:
        html = client.get(f"/trainer/cohorts/{cohort_id}").get_data(as_text=True)
    finally:
        event.remove(User, "load", listener)
    assert "120 trainees shown" in html
    assert "page 1 of 3" in html
    assert len(loaded) <= 50 + 5  # the page's 50 trainees, the trainer and the cohort's trainers


def test_search_finds_by_name_email_or_badge_within_the_cohort_only(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    kim = make_user(Role.TRAINEE, name="Kim Min-jun", email="mj.kim@police.example")
    lee = make_user(Role.TRAINEE, name="Lee 100% Seo", email="seo.lee@police.example")
    outsider = make_user(Role.TRAINEE, name="Kim Outside", email="kim.out@police.example")
    with app.app_context():
        db.session.execute(update(User).where(User.id == lee.id).values(badge_number="B-7731"))
        db.session.commit()
    cohort = make_cohort(trainer, [kim, lee])
    make_cohort(make_user(Role.TRAINER), [outsider], name="Elsewhere")
    client = signed_in(app, trainer)

    def names(query):
        html = client.get(f"/trainer/cohorts/{cohort.id}", query_string={"q": query}).get_data(as_text=True)
        return set(re.findall(r'/trainees/\d+">([^<]+)</a>', html))

    assert names("kim") == {"Kim Min-jun"}  # not the trainee of another cohort
    assert names("MJ.KIM@") == {"Kim Min-jun"}
    assert names("b-7731") == {"Lee 100% Seo"}
    assert names("100%") == {"Lee 100% Seo"}
    assert names("%") == {"Lee 100% Seo"}  # LIKE's wildcards are matched literally, not as "anything"
    assert names("_") == set()
    assert names("") == {"Kim Min-jun", "Lee 100% Seo"}
    html = client.get(f"/trainer/cohorts/{cohort.id}", query_string={"q": "kim", "filter": "not_started"})
    assert "1 trainees match “kim”" in html.get_data(as_text=True)  # the search within the filter
    html = client.get(f"/trainer/cohorts/{cohort.id}", query_string={"q": "kim", "filter": "completed"})
    assert "0 trainees match “kim”" in html.get_data(as_text=True)
    assert client.get(f"/trainer/cohorts/{cohort.id}", query_string={"q": "x" * 5000}).status_code == 200


def stored_and_fresh(app, user_id):
    with app.app_context():
        version = load_live_version(db.session)
        standing = db.session.get(TraineeStanding, user_id)
        user = db.session.get(User, user_id)
        latest, first = certificate_summaries(db.session, Certificate.user_id == user_id)
        fresh = standing_values(course_progress(db.session, user, version), latest.get(user_id), first.get(user_id))
        stored = None if standing is None else {key: getattr(standing, key) for key in fresh}
        if stored is not None and stored["certificate_expires_at"] is not None:
            for key in ("certificate_expires_at", "certificate_renewal_due_at"):
                stored[key] = stored[key] and stored[key].replace(microsecond=0)
                fresh[key] = fresh[key] and fresh[key].replace(microsecond=0)
        cells = {cell.module_slug: (cell.status, cell.best_score) for cell in
                 db.session.scalars(select(ModuleStanding).where(ModuleStanding.user_id == user_id))}
        return stored, fresh, cells, standing.content_hash if standing else None, version.content_hash


def test_a_trainees_standing_follows_every_change_in_the_same_request(app, client, trainee, make_user):
    admin = make_user(Role.ADMIN)
    client.get("/modules/basics/lessons/first?note=read")  # the first visit: started
    stored, fresh, cells, stored_hash, live_hash = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["started"]
    assert stored_hash == live_hash
    assert cells["basics"][0] == "in_progress"
    complete_module(client, app, "basics", ["first", "second"])
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["modules_complete"] == 1
    assert cells["basics"][0] == "completed"
    assert cells["basics"][1] is not None
    complete_module(client, app, "practice", ["only"])  # the course is done: a certificate is issued
    stored, fresh, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["certificate_id"] is not None
    assert not stored["certificate_void"]
    assert stored["first_certified_on"] == utcnow().date()
    with app.app_context():
        serial = db.session.scalar(select(Certificate.serial).where(Certificate.user_id == trainee.id))
    admin_client = signed_in(app, admin)
    response = post_form(admin_client, f"/admin/certificates/{serial}/revoke",
                         {"public_reason": "Issued in error", "internal_note": "test"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    stored, fresh, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["certificate_void"] is True


def test_a_visit_to_a_started_module_leaves_the_standing_alone_and_true(app, client, trainee, count_queries):
    """Only a module's first visit can change a standing (it is now started): later first visits to its other lessons
    record the visit without rebuilding, and the kept standing still agrees with the records."""
    client.get("/modules/basics/lessons/first?note=read")
    with count_queries() as statements:
        assert client.get("/modules/basics/lessons/second?note=read").status_code == 200
    assert any("INSERT INTO lesson_progress" in s for s in statements)  # the visit is on record
    assert not [s for s in statements if "standings" in s], "the standing was rebuilt"
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert cells["basics"][0] == "in_progress"
    with count_queries() as statements:  # another module's first visit: rebuilt, that module now started
        client.get("/modules/practice/lessons/only?note=read")
    assert [s for s in statements if "UPDATE trainee_standings" in s]
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert cells["practice"][0] == "in_progress"


def test_a_quiz_started_again_leaves_the_standing_alone_unless_it_grades_an_overdue_attempt(app, client, trainee,
                                                                                           count_queries):
    """A module's first attempt starts it (rebuilt); a later attempt's start cannot change the standing (its module is
    started, and an open attempt has no score): not rebuilt, and the kept standing still agrees with the records. A
    start that grades an overdue attempt on the way does rebuild it, with that attempt's score."""
    from tests.conftest import attempt_answers

    quiz = "/modules/basics/quiz"

    def start():
        response = post_form(client, f"{quiz}/start", form_url=quiz)
        return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))

    first = start()
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["started"]
    assert cells["basics"] == ("in_progress", None)
    post_form(client, f"/attempts/{first}", {**attempt_answers(app, first, correct=False), "action": "submit"},
              form_url=quiz)
    with count_queries() as statements:
        second = start()
    assert second != first
    assert any("INSERT INTO quiz_attempts" in s for s in statements)
    assert not [s for s in statements if "standings" in s], "the standing was rebuilt"
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert cells["basics"] == ("in_progress", 0.0)

    # The second attempt: the first page answered right and saved, then its time runs out before it is submitted.
    post_form(client, f"/attempts/{second}", {**attempt_answers(app, second), "action": "next", "page": "1"},
              form_url=f"/attempts/{second}")
    with app.app_context():
        db.session.get(QuizAttempt, second).deadline_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    with count_queries() as statements:
        third = start()  # grades the overdue second attempt first
    assert third not in (first, second)
    assert [s for s in statements if "UPDATE trainee_standings" in s]
    stored, fresh, cells, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert cells["basics"][1] > 0  # the late attempt's score, from its saved page


def test_a_failed_quiz_and_a_scenario_run_update_the_standing(app, client, trainee):
    from tests.conftest import attempt_answers

    quiz = "/modules/basics/quiz"
    response = post_form(client, f"{quiz}/start", form_url=quiz)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    stored, fresh, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["started"]
    assert not stored["failed"]
    post_form(client, f"/attempts/{attempt_id}", {**attempt_answers(app, attempt_id, correct=False),
                                                  "action": "submit"}, form_url=quiz)
    stored, fresh, *_ = stored_and_fresh(app, trainee.id)
    assert stored == fresh
    assert stored["failed"] is True


def test_another_live_version_makes_standings_stale_and_the_cohort_page_rebuilds_them(app, make_user, make_cohort):
    trainer = make_user(Role.TRAINER)
    trainees = [make_user(Role.TRAINEE) for _ in range(3)]
    cohort = make_cohort(trainer, trainees)
    client = signed_in(app, trainer)
    assert "3 trainees shown" in client.get(f"/trainer/cohorts/{cohort.id}").get_data(as_text=True)
    with app.app_context():
        assert len(db.session.scalars(select(TraineeStanding)).all()) == 3  # built on the first visit
        db.session.execute(update(TraineeStanding).values(content_hash="an older version", percent=77))
        db.session.commit()
    client.get(f"/trainer/cohorts/{cohort.id}")
    with app.app_context():
        live = db.session.scalar(select(ContentVersion.content_hash).where(ContentVersion.is_live))
        assert {(s.content_hash, s.percent) for s in db.session.scalars(select(TraineeStanding))} == {(live, 0)}


def test_a_single_trainees_reads_agree_with_the_bulk_reads(app, make_user):
    """A trainee's own change rebuilds their standing from the pages' one-query progress and a one-query certificate
    summary; cohort pages and `standings rebuild` use the bulk reads. Both must say the same of every trainee."""
    cohort_id = varied_cohort(app, make_user(Role.TRAINER), size=40)
    with app.app_context():
        renewed = db.session.scalars(select(Certificate).order_by(Certificate.id)).first()
        later = {column.key: getattr(renewed, column.key) for column in Certificate.__table__.columns
                 if column.key not in ("id", "serial", "sequence", "issued_at", "superseded_by_id")}
        db.session.add(Certificate(**later, serial="RENEWED-0001", sequence=renewed.sequence + 1,
                                   issued_at=renewed.issued_at + timedelta(days=300)))
        db.session.commit()
        version = load_live_version(db.session)
        ids = list(db.session.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
        bulk = progress_by_user(db.session, version, ids)
        latest, first = certificate_summaries(db.session, Certificate.user_id.in_(ids))
        assert latest[renewed.user_id].serial == "RENEWED-0001"
        assert first[renewed.user_id] == renewed.issued_at
        assert len(latest) >= 8
        for user_id in ids:
            one_latest, one_first = certificate_summary_of(db.session, user_id)
            assert one_latest.get(user_id) is latest.get(user_id)  # the same row: one identity map
            assert one_first.get(user_id) == first.get(user_id)
            alone = progress_of(db.session, user_id, version)
            assert standing_values(alone, latest.get(user_id), first.get(user_id)) == standing_values(
                bulk[user_id], latest.get(user_id), first.get(user_id))
            assert [(m.status, m.quiz.best_score) for m in alone.modules] == [
                (m.status, m.quiz.best_score) for m in bulk[user_id].modules]


def test_rebuild_command_and_function_agree(app, make_user, runner):
    trainer = make_user(Role.TRAINER)
    cohort_id = varied_cohort(app, trainer, size=20)
    with app.app_context():
        db.session.execute(TraineeStanding.__table__.delete())
        db.session.commit()
    result = runner.invoke(args=["standings", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "20" in result.output or "21" in result.output
    with app.app_context():
        cohort, version = db.session.get(Cohort, cohort_id), load_live_version(db.session)
        page = cohort_page(db.session, cohort, version, page_size=100)
        expected = python_view(cohort_id)
        assert page.count("completed") == sum("completed" in row.flags for row in expected.rows)
        assert rebuild(db.session, version, [], only_stale=True) == 0


def totals_agree(app, cohort_id):
    """The page's module totals (kept change by change) equal those worked out afresh from every trainee."""
    with app.app_context():
        expected = python_view(cohort_id)
        cohort, version = db.session.get(Cohort, cohort_id), load_live_version(db.session)
        page = cohort_page(db.session, cohort, version, page_size=1000)
        db.session.commit()
        for index, _module in enumerate(version.modules):
            statuses = [row.modules[index].status for row in expected.rows]
            scores = [row.modules[index].quiz.best_score for row in expected.rows
                      if row.modules[index].quiz.best_score is not None]
            totals = page.totals[index]
            assert (totals.completed, totals.in_progress, totals.not_started) == (
                statuses.count("completed"), statuses.count("in_progress"), statuses.count("not_started"))
            assert totals.average_best == (round(sum(scores) / len(scores), 1) if scores else None)
            assert page.bands[index] == score_bands(scores)[1]
        return page


def test_kept_totals_follow_progress_and_membership_changes(app, make_user, make_cohort):
    from course.core.cohorts import remove_member
    from course.models import CohortTotals
    from tests.conftest import attempt_answers

    trainer = make_user(Role.TRAINER)
    learner, struggler, leaver, joiner = (make_user(Role.TRAINEE) for _ in range(4))
    cohort = make_cohort(trainer, [learner, struggler, leaver])
    totals_agree(app, cohort.id)
    with app.app_context():
        assert db.session.get(CohortTotals, cohort.id) is not None  # kept from now on

    complete_module(signed_in(app, learner), app, "basics", ["first", "second"])
    client = signed_in(app, struggler)
    response = post_form(client, "/modules/practice/quiz/start", form_url="/modules/practice/quiz")
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    post_form(client, f"/attempts/{attempt_id}", {**attempt_answers(app, attempt_id, correct=False),
                                                  "action": "submit"}, form_url="/modules/practice/quiz")
    with app.app_context():
        assert db.session.get(CohortTotals, cohort.id) is not None  # changed in place, not dropped
    page = totals_agree(app, cohort.id)
    assert page.totals[0].completed == 1
    assert page.bands[1] != [0, 0, 0, 0, 0]

    with app.app_context():
        remove_member(db.session, None, db.session.get(Cohort, cohort.id), learner.id)
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=joiner.id))
        db.session.commit()
        assert db.session.get(CohortTotals, cohort.id) is None  # membership changed: worked out again
    page = totals_agree(app, cohort.id)
    assert page.totals[0].completed == 0
    assert page.size == 3
