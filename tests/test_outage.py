"""A PostgreSQL outage mid-load: reached through a TCP proxy the test cuts and restores, the app answers only
the documented 503 (with Retry-After) while the database is gone, leaves no half-graded attempt, and serves
again without a restart once it is back."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import select

from course.config import normalise_database_url
from course.extensions import db
from course.models import AttemptItem, AttemptStatus, QuizAttempt
from tests.conftest import attempt_answers, csrf_token, signed_in

DATABASE_URL = normalise_database_url(os.environ.get("DATABASE_URL", ""))
pytestmark = pytest.mark.skipif(not DATABASE_URL.startswith("postgresql"),
                                reason="the outage test needs PostgreSQL (set DATABASE_URL)")


class CuttableProxy:
    """A TCP proxy to the database that the test can cut (every connection dropped, new ones refused) and restore."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.up = threading.Event()
        self.up.set()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed at the end of the test
            if not self.up.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        for end in (source, sink):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)

    def cut(self) -> None:
        self.up.clear()
        with self.lock:
            for end in self.sockets:
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
                end.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.up.set()

    def close(self) -> None:
        self.cut()
        self.listener.close()


@pytest.fixture
def proxy():
    parts = urlsplit(DATABASE_URL)
    running = CuttableProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield running
    running.close()


def _through(proxy: CuttableProxy) -> str:
    parts = urlsplit(DATABASE_URL)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    query = "&".join(filter(None, [parts.query, "connect_timeout=3"]))
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host, query=query))


def test_an_outage_mid_load_answers_503_and_recovers_without_restart(proxy, make_app, make_user):
    app = make_app(SQLALCHEMY_ENGINES={"default": _through(proxy)})
    trainees = [make_user() for _ in range(4)]
    clients = [signed_in(app, user) for user in trainees]
    attempts = []
    for client in clients:
        start = client.post("/modules/basics/quiz/start",
                            data={"csrf_token": csrf_token(client, "/modules/basics/quiz")})
        attempts.append(int(re.search(r"/attempts/(\d+)", start.headers["Location"]).group(1)))
    answers = [attempt_answers(app, attempt_id) for attempt_id in attempts]
    tokens = [csrf_token(client, "/account") for client in clients]
    statuses: list[tuple[int, bool]] = []
    stop = threading.Event()

    def load(index: int) -> None:
        client, attempt_id = clients[index], attempts[index]
        while not stop.is_set():
            for method, url, data in (("GET", "/", None), ("GET", f"/attempts/{attempt_id}", None),
                                      ("POST", f"/attempts/{attempt_id}",
                                       {**answers[index], "action": "save", "csrf_token": tokens[index]})):
                response = client.open(url, method=method, data=data)
                statuses.append((response.status_code, "Retry-After" in response.headers))

    workers = [threading.Thread(target=load, args=(i,)) for i in range(len(clients))]
    for worker in workers:
        worker.start()
    time.sleep(1.0)
    during = []
    for _outage in range(3):  # mid-load, three times: open connections drop, new ones are refused
        proxy.cut()
        started = len(statuses)
        time.sleep(1.5)
        during += statuses[started:]
        proxy.restore()
        time.sleep(1.0)
    stop.set()
    for worker in workers:
        worker.join(timeout=60)

    assert not any(worker.is_alive() for worker in workers)
    codes = {code for code, _retry in statuses}
    assert codes <= {200, 302, 503}, codes  # never a 500
    assert 503 in {code for code, _retry in during}, "the cut was not noticed"
    assert all(retry for code, retry in statuses if code == 503)
    # Recovery without a restart: the same app serves again and each trainee can submit.
    for index, client in enumerate(clients):
        response = client.post(f"/attempts/{attempts[index]}",
                               data={**answers[index], "action": "submit", "csrf_token": tokens[index]})
        assert response.status_code == 302, response.status_code
    with app.app_context():
        for attempt in db.session.scalars(select(QuizAttempt)):
            credits = db.session.scalars(select(AttemptItem.credit).where(AttemptItem.attempt_id == attempt.id)).all()
            assert attempt.status == AttemptStatus.SUBMITTED
            assert attempt.score == 100.0
            assert None not in credits  # graded whole, never half
