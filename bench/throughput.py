"""Benchmark: signed-in pages against bare Flask, served by the same gunicorn configuration, measured with wrk.

Starts gunicorn with 4 single-threaded gthread workers and keep-alive 10 (the settings of its earlier runs; wrk keeps
its connections open, so the app and hello are compared on equal terms) for a bare Flask "hello" app
(bench/hello_app.py) and then for the real app on a prepared throw-away database (a temporary INSTANCE_PATH;
migrated; modules/ published; one trainee signed in through the real sign-in form, CSRF and all).
wrk then requests each page for the same duration with the same connections, and the script prints requests/s,
the ratio to hello and the goal (a lesson >= 0.25 of hello; the dashboard, a module page and a quiz page >= 0.2).

    .venv/bin/python bench/throughput.py                          # SQLite in a temporary folder
    DATABASE_URL=postgresql+psycopg://…/throwaway .venv/bin/python bench/throughput.py   # its schema is dropped!
    .venv/bin/python bench/throughput.py --tree /path/to/other/checkout   # serve another checkout (before/after)

Needs wrk (Debian/Ubuntu: `apt-get install wrk`; macOS: `brew install wrk`). The lesson is one the trainee has
already opened past its content note, so its body renders (checked before measuring); a lesson GET still runs its
visit-recording check, as for any returning trainee.

Besides requests/s, it prints the gunicorn workers' CPU time per request (user + system, from /proc): on a machine
that is busy with other work, requests/s drop for every page (hello included) but CPU per request barely moves, so
"by CPU/request" (hello's CPU per request over the page's) is the steadier ratio. The goal verdict uses requests/s.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
EMAIL, PASSWORD = "bench-trainee@academy.example", "throughput bench password 7"  # noqa: S105 - throw-away account
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) dignity-throughput-bench"  # the browser's and wrk's alike
GOALS = {"lesson": 0.25, "dashboard": 0.2, "module": 0.2, "quiz": 0.2}

# Run inside the served tree (so --tree can point at another checkout): migrate, publish, one trainee; prints the
# module, a lesson with a content note and the quiz to request, as JSON.
PREPARE = """
import json, sys
from sqlalchemy import text
from course import create_app
from course.config import PROJECT_ROOT
from course.content.publish import sync_content
from course.core.accounts import create_user
from course.core.catalogue import load_live_version
from course.extensions import alembic, db
from course.models import Role

