"""Benchmark: what one signed-in page costs inside the app, counted in Python function calls (repeatable).

Requests/s and CPU time move with whatever else the machine is doing; the number of Python function calls a request
makes does not: run twice, it is the same. This script prepares a throw-away database (a temporary INSTANCE_PATH,
migrated, `modules/` published, one trainee signed in through the real form, a lesson read past its content note,
a quiz started), serves the same four pages as bench/throughput.py through the WSGI app in this process (no HTTP
server), and prints for each page its Python calls per request (cProfile's count over 100 requests; the test client's
own calls included, the same for every page) and the best of five CPU-time samples of 60 requests; then each request of
a module quiz taken page by page, as the load test's trainees take it (median calls per request over six quizzes).

    .venv/bin/python bench/page_cost.py                      # this checkout
    cd /other/checkout && /path/to/.venv/bin/python /path/to/bench/page_cost.py   # another one, for before/after

It serves the checkout it is started in (the current directory first on the path).
"""

from __future__ import annotations

import cProfile
import logging
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import urllib.parse

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EMAIL, PASSWORD = "cost-trainee@academy.example", "page cost bench password 7"  # noqa: S105 - throw-away account


def prepare():
    """A throw-away database with the course published and one trainee signed in through the real form, past a
    lesson's content note, with a quiz open: the app, that trainee's test client and the four pages to measure."""
    os.environ["INSTANCE_PATH"] = tempfile.mkdtemp(prefix="dignity-page-cost-")
    sys.path.insert(0, os.getcwd())
    logging.disable(logging.INFO)  # the migrations' progress lines
    from course import create_app, freeze_startup_objects  # noqa: PLC0415 - after the path is set
    from course.config import PROJECT_ROOT  # noqa: PLC0415
    from course.content.publish import sync_content  # noqa: PLC0415
    from course.core.accounts import create_user  # noqa: PLC0415
    from course.core.catalogue import load_live_version  # noqa: PLC0415
    from course.extensions import alembic, db  # noqa: PLC0415
    from course.models import Role  # noqa: PLC0415

    app = create_app({"AUTH_RATE_LIMIT": "100000/minute"})
    with app.app_context():
        alembic.upgrade()
        sync_content(db.session, PROJECT_ROOT / "modules")
        create_user(db.session, email=EMAIL, name="Cost Trainee", password=PASSWORD, role=Role.TRAINEE)
        db.session.commit()
        version = load_live_version(db.session)
        module, lesson = next((m, item) for m in version.modules for item in m.lessons if item.content_note)
    client = app.test_client()
    token = CSRF.search(client.get("/login").text).group(1)
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token})
    lesson_url = f"/modules/{module.slug}/lessons/{lesson.slug}"
    client.get(lesson_url + "?note=read")
    token = CSRF.search(client.get(f"/modules/{module.slug}/quiz").text).group(1)
    started = client.post(f"/modules/{module.slug}/quiz/start", data={"csrf_token": token})
    pages = {"lesson": lesson_url, "dashboard": "/", "module": f"/modules/{module.slug}",
             "quiz": started.headers["Location"]}
    freeze_startup_objects()  # as app.py does when serving
    return app, client, pages


def main() -> None:
    _app, client, pages = prepare()
    print(f"Page cost in process: {os.getcwd()}, SQLite, Python {sys.version.split()[0]}")
    print(f"  {'page':<10} {'calls/request':>14} {'CPU ms/request (best of 5)':>28}")
    for name, url in pages.items():
        for _ in range(30):  # warm: templates compiled, the course cached
            response = client.get(url)
        if response.status_code != 200 or "Sign out" not in response.text:
            raise SystemExit(f"{url} did not show the signed-in page ({response.status_code})")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(100):
            client.get(url)
        profiler.disable()
        calls = pstats.Stats(profiler).total_calls / 100
        best = min(_cpu_ms(client, url) for _ in range(5))
        print(f"  {name:<10} {calls:>14,.0f} {best:>28.2f}")
    _quiz_steps(client, pages["module"] + "/quiz", pages["quiz"])


def _quiz_steps(client, quiz: str, first_attempt: str, rounds: int = 6) -> None:
    """Each request of a module quiz taken page by page (as bench/locustfile.py does): intro, start, each page,
    each page's save ("next"), the submission and the results; median calls per request over `rounds` quizzes (the
    first quiz, which compiles templates and fills caches, is not counted)."""
    calls: dict[str, list[float]] = {}

    def counted(step: str, count: bool, method: str, url: str, **options):
        profiler = cProfile.Profile()
        profiler.enable()
        response = client.open(url, method=method, **options)
        profiler.disable()
        if count:
            calls.setdefault(step, []).append(pstats.Stats(profiler).total_calls)
        return response

    attempt = urllib.parse.urlsplit(first_attempt).path
    for number in range(rounds + 1):
        count = number > 0
        if number:
            intro = counted("intro", count, "GET", quiz).text
            token = CSRF.search(intro).group(1)
            attempt = counted("start", count, "POST", quiz + "/start", data={"csrf_token": token})
            attempt = urllib.parse.urlsplit(attempt.headers["Location"]).path
        page = counted("page", count, "GET", attempt).text
        for _ in range(20):
            action = "submit" if 'value="submit"' in page else "next"
            form = {**_answers(page), "action": action, "csrf_token": CSRF.search(page).group(1),
                    "page": re.search(r'name="page" value="(\d+)"', page).group(1)}
            sent = counted(action, count, "POST", attempt, data=form)
            after = urllib.parse.urlsplit(sent.headers["Location"])
            if action == "submit":
                counted("result", count, "GET", after.path)
                break
            page = counted("page", count, "GET", f"{after.path}?{after.query}").text
    print(f"  a module quiz, request by request (median calls of {rounds} quizzes):")
    for step, counts in calls.items():
        print(f"  {'quiz ' + step:<16} {statistics.median(counts):>8,.0f}")


def _answers(page: str) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="(q\d+)" value="([^"]+)"', page):
        chosen.setdefault(name, [value])
    for name, shown in re.findall(r'name="(q\d+)-(\d+)"', page):
        chosen[f"{name}-{shown}"] = [str(int(shown) + 1)]
    return chosen


def _cpu_ms(client, url: str, requests: int = 60) -> float:
    started = time.process_time()
    for _ in range(requests):
        client.get(url)
    return (time.process_time() - started) / requests * 1000


if __name__ == "__main__":
    main()
