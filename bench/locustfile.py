"""Load test: 200 trainees reading lessons and submitting quizzes, 5 trainers on cohort pages and records.

    DATABASE_URL=… .venv/bin/python bench/locustfile.py setup      # accounts, a cohort, the course
    AUTH_RATE_LIMIT=100000/minute gunicorn app:app …                # every simulated user shares 127.0.0.1
    .venv/bin/locust -f bench/locustfile.py --headless -u 205 -r 5 -t 5m --host http://127.0.0.1:8000
    DATABASE_URL=… .venv/bin/python bench/locustfile.py check      # every submitted attempt stored once

Users sign in as they are spawned. Once every one of them has signed in and opened the course, the
statistics are reset and the measured window of $LOAD_SECONDS (default 60) begins; the run then stops by
itself (-t is only a cap: if it ends the run first, no "ramp:" line is printed and the figures include the ramp).
The run writes the attempt ids it saw graded to $LOAD_LOG (default /tmp/dignity-load-attempts.txt);
`check` compares them with the database. See docs/performance.md.

The simulated people use locust's FastHttpUser (geventhttpclient), which needs a fraction of the CPU of its
requests-based client: on a small machine the load generator shares the cores with the server. Forms are posted
without following the redirect, and the page the browser would then open is requested as a request of its own,
as a browser does, so each request's time is its own.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import sys
import urllib.parse
from pathlib import Path

LOAD_LOG = Path(os.environ.get("LOAD_LOG", "/tmp/dignity-load-attempts.txt"))  # noqa: S108 - a bench artefact
PASSWORD = "load test password 2026"  # noqa: S105 - throw-away accounts in a throw-away database
TRAINEES = int(os.environ.get("LOAD_TRAINEES", "200"))  # fewer for a quick smoke run of the harness
TRAINERS = 5
MEASURED_SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CHOICE = re.compile(r'type="(?:radio|checkbox)"[^>]*name="(q\d+)" value="(\d+)"')
ORDER = re.compile(r'<select[^>]*name="(q\d+)-(\d+)"')
LESSON = re.compile(r'href="(/modules/[^/"]+/lessons/[^"/?#]+)')
MODULE = re.compile(r'href="(/modules/[^/"?#]+)"')
ATTEMPT = re.compile(r"/attempts/(\d+)")

if __name__ != "__main__":
    import gevent
    from locust import FastHttpUser, between, events, task

    _trainee_ids, _trainer_ids, _ready_ids = itertools.count(1), itertools.count(1), itertools.count(1)
    graded: list[int] = []

    def _ready(environment) -> None:
        """Count users who have signed in and looked around; after the last, report the ramp and start measuring."""
        if next(_ready_ids) != TRAINEES + TRAINERS:
            return
        stats, login = environment.stats, environment.stats.get("/login [POST]", "POST")
        print(f"ramp: all {TRAINEES + TRAINERS} users signed in; sign-in median {login.median_response_time} ms, "
              f"p95 {login.get_response_time_percentile(0.95)} ms, {stats.total.num_requests} requests, "
              f"{stats.total.num_failures} failures. Measuring {MEASURED_SECONDS:g} s from now.", flush=True)
        if stats.total.num_failures:
            print("ramp failures:", {f"{e.method} {e.name}": e.occurrences for e in stats.errors.values()})
            environment.process_exit_code = 1  # the reset below would hide them from locust's own exit code
        stats.reset_all()
        gevent.spawn_later(MEASURED_SECONDS, environment.runner.quit)

    @events.test_stop.add_listener
    def _write_log(**_kwargs) -> None:
        LOAD_LOG.write_text("".join(f"{attempt_id}\n" for attempt_id in graded))

    class Visitor(FastHttpUser):
        abstract = True

        def token(self, html: str) -> str:
            match = CSRF.search(html)
            return match.group(1) if match else ""

        def post_form(self, url: str, data: dict, name: str):
            """POST a form as a browser does (urlencoded, repeated names for lists); the redirect is not followed."""
            return self.client.post(url, urllib.parse.urlencode(data, doseq=True), name=name, allow_redirects=False,
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})

        def follow(self, response, name: str):
            """The page a browser opens after a form's redirect (None if the form answered without one)."""
            location = response.headers.get("Location", "")
            if response.status_code not in (302, 303) or not location:
                return None
            return self.client.get(urllib.parse.urlsplit(location)._replace(scheme="", netloc="").geturl(), name=name)

        def sign_in(self, email: str) -> None:
            page = self.client.get("/login", name="/login").text
            self.post_form("/login", {"email": email, "password": PASSWORD, "csrf_token": self.token(page)},
                           name="/login [POST]")

    class Trainee(Visitor):
        fixed_count = TRAINEES
        wait_time = between(1, 3)

        def on_start(self) -> None:
            self.sign_in(f"trainee{next(_trainee_ids)}@bench.example")
            home = self.client.get("/", name="/").text
            modules = sorted(set(MODULE.findall(home)))
            self.quizzes = [module + "/quiz" for module in modules]
            self.lessons = sorted({lesson for module in modules
                                   for lesson in LESSON.findall(self.client.get(module, name="/modules/[m]").text)})
            self.lessons = self.lessons or ["/"]
            self.modules = modules or ["/"]
            _ready(self.environment)

        @task(1)
        def open_module(self) -> None:
            self.client.get(random.choice(self.modules), name="/modules/[m]")  # noqa: S311

        @task(4)
        def read_lesson(self) -> None:
            # Past the content note, as a reader who chose to go on: the lesson body, whose GET records the visit.
            url = random.choice(self.lessons) + "?note=read"  # noqa: S311
            with self.client.get(url, name="/modules/[m]/lessons/[l]", catch_response=True) as response:
                if response.ok and "/complete" not in response.text:
                    response.failure("no lesson body (content note or another page)")

        @task(1)
        def take_quiz(self) -> None:
            if not self.quizzes:
                return
            quiz = random.choice(self.quizzes)  # noqa: S311
            intro = self.client.get(quiz, name="/modules/[m]/quiz").text
            started = self.post_form(quiz + "/start", {"csrf_token": self.token(intro)}, name="/modules/[m]/quiz/start")
            found = ATTEMPT.search(started.headers.get("Location", ""))
            if not found:
                return
            url = f"/attempts/{found.group(1)}"
            page = self.client.get(url, name="/attempts/[id]").text
            for _ in range(20):  # page by page, as a person does
                answers = self.answers(page)
                action = "submit" if 'value="submit"' in page else "next"
                response = self.post_form(url, {**answers, "action": action, "csrf_token": self.token(page),
                                                "page": re.search(r'name="page" value="(\d+)"', page).group(1)},
                                          name=f"/attempts/[id] [{action}]")
                if action == "submit":
                    if "/result" in response.headers.get("Location", ""):
                        graded.append(int(found.group(1)))
                        self.follow(response, "/attempts/[id]/result")
                    return
                following = self.follow(response, "/attempts/[id]")
                if following is None:
                    return
                page = following.text

        @staticmethod
        def answers(page: str) -> dict:
            chosen: dict[str, list[str]] = {}
            for name, value in CHOICE.findall(page):
                chosen.setdefault(name, [value])
            for name, shown in ORDER.findall(page):
                chosen[f"{name}-{shown}"] = [str(int(shown) + 1)]
            return chosen

    class Trainer(Visitor):
        fixed_count = TRAINERS
        wait_time = between(2, 5)

        def on_start(self) -> None:
            self.sign_in(f"trainer{next(_trainer_ids)}@bench.example")
            cohorts = re.findall(r'href="(/trainer/cohorts/\d+)"', self.client.get("/trainer", name="/trainer").text)
            self.cohort = cohorts[0] if cohorts else "/trainer"
            page = self.client.get(self.cohort, name="/trainer/cohorts/[id]").text
            self.records = sorted(set(re.findall(r'href="(/trainer/cohorts/\d+/trainees/\d+)"', page))) or ["/trainer"]
            _ready(self.environment)

        @task
        def cohort_page(self) -> None:
            self.client.get(self.cohort, name="/trainer/cohorts/[id]")

        @task
        def cohort_list(self) -> None:
            self.client.get("/trainer", name="/trainer")

        @task
        def trainee_record(self) -> None:
            # Opening a record is audited: a GET that writes, like a lesson.
            self.client.get(random.choice(self.records), name="/trainer/cohorts/[id]/trainees/[id]")  # noqa: S311


