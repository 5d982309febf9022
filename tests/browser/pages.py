"""Seed one of every page type and list, per role, the pages the accessibility tests visit."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select, update

from course.certificates.serials import new_serial
from course.extensions import db
from course.models import (
    Certificate,
    MessageKind,
    MessageStatus,
    Module,
    OutboxMessage,
    QuizAttempt,
    Role,
    User,
    WebhookEndpoint,
    utcnow,
)
from course.outbox.queue import enqueue
from course.outbox.webhooks import new_secret
from tests.conftest import attempt_answers, post_form, signed_in
from tests.test_certificates import complete_course

LONG_TITLE = "Practice: de-escalation, use-of-force reporting and the duty to intervene in a colleague's conduct"


@dataclass
class Site:
    """The seeded accounts and the page paths each role should be able to use."""

    accounts: dict[Role, object]
    pages: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def start_attempt(client, module: str) -> int:
    """Start a quiz attempt on `module` and return its id."""
    quiz = f"/modules/{module}/quiz"
    response = post_form(client, f"{quiz}/start", form_url=quiz)
    return int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))


def failed_attempt(client, app, module: str) -> int:
    """Submit a wrong-answered attempt on `module`; returns its id."""
    attempt_id = start_attempt(client, module)
    data = {**attempt_answers(app, attempt_id, correct=False), "action": "submit"}
    post_form(client, f"/attempts/{attempt_id}", data, form_url=f"/modules/{module}/quiz")
    return attempt_id


def scenario_run(client, decisions: list[tuple[str, int]]) -> int:
    """Start the practice scenario and take `decisions`; returns the run id."""
    intro = "/modules/practice/scenario"
    response = post_form(client, f"{intro}/start", form_url=intro)
    run_id = int(re.search(r"/scenario-runs/(\d+)", response.headers["Location"]).group(1))
    for step, choice in decisions:
        post_form(client, f"/scenario-runs/{run_id}", {"step": step, "choice": str(choice)}, form_url=intro)
    return run_id


def seed_site(server) -> Site:
    """A trainee with a certificate and work in progress, a trainer with a cohort, and an admin."""
    app = server.app
    trainee = server.make_user(Role.TRAINEE, name="Tess Trainee")
    late = server.make_user(Role.TRAINEE, name="Owen Overdue")
    trainer = server.make_user(Role.TRAINER, name="Tara Trainer")
    admin = server.make_user(Role.ADMIN, name="Ada Admin")
    client = signed_in(app, trainee)
    failed = failed_attempt(client, app, "basics")
    debrief = scenario_run(client, [("one", 0), ("two", 0), ("three", 0)])
    complete_course(client, app)
    step = scenario_run(client, [("one", 1)])
    in_progress = start_attempt(client, "basics")
    with app.app_context():
        serial = db.session.scalar(select(Certificate.serial).where(Certificate.user_id == trainee.id))
    cohort = server.make_cohort(trainer, [trainee, late], "Spring intake", due_on=date.today() - timedelta(days=3))
    staff = signed_in(app, trainer)  # a late trainee with the trainer's interventions on their record
    late_record = f"/trainer/cohorts/{cohort}/trainees/{late.id}"
    post_form(staff, f"{late_record}/due-date", {"due-due_on": (date.today() + timedelta(days=20)).isoformat(),
                                                 "due-reason": "On leave for three weeks"}, form_url=late_record)
    post_form(staff, f"{late_record}/exemptions", {"exempt-module": "practice",
                                                   "exempt-reason": "Completed the equivalent course in 2026"},
              form_url=late_record)
    with app.app_context():  # real courses have long module titles: menus and headings must still fit a phone
        db.session.execute(update(Module).where(Module.slug == "practice").values(title=LONG_TITLE))
        # The trainee reads times in Seoul's zone, and the open attempt has a time limit (its timer shows).
        db.session.execute(update(User).where(User.id == trainee.id).values(time_zone="Asia/Seoul"))
        db.session.execute(update(QuizAttempt).where(QuizAttempt.id == in_progress)
                           .values(deadline_at=utcnow() + timedelta(hours=20)))
        db.session.commit()
    seed_outbox(app)
    learner = [
        ("dashboard", "/"), ("module", "/modules/basics"), ("content-note", "/modules/basics/lessons/second"),
        ("lesson", "/modules/basics/lessons/second?note=read"), ("quiz-intro", "/modules/basics/quiz"),
        ("quiz-attempt", f"/attempts/{in_progress}"), ("quiz-result-failed", f"/attempts/{failed}/result"),
        ("scenario-intro", "/modules/practice/scenario"), ("scenario-step", f"/scenario-runs/{step}"),
        ("scenario-debrief", f"/scenario-runs/{debrief}"), ("review", "/review"), ("glossary", "/glossary"),
        ("certificates", "/certificates"), ("certificate", f"/certificates/{serial}"), ("account", "/account"),
        ("account-errors", "/account#submit"),
    ]
    site = Site({Role.TRAINEE: trainee, Role.TRAINER: trainer, Role.ADMIN: admin})
    site.pages["visitor"] = [
        ("welcome", "/"), ("sign-in", "/login"), ("register-errors", "/register#submit"),
        ("verify-form", "/verify"), ("verify-valid", f"/verify/{serial}"),
        ("verify-not-found", f"/verify/{new_serial()}"), ("not-found", "/no-such-page"),
    ]
    site.pages["trainee"] = learner
    site.pages["trainer"] = [
        ("dashboard", "/"), ("trainer-index", "/trainer"), ("cohort-new", "/trainer/cohorts/new"),
        ("cohort-matrix", f"/trainer/cohorts/{cohort}"),
        ("cohort-overdue", f"/trainer/cohorts/{cohort}?filter=overdue"),
        ("trainee-record", f"/trainer/cohorts/{cohort}/trainees/{trainee.id}"),
        ("trainee-attempt", f"/trainer/cohorts/{cohort}/trainees/{trainee.id}/attempts/{failed}"),
        ("trainee-record-interventions", late_record), ("trainee-record-errors", f"{late_record}#submit"),
        ("item-analysis", f"/trainer/cohorts/{cohort}/items"), ("import", f"/trainer/cohorts/{cohort}/import"),
        ("invite", f"/trainer/cohorts/{cohort}/invite"), ("cohort-edit", f"/trainer/cohorts/{cohort}/edit"),
    ]
    site.pages["admin"] = [
        ("admin-index", "/admin/"), ("users", "/admin/users"), ("users-search", "/admin/users?q=tess"),
        ("user", f"/admin/users/{trainee.id}"), ("user-correction-errors", f"/admin/users/{trainee.id}#submit"),
        ("settings", "/admin/settings"),
        ("confirm-role", f"/admin/users/{late.id}/role?role=trainer"),
        ("confirm-active", f"/admin/users/{late.id}/active"),
        ("audit", "/admin/audit"), ("content-versions", "/admin/content"), ("all-items", "/admin/items"),
        ("certificate-admin", "/admin/certificates"), ("certificate-admin-detail", f"/admin/certificates/{serial}"),
        ("certificate-any", f"/certificates/{serial}"), ("glossary", "/glossary"),
        ("webhooks", "/admin/webhooks"), ("webhooks-errors", "/admin/webhooks#submit"),
        ("outbox-waiting", "/admin/outbox"), ("outbox-failed", "/admin/outbox?status=dead"),
    ]
    return site


def seed_outbox(app) -> None:
    """A webhook endpoint, one event waiting for it and one the endpoint kept refusing."""
    with app.app_context():
        endpoint = WebhookEndpoint(url="https://personnel-records.academy.example/hooks/dignity",
                                   events=["certificate.issued", "trainee.completed"], secret=new_secret())
        db.session.add(endpoint)
        db.session.flush()
        for n, status in enumerate((MessageStatus.PENDING, MessageStatus.DEAD)):
            enqueue(db.session, MessageKind.WEBHOOK, f"msg_{n:032x}", f"seed:{n}", "certificate.issued",
                    {"type": "certificate.issued"}, endpoint_id=endpoint.id)
            db.session.execute(update(OutboxMessage).where(OutboxMessage.message_id == f"msg_{n:032x}").values(
                status=status, attempts=3 if n else 1,
                last_error="endpoint answered HTTP 503" if n else "ConnectionRefusedError: [Errno 111] refused"))
        db.session.commit()