app = create_app()
with app.app_context():
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    alembic.upgrade()
    sync_content(db.session, PROJECT_ROOT / "modules")
    create_user(db.session, email=sys.argv[1], name="Bench Trainee", password=sys.argv[2], role=Role.TRAINEE)
    db.session.commit()
    version = load_live_version(db.session)
    module, lesson = next((m, l) for m in version.modules for l in m.lessons if l.content_note)
    print(json.dumps({"module": module.slug, "lesson": lesson.slug}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn serving `app` from `directory` with the docs/operations.md settings, until stopped."""

    def __init__(self, directory: Path, app: str, env: dict, log: Path, worker_class: str = "gthread",
                 workers: int = 4):
        self.port = free_port()
        self.log = log.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [str(Path(sys.executable).parent / "gunicorn"), app, "--chdir", str(directory),
             "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers), "--threads", "1",
             "--worker-class", worker_class, "--keep-alive", "10", "--timeout", "60"],
            # Started in `directory` (gunicorn puts its working directory first on sys.path): the tree it serves.
            cwd=directory, env=env | {"PWD": str(directory)}, stdout=self.log, stderr=self.log,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {log}") from None
                time.sleep(0.2)
        time.sleep(1)  # let every worker finish booting
        self.base = f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """CPU time used so far by the workers (user + system), from /proc: robust to other load on the machine."""
        ticks = 0
        for child in Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split():
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Browser:
    """A cookie-keeping client for setting up the trainee through the real forms."""

    def __init__(self, base: str):
        self.base, self.jar = base, http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path) as response:
            return response.status, response.geturl(), response.read().decode()

    def post_form(self, path: str, form_path: str, data: dict) -> tuple[int, str, str]:
        token = CSRF.search(self.get(form_path)[2])
        if token is None:
            raise SystemExit(f"no CSRF token on {form_path}")
        body = urllib.parse.urlencode(data | {"csrf_token": token.group(1)}).encode()
        with self.opener.open(self.base + path, data=body) as response:
            return response.status, response.geturl(), response.read().decode()

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def sign_in_and_prepare(browser: Browser, module: str, lesson: str) -> dict[str, str]:
    """Sign the trainee in, read the lesson past its content note, open a quiz attempt; the pages to measure."""
    _status, url, _html = browser.post_form("/login", "/login", {"email": EMAIL, "password": PASSWORD})
    if "/login" in urllib.parse.urlsplit(url).path:
        raise SystemExit("signing in failed")
    lesson_path = f"/modules/{module}/lessons/{lesson}"
    if "note=read" not in browser.get(lesson_path)[2]:
        raise SystemExit(f"{lesson_path} did not show its content note first")
    browser.get(lesson_path + "?note=read")  # records the visit: from now on the body shows
    body = browser.get(lesson_path)[2]
    if "note=read" in body or 'name="csrf_token"' not in body:  # the lesson body ends with "Mark as complete"
        raise SystemExit(f"{lesson_path} did not show the lesson body after the content note was read")
    _status, attempt_url, attempt_html = browser.post_form(f"/modules/{module}/quiz/start",
                                                           f"/modules/{module}/quiz", {})
    if "/attempts/" not in attempt_url or 'type="radio"' not in attempt_html and "<select" not in attempt_html:
        raise SystemExit(f"starting the {module} quiz did not open an attempt page")
    return {"dashboard": "/", "lesson": lesson_path, "module": f"/modules/{module}",
            "quiz": urllib.parse.urlsplit(attempt_url).path}


def wrk(server: Server, path: str, args, cookie: str | None = None) -> dict:
    """Requests/s, responses not 2xx/3xx, the 99th percentile latency and worker CPU per request, from one wrk run."""
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s", "--latency"]
    if cookie:  # as the same browser: Flask-Login marks a session whose user agent changed "not fresh", every time
        command += ["-H", f"Cookie: {cookie}", "-H", f"User-Agent: {USER_AGENT}"]
    cpu = server.cpu_seconds()
    output = subprocess.run([*command, server.base + path], capture_output=True, text=True,  # noqa: S603
                            check=True).stdout
    cpu = server.cpu_seconds() - cpu
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    latency = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    return {"rate": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
            "errors": int(errors.group(1)) if errors else 0, "p99": latency.group(1) if latency else "?",
            "cpu_ms": 1000 * cpu / max(requests, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BENCH.parent, help="the checkout to serve (default: this one)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--worker-class", choices=["gthread", "sync"], default="gthread",
                        help="gthread (1 thread, keep-alive 10: wrk reuses its connections) or sync (as "
                             "docs/operations.md recommends: a connection per request)")
    parser.add_argument("--pages", nargs="+", default=["lesson", "dashboard", "module", "quiz"],
                        choices=["lesson", "dashboard", "module", "quiz"])
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the gunicorns we started on the way out
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk)")
    tree = args.tree.resolve()
    with tempfile.TemporaryDirectory(prefix="dignity-throughput-") as workdir:
        env = os.environ | {"INSTANCE_PATH": workdir, "SECRET_KEY": "throughput-bench-" + "x" * 40,
                            "AUTH_RATE_LIMIT": "100000/minute", "PYTHONPATH": str(tree)}
        database = os.environ.get("DATABASE_URL", "SQLite")
        log = Path(workdir) / "gunicorn.log"
        print(f"Throughput against bare Flask: {tree}, {database.split('@')[-1]}, {os.cpu_count()} CPUs; "
              f"gunicorn 4 workers x 1 thread ({args.worker_class}"
              f"{', keep-alive 10' if args.worker_class == 'gthread' else ', a connection per request'}); "
              f"wrk {args.threads} threads, {args.connections} connections, {args.duration} s per page", flush=True)
        prepared = subprocess.run([sys.executable, "-c", PREPARE, EMAIL, PASSWORD], cwd=tree, env=env,  # noqa: S603
                                  capture_output=True, text=True)
        if prepared.returncode:
            raise SystemExit(f"preparing the database failed:\n{prepared.stderr}")
        target = json.loads(prepared.stdout.strip().splitlines()[-1])

        hello = Server(BENCH, "hello_app:app", env, log, worker_class=args.worker_class)
        try:
            baseline = wrk(hello, "/", args)
        finally:
            hello.stop()
        print(f"  {'page':<24} {'requests/s':>10} {'p99':>9} {'CPU/request':>12}   ratio to hello (goal)", flush=True)
        print(f"  {'hello (bare Flask)':<24} {baseline['rate']:>10.0f} {baseline['p99']:>9} "
              f"{baseline['cpu_ms']:>9.2f} ms", flush=True)

        server = Server(tree, "app:app", env, log, worker_class=args.worker_class)
        failed = False
        try:
            browser = Browser(server.base)
            paths = sign_in_and_prepare(browser, target["module"], target["lesson"])
            cookie = browser.cookie_header()
            for page in args.pages:  # what wrk will get: the page itself, signed in by the cookie alone
                request = urllib.request.Request(server.base + paths[page],  # noqa: S310
                                                 headers={"Cookie": cookie, "User-Agent": USER_AGENT})
                with urllib.request.urlopen(request) as response:  # noqa: S310 - our own server
                    html, new_cookie = response.read().decode(), response.headers.get("Set-Cookie")
                if new_cookie:  # wrk keeps sending the old one: it would measure a session changed on every request
                    raise SystemExit(f"{paths[page]} changed a settled session cookie: {new_cookie[:60]}")
                if response.geturl() != server.base + paths[page] or "Sign out" not in html or (
                        page == "lesson" and "note=read" in html):
                    raise SystemExit(f"{paths[page]} with the session cookie did not show the signed-in page")
            for page in args.pages:
                result = wrk(server, paths[page], args, cookie)
                ratio, goal = result["rate"] / baseline["rate"], GOALS[page]
                verdict = "pass" if ratio >= goal and not result["errors"] else "FAIL"
                failed |= verdict == "FAIL"
                print(f"  {page:<24} {result['rate']:>10.0f} {result['p99']:>9} {result['cpu_ms']:>9.2f} ms   "
                      f"{ratio:.3f} (>= {goal}) {verdict}; by CPU/request {baseline['cpu_ms'] / result['cpu_ms']:.3f}"
                      + (f"; {result['errors']} responses not 2xx/3xx" if result["errors"] else ""), flush=True)
            print(f"  pages: {paths}")
        finally:
            server.stop()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
