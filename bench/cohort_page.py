"""Benchmark: the trainer's cohort page (progress matrix) at 10, 1,000 and 10,000 trainees, against its goal.

Seeds a realistic cohort per size with `flask --app app demo`'s seeder into a throw-away database
(SQLite in a temp folder, or the database DATABASE_URL names), then requests the page repeatedly
through the WSGI app and prints the median and 95th-percentile latency and the query count.

    .venv/bin/python bench/cohort_page.py                 # N = 10, 1,000 and 10,000; prints the goal
    .venv/bin/python bench/cohort_page.py --sizes 10 10000 --export   # and the progress CSV's time and memory
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
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


VARIANTS = ["", "?filter=overdue&sort=-progress", "?sort=progress&page=7", "?q=kim", "?filter=not_started"]


def measure(app, cohort_id: int, requests: int) -> tuple[list[float], int, float]:
    """Time `requests` cohort pages (the plain page and filtered, sorted, paged and searched ones in turn)."""
    client = app.test_client()
    client.post("/login", data={"email": "bench-trainer@academy.example", "password": PASSWORD})
    url = f"/trainer/cohorts/{cohort_id}"
    started = time.perf_counter()
    assert client.get(url).status_code == 200  # the first visit builds the members' standings (once)
    first = time.perf_counter() - started
    for variant in VARIANTS:  # warm up each variant's statements
        assert client.get(url + variant).status_code == 200
    queries: list[str] = []
    listener = lambda *args: queries.append(args[2])  # noqa: E731
    timings, counts = [], set()
    for number in range(requests):
        queries.clear()
        event.listen(Engine, "before_cursor_execute", listener)
        started = time.perf_counter()
        response = client.get(url + VARIANTS[number % len(VARIANTS)])
        response.get_data()
        timings.append(time.perf_counter() - started)
        event.remove(Engine, "before_cursor_execute", listener)
        assert response.status_code == 200
        counts.add(len(queries))
    return timings, max(counts), first


def export_peak(app, cohort_id: int) -> tuple[float, float]:
    """Seconds and peak Python memory (MiB, tracemalloc) to stream the cohort's progress CSV."""
    client = app.test_client()
    client.post("/login", data={"email": "bench-trainer@academy.example", "password": PASSWORD})
    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(f"/trainer/cohorts/{cohort_id}/export/progress.csv", buffered=False)
    lines = sum(chunk.count(b"\n") for chunk in response.response)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    response.close()
    assert lines > 1
    return elapsed, peak / 2**20


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 1000, 10000])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--export", action="store_true", help="also stream each size's progress CSV under tracemalloc")
    args = parser.parse_args()
    print(f"Cohort page benchmark ({os.environ.get('DATABASE_URL', 'SQLite')}, {os.cpu_count()} CPUs)")
    p95s = {}
    with tempfile.TemporaryDirectory() as workdir:
        for size in args.sizes:
            print(f"N = {size:,}")
            app, cohort_id = build(size, Path(workdir))
            freeze_startup_objects()  # as app.py does when serving
            timings, queries, first = measure(app, cohort_id, args.requests)
            p95s[size] = percentile(timings, 0.95)
            print(f"  first visit (builds the standings): {first * 1000:.0f} ms", flush=True)
            print(f"  {args.requests} requests: median {statistics.median(timings) * 1000:.0f} ms, "
                  f"p95 {p95s[size] * 1000:.0f} ms, at most {queries} queries per request", flush=True)
            if args.export:
                seconds, peak = export_peak(app, cohort_id)
                print(f"  progress CSV: {seconds:.1f} s, peak Python memory {peak:.1f} MiB", flush=True)
            with app.app_context():
                db.engine.dispose()
    largest, smallest = max(p95s), min(p95s)
    ratio = p95s[largest] / p95s[smallest]
    met = p95s[largest] < 0.150 and ratio <= 3
    print(f"goal: p95 < 150 ms at {largest:,} trainees and within 3x of {smallest:,}: "
          f"{p95s[largest] * 1000:.0f} ms, {ratio:.1f}x -> {'MET' if met else 'NOT MET'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
