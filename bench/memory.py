"""Benchmark: each gunicorn worker's memory after serving every kind of trainee and trainer page in both languages.

Prepares a throw-away database (a temporary INSTANCE_PATH, migrated, modules/ published, a demo cohort of
--trainees seeded with progress, attempts, scenario runs and certificates, and one trainee, one certificate holder
and one trainer in each language), serves the app as docs/operations.md recommends (4 workers x 1 thread,
gthread, keep-alive 10), then opens a keep-alive connection to every worker (each connection is matched to the
worker holding its socket, from /proc) and, page by page, has every worker serve: the dashboard, each module, each
lesson past its content note, each quiz intro, a quiz attempt page and a saved page of it, a result, each scenario
intro, a scenario step and a debrief, the glossary, the job aids, the review, exam and baseline pages, the
certificates list and a certificate; and for the trainer the cohort list, the cohort page, its items and gain
reports, pending work, a trainee's record and one of their attempts. All of it in English and in Korean, so
every worker holds the live course in both languages. Then it prints each worker's RSS (and its USS and PSS from
/proc/<pid>/smaps_rollup) against the goal, and exits non-zero if a worker is at or over it:

    .venv/bin/python bench/memory.py                        # SQLite in a temporary folder
    .venv/bin/python bench/memory.py --tree /path/to/other/checkout   # serve another checkout (before/after)

Memory is not time: other work on the machine barely moves the figures. Certificate PDFs are not requested (the
load test requests none; a worker that makes one imports the PDF libraries, about 20 MB more): --pdf adds them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from throughput import CSRF, Server  # noqa: E402 - bench/ is not a package

GOAL_MB = 150
PASSWORD = "memory bench password 5"  # noqa: S105 - throw-away accounts in a throw-away database

# Run inside the served tree (so --tree can point at another checkout): migrate, publish, seed a cohort, and the
# accounts that walk the pages; prints what to request, as JSON.
PREPARE = """
import json, random, sys
from sqlalchemy import select, text
from course import create_app
from course.config import PROJECT_ROOT
from course.content.publish import sync_content
from course.core.accounts import create_user, hash_password
from course.core.catalogue import load_live_version
from course.demo import seed_demo_cohort
from course.extensions import alembic, db
from course.models import Certificate, CohortMember, CohortTrainer, QuizAttempt, Role, ScenarioRun, User

password, size = sys.argv[1], int(sys.argv[2])
app = create_app()
with app.app_context():
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    alembic.upgrade()
    sync_content(db.session, PROJECT_ROOT / "modules")
    version = load_live_version(db.session)
    trainer = create_user(db.session, email="trainer-en@bench.example", name="Bench Trainer", password=password,
                          role=Role.TRAINER)
    cohort = seed_demo_cohort(db.session, version, trainer, size, random.Random(size))
    certified = db.session.scalars(select(Certificate).join(CohortMember, CohortMember.user_id == Certificate.user_id)
                                   .where(CohortMember.cohort_id == cohort.id).order_by(Certificate.id).limit(2)).all()
    if len(certified) < 2:
        sys.exit("the seeded cohort has fewer than two certificate holders: use more trainees")
    walkers = {}
    for language, holder in zip(("en", "ko"), certified, strict=True):
        user = db.session.get(User, holder.user_id)
        user.password_hash, user.locale = hash_password(password), language
        attempt = db.session.scalar(select(QuizAttempt.id).where(QuizAttempt.user_id == user.id,
                                                                 QuizAttempt.submitted_at.is_not(None)).limit(1))
        run = db.session.scalar(select(ScenarioRun.id).where(ScenarioRun.user_id == user.id,
                                                             ScenarioRun.finished_at.is_not(None)).limit(1))
        learner = create_user(db.session, email=f"trainee-{language}@bench.example", name="Bench Trainee",
                              password=password)
        learner.locale = language
        db.session.add(CohortMember(cohort_id=cohort.id, user_id=learner.id))
        if language != "en":
            coach = create_user(db.session, email=f"trainer-{language}@bench.example", name="Bench Trainer",
                                password=password, role=Role.TRAINER)
            coach.locale = language
            db.session.add(CohortTrainer(cohort_id=cohort.id, user_id=coach.id))
        walkers[language] = {"learner": learner.email, "holder": user.email,
                             "trainer": f"trainer-{language}@bench.example", "holder_id": user.id,
                             "serial": holder.serial, "attempt": attempt, "run": run}
    db.session.commit()
    modules = [{"slug": m.slug, "lessons": [lesson.slug for lesson in m.lessons], "quiz": bool(m.questions),
                "scenario": bool(m.scenario)} for m in version.modules]
    print(json.dumps({"cohort": cohort.id, "modules": modules, "job_aids": sorted(version.job_aids or {}),
                      "walkers": walkers}))
