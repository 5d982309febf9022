"""Trainer pages issue the same number of queries for 10 trainees as for 200 (no N+1)."""

import random
import re

import pytest
from sqlalchemy import select

from course.core.catalogue import load_live_version
from course.demo import seed_demo_cohort
from course.extensions import db
from course.models import CohortMember, Role, User
from tests.conftest import signed_in


def seed(app, trainer, trainees):
    with app.app_context():
        version = load_live_version(db.session)
        cohort = seed_demo_cohort(db.session, version, db.session.get(User, trainer.id), trainees, random.Random(7))
        db.session.commit()
        member = db.session.scalar(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
                                   .order_by(CohortMember.user_id.desc()))
        return cohort.id, member


PAGES = [
    "/trainer/cohorts/{cohort}",
    "/trainer/cohorts/{cohort}?filter=overdue&sort=-progress",
    "/trainer/cohorts/{cohort}/trainees/{member}",
    "/trainer/cohorts/{cohort}/items?module=basics",
    "/trainer/cohorts/{cohort}/export/progress.csv",
    "/trainer/cohorts/{cohort}/export/attempts.csv",
    "/trainer/cohorts/{cohort}/export/items.csv?module=basics",
    "/trainer",
]


def queries_per_page(app, make_user, count_queries, trainees):
    trainer = make_user(Role.TRAINER)
    cohort, member = seed(app, trainer, trainees)
    client = signed_in(app, trainer)
    counts = {}
    for page in PAGES:
        url = page.format(cohort=cohort, member=member)
        with count_queries() as statements:
            response = client.get(url)
            response.get_data()  # streamed exports run their queries while streaming
        assert response.status_code == 200, url
        counts[page] = len(statements)
    return counts


def test_the_seeded_cohort_has_varied_progress(app, make_user):
    trainer = make_user(Role.TRAINER)
    cohort, _member = seed(app, trainer, 60)
    page = signed_in(app, trainer).get(f"/trainer/cohorts/{cohort}").get_data(as_text=True)
    for status in ("Passed", "In progress", "Not started"):
        assert status in page
    assert re.search(r"\d+ failed attempt", page)


@pytest.mark.parametrize("page", PAGES)
def test_query_counts_do_not_grow_with_the_cohort(make_app, make_user, count_queries, page):
    make_app()
    small = queries_per_page_cached(make_app, make_user, count_queries, 10)
    large = queries_per_page_cached(make_app, make_user, count_queries, 200)
    assert small[page] == large[page], (page, small[page], large[page])
    assert small[page] > 0  # the counter really saw the page's queries


_cache: dict = {}


def queries_per_page_cached(make_app, make_user, count_queries, trainees):
    # Seeding 200 trainees takes a few seconds: measure every page once per size.
    if trainees not in _cache:
        app = make_app()
        _cache[trainees] = queries_per_page(app, make_user, count_queries, trainees)
    return _cache[trainees]
