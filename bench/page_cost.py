"""Benchmark: what one signed-in page costs inside the app, counted in Python function calls (repeatable).

Requests/s and CPU time move with whatever else the machine is doing; the number of Python function calls a request
makes does not: run twice, it is the same. This script prepares a throw-away database (a temporary INSTANCE_PATH,
migrated, `modules/` published, one trainee signed in through the real form, a lesson read past its content note,
a quiz started), serves the same four pages as bench/throughput.py through the WSGI app in this process (no HTTP
server), and prints for each page its Python calls per request (cProfile's count over 100 requests; the test client's
own calls included, the same for every page) and the best of five CPU-time samples of 60 requests.

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
import sys
import tempfile
import time

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
EMAIL, PASSWORD = "cost-trainee@academy.example", "page cost bench password 7"  # noqa: S105 - throw-away account


def main() -> None:
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


def _cpu_ms(client, url: str, requests: int = 60) -> float:
    started = time.process_time()
    for _ in range(requests):
        client.get(url)
    return (time.process_time() - started) / requests * 1000


if __name__ == "__main__":
    main()