"""


def worker_pids(server: Server) -> list[int]:
    return [int(pid) for pid in
            Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()]


def socket_owner(server: Server, client_port: int) -> int | None:
    """The worker holding the server side of the connection from `client_port` (its socket's inode, in /proc)."""
    wanted = (f"0100007F:{server.port:04X}", f"0100007F:{client_port:04X}")
    inode = next((fields[9] for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
                  if tuple((fields := line.split())[1:3]) == wanted), None)
    for pid in worker_pids(server):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:  # closed meanwhile
                continue
    return None


class Worker:
    """A keep-alive connection that one gunicorn worker holds: every request on it is served by that worker."""

    def __init__(self, server: Server):
        self.connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        self.request("GET", "/healthz", {})
        self.pid = socket_owner(server, self.connection.sock.getsockname()[1])

    def request(self, method: str, path: str, jar: dict, form: dict | None = None) -> tuple[int, str, str]:
        """Status, final path and body, following redirects on this connection; keeps cookies in `jar`."""
        for _ in range(5):
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())} if jar else {}
            body = None
            if form is not None:
                body = urllib.parse.urlencode(form, doseq=True)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            html = response.read().decode(errors="replace")  # PDFs with --pdf
            if response.will_close:
                raise SystemExit(f"the server closed the connection after {method} {path} ({response.status})")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    jar[name] = morsel.value
            if response.status not in (301, 302, 303):
                return response.status, path, html
            target = urllib.parse.urlsplit(response.headers["Location"])
            method, path, form = "GET", target.path + (f"?{target.query}" if target.query else ""), None
        raise SystemExit(f"too many redirects from {path}")

    def post_form(self, path: str, form_path: str, jar: dict, data: dict) -> tuple[int, str, str]:
        token = CSRF.search(self.request("GET", form_path, jar)[2])
        if token is None:
            raise SystemExit(f"no CSRF token on {form_path}")
        return self.request("POST", path, jar, data | {"csrf_token": token.group(1)})


def connect_every_worker(server: Server, count: int) -> list[Worker]:
    """One connection per worker: connect until each of the `count` workers holds one, closing the spares (a
    worker still booting on a busy machine accepts nothing yet, hence the minute allowed)."""
    held: dict[int, Worker] = {}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker = Worker(server)
        if worker.pid is None or worker.pid in held:
            worker.connection.close()
            time.sleep(0.05)
        else:
            held[worker.pid] = worker
        if len(held) == count:
            return list(held.values())
    raise SystemExit(f"reached only {len(held)} of {count} workers in a minute")


def trainee_walk(plan: dict, language: str) -> list[tuple]:
    """What a trainee reads, as (account, method, path[, form page]) steps; forms get their CSRF token first."""
    walker = plan["walkers"][language]
    steps = [("learner", "GET", "/"), ("learner", "GET", "/glossary"), ("learner", "GET", "/job-aids"),
             ("learner", "GET", "/review"), ("learner", "GET", "/exam"), ("learner", "GET", "/baseline")]
    steps += [("learner", "GET", f"/job-aids/{slug}") for slug in plan["job_aids"]]
    for module in plan["modules"]:
        base = f"/modules/{module['slug']}"
        steps.append(("learner", "GET", base))
        steps += [("learner", "GET", f"{base}/lessons/{lesson}?note=read") for lesson in module["lessons"]]
        if module["quiz"]:
            steps += [("learner", "GET", f"{base}/quiz"), ("learner", "POST", f"{base}/quiz/start", f"{base}/quiz")]
        if module["scenario"]:
            steps += [("learner", "GET", f"{base}/scenario"),
                      ("learner", "POST", f"{base}/scenario/start", f"{base}/scenario")]
    steps += [("holder", "GET", "/"), ("holder", "GET", "/certificates"),
              ("holder", "GET", f"/certificates/{walker['serial']}"), ("holder", "GET", f"/verify/{walker['serial']}"),
              ("holder", "GET", f"/attempts/{walker['attempt']}/result"),
              ("holder", "GET", f"/scenario-runs/{walker['run']}")]
    return steps


def trainer_walk(plan: dict, language: str) -> list[tuple]:
    cohort, walker = f"/trainer/cohorts/{plan['cohort']}", plan["walkers"][language]
    trainee = f"{cohort}/trainees/{walker['holder_id']}"
    return [("trainer", "GET", path) for path in
            ("/trainer", cohort, f"{cohort}?sort=-progress", f"{cohort}/items", f"{cohort}/gain", f"{cohort}/pending",
             trainee, f"{trainee}/attempts/{walker['attempt']}")]


def pdf_walk(plan: dict, language: str) -> list[tuple]:
    walker = plan["walkers"][language]
    return [("holder", "GET", f"/certificates/{walker['serial']}/certificate.pdf"),
            ("trainer", "GET", f"/people/{walker['holder_id']}/training-record.pdf")]