def _app():
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from course import create_app  # noqa: PLC0415

    return create_app()


def setup() -> None:
    """Migrate, publish modules/, create 200 trainees and 5 trainers sharing one cohort."""
    from datetime import date  # noqa: PLC0415

    from course.config import PROJECT_ROOT  # noqa: PLC0415
    from course.content.publish import sync_content  # noqa: PLC0415
    from course.core.accounts import create_user, find_user_by_email, hash_password  # noqa: PLC0415
    from course.extensions import alembic, db  # noqa: PLC0415
    from course.models import Cohort, CohortMember, CohortTrainer, Role  # noqa: PLC0415

    app = _app()
    with app.app_context():
        alembic.upgrade()
        sync_content(db.session, PROJECT_ROOT / "modules")
        password_hash = hash_password(PASSWORD)
        users = {}
        for role, count in ((Role.TRAINEE, TRAINEES), (Role.TRAINER, TRAINERS)):
            for n in range(1, count + 1):
                email = f"{role.value}{n}@bench.example"
                user = find_user_by_email(db.session, email) or create_user(
                    db.session, email=email, name=f"Bench {role.value} {n}", password="x" * 12, role=role)
                user.password_hash = password_hash
                users[email] = user
        cohort = Cohort(name="Load test cohort", description="", starts_on=date.today(), invite_code="bench")
        db.session.add(cohort)
        db.session.flush()
        db.session.add_all([CohortTrainer(cohort_id=cohort.id, user_id=u.id) for e, u in users.items()
                            if e.startswith("trainer")])
        db.session.add_all([CohortMember(cohort_id=cohort.id, user_id=u.id) for e, u in users.items()
                            if e.startswith("trainee")])
        db.session.commit()
    print(f"Ready: {TRAINEES} trainees and {TRAINERS} trainers (password {PASSWORD!r}).")


