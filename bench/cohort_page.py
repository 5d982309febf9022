"""Benchmark: the trainer's cohort page (progress matrix) at N=1,000 and N=10,000 trainees.

Seeds a realistic cohort per size with `flask --app app demo`'s seeder into a throw-away database
(SQLite in a temp folder, or the database DATABASE_URL names), then requests the page repeatedly
through the WSGI app and prints the median and 95th-percentile latency and the query count.

    .venv/bin/python bench/cohort_page.py                 # N = 1,000 and 10,000
    .venv/bin/python bench/cohort_page.py --sizes 1000 --requests 20
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course import create_app, freeze_startup_objects  # noqa: E402 - after the path tweak above
from course.config import PROJECT_ROOT  # noqa: E402
from course.content.publish import sync_content  # noqa: E402
from course.core.accounts import create_user  # noqa: E402
from course.core.catalogue import load_live_version  # noqa: E402
from course.demo import seed_demo_cohort  # noqa: E402
from course.extensions import alembic, db  # noqa: E402
from course.models import Role  # noqa: E402

PASSWORD = "benchmark password 1"  # noqa: S105 - a throw-away account in a throw-away database


def build(size: int, workdir: Path):
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / f'bench-{size}.db'}"
    app = create_app({"SQLALCHEMY_ENGINES": {"default": url}, "INSTANCE_PATH": str(workdir),
                      "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        alembic.upgrade()
        sync_content(db.session, PROJECT_ROOT / "modules")
        trainer = create_user(db.session, email="bench-trainer@academy.example", name="Bench Trainer",
                              password=PASSWORD, role=Role.TRAINER)
        started = time.perf_counter()
        cohort = seed_demo_cohort(db.session, load_live_version(db.session), trainer, size,
                                  random.Random(size))  # noqa: S311 - demo data
        db.session.commit()
        print(f"  seeded {size:,} trainees in {time.perf_counter() - started:.1f} s", flush=True)
        return app, cohort.id


def measure(app, cohort_id: int, requests: int) -> tuple[list[float], int]:
    client = app.test_client()
    client.post("/login", data={"email": "bench-trainer@academy.example", "password": PASSWORD})
    url = f"/trainer/cohorts/{cohort_id}"
    assert client.get(url).status_code == 200  # warm up caches and the connection pool
    queries: list[str] = []
    listener = lambda *args: queries.append(args[2])  # noqa: E731
    timings = []
    for _ in range(requests):
        queries.clear()
        event.listen(Engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        timings.append(time.perf_counter() - started)
        event.remove(Engine, "before_cursor_execute", listener)
        assert response.status_code == 200
    return timings, len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    print(f"Cohort page benchmark ({os.environ.get('DATABASE_URL', 'SQLite')}, {os.cpu_count()} CPUs)")
    with tempfile.TemporaryDirectory() as workdir:
        for size in args.sizes:
            print(f"N = {size:,}")
            app, cohort_id = build(size, Path(workdir))
            freeze_startup_objects()  # as app.py does when serving
            timings, queries = measure(app, cohort_id, args.requests)
            ordered = sorted(timings)
            p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
            print(f"  {args.requests} requests: median {statistics.median(timings) * 1000:.0f} ms, "
                  f"p95 {p95 * 1000:.0f} ms, {queries} queries per request", flush=True)
            with app.app_context():
                db.engine.dispose()


if __name__ == "__main__":
    main()