def step(worker: Worker, jar: dict, method: str, path: str, form_page: str | None = None) -> None:
    """One step of a walk on one worker; a quiz attempt it opens is also shown and one of its pages saved."""
    if method == "POST":
        status, final, html = worker.post_form(path, form_page, jar, {})
        if "/attempts/" in final:  # the attempt page: save its first page unanswered, as "Save and finish later"
            page = re.search(r'name="page" value="(\d+)"', html)
            status, final, html = worker.post_form(final, final, jar, {"action": "save",
                                                                       "page": page.group(1) if page else "1"})
    else:
        status, final, html = worker.request("GET", path, jar)
    if status >= 400 and status != 409:  # 409: a quiz whose attempts are used up shows its intro
        raise SystemExit(f"{method} {path} answered {status} on worker {worker.pid}")
    if "/login" in final:
        raise SystemExit(f"{method} {path} asked to sign in on worker {worker.pid}")


def memory_of(pid: int) -> dict[str, float]:
    """RSS from /proc/<pid>/status; PSS and USS (private clean + dirty) from smaps_rollup; in MB."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split()[:2]
        values[name.rstrip(":")] = int(value) / 1024
    rss = next(int(line.split()[1]) / 1024 for line in Path(f"/proc/{pid}/status").read_text().splitlines()
               if line.startswith("VmRSS:"))
    return {"rss": rss, "pss": values["Pss"], "uss": values["Private_Clean"] + values["Private_Dirty"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=BENCH.parent, help="the checkout to serve (default: this one)")
    parser.add_argument("--trainees", type=int, default=200, help="the seeded cohort's size")
    parser.add_argument("--rounds", type=int, default=1, help="times every worker walks every page")
    parser.add_argument("--pdf", action="store_true", help="also make certificate and training-record PDFs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the gunicorn we started on the way out
    tree, started = args.tree.resolve(), time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dignity-memory-") as workdir:
        env = os.environ | {"INSTANCE_PATH": workdir, "CREDENTIAL_KEY_DIR": f"{workdir}/keys",
                            "SECRET_KEY": "memory-bench-" + "x" * 40, "AUTH_RATE_LIMIT": "100000/minute",
                            "PYTHONPATH": str(tree)}
        database = os.environ.get("DATABASE_URL", "SQLite")
        print(f"Worker memory: {tree}, {database.split('@')[-1]}, {os.cpu_count()} CPUs; gunicorn 4 workers x "
              f"1 thread (gthread, keep-alive 10); a cohort of {args.trainees:,}", flush=True)
        prepared = subprocess.run([sys.executable, "-c", PREPARE, PASSWORD, str(args.trainees)],  # noqa: S603
                                  cwd=tree, env=env, capture_output=True, text=True)
        if prepared.returncode:
            raise SystemExit(f"preparing the database failed:\n{prepared.stderr}")
        plan = json.loads(prepared.stdout.strip().splitlines()[-1])
        server = Server(tree, "app:app", env, Path(workdir) / "gunicorn.log")
        try:
            workers = connect_every_worker(server, len(worker_pids(server)))
            booted = {worker.pid: memory_of(worker.pid) for worker in workers}  # each has served /healthz
            print(f"  prepared and booted in {time.monotonic() - started:.0f} s", flush=True)
            jars = {(language, account): {} for language in plan["walkers"] for account in ("learner", "holder",
                                                                                             "trainer")}
            for (language, account), jar in jars.items():
                status, final, _html = workers[0].post_form("/login", "/login", jar, {
                    "email": plan["walkers"][language][account], "password": PASSWORD})
                if "/login" in final:
                    raise SystemExit(f"signing in as {plan['walkers'][language][account]} failed")
            walk = [(language, *s) for language in plan["walkers"] for walker in
                    (trainee_walk, trainer_walk, *([pdf_walk] if args.pdf else [])) for s in walker(plan, language)]
            requests = 0
            for _round in range(args.rounds):
                for language, account, *request in walk:
                    for worker in workers:  # page by page, so no connection idles past the keep-alive
                        step(worker, jars[language, account], *request)
                        requests += 1
            served = {pid: memory_of(pid) for pid in worker_pids(server)}
        finally:
            server.stop()
    print(f"  {requests:,} pages ({len(walk)} kinds x {len(workers)} workers x {args.rounds} rounds) in "
          f"{time.monotonic() - started:.0f} s, every worker serving every kind")
    print(f"  {'worker':>8} {'RSS booted':>11} {'RSS after':>10} {'USS after':>10} {'PSS after':>10}")
    for pid, after in served.items():
        before = booted.get(pid, {"rss": float("nan")})
        print(f"  {pid:>8} {before['rss']:>8.1f} MB {after['rss']:>7.1f} MB {after['uss']:>7.1f} MB "
              f"{after['pss']:>7.1f} MB")
    largest = max(after["rss"] for after in served.values())
    verdict = "MET" if largest < GOAL_MB else "NOT MET"
    print(f"goal: each worker < {GOAL_MB} MB RSS after serving every page: largest {largest:.1f} MB: {verdict}")
    sys.exit(0 if verdict == "MET" else 1)


if __name__ == "__main__":
    main()