def check() -> None:
    """Every attempt the clients saw graded is stored, submitted, exactly once, with each question once."""
    from sqlalchemy import distinct, func, select  # noqa: PLC0415

    from course.extensions import db  # noqa: PLC0415
    from course.models import AttemptItem, QuizAttempt  # noqa: PLC0415

    seen = [int(line) for line in LOAD_LOG.read_text().split()]
    with _app().app_context():
        submitted = set(db.session.scalars(select(QuizAttempt.id).where(QuizAttempt.submitted_at.is_not(None))))
        items = {a: (n, d) for a, n, d in db.session.execute(
            select(AttemptItem.attempt_id, func.count(), func.count(distinct(AttemptItem.position)))
            .group_by(AttemptItem.attempt_id))}
    problems = [f"attempt {a} not stored as submitted" for a in seen if a not in submitted]
    problems += [f"attempt {a} reported graded twice" for a in set(seen) if seen.count(a) > 1]
    problems += [f"attempt {a}: {n} items for {d} questions" for a, (n, d) in items.items() if n != d]
    problems += [f"attempt {a} has no items" for a in seen if a not in items]
    in_flight = submitted - set(seen)  # graded by the server as the run stopped, before the client heard back
    print(f"graded as seen by clients: {len(seen)}; submitted in the database: {len(submitted)} "
          f"({len(in_flight)} in flight at the stop); problems: {len(problems)}")
    for problem in problems[:20]:
        print("  " + problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    {"setup": setup, "check": check}[sys.argv[1] if len(sys.argv) > 1 else "setup"]()
