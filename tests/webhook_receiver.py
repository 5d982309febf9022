"""A webhook receiver on a local port that checks each call with the `standardwebhooks` package (not our code).

It keeps what it accepted, notices a `webhook-id` it has already processed (a duplicate), and can be told to
fail: either before processing (`fail_first`) or after processing, as if it crashed before answering
(`crash_after_processing`).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    """A running receiver; `secret` is set once the admin has been shown it."""

    def __init__(self):
        self.secret: str | None = None
        self.accepted: list[dict] = []
        self.duplicates: list[str] = []
        self.rejected = 0
        self.fail_first = 0
        self.crash_after_processing = 0
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, body: bytes, headers: dict[str, str]) -> int:
        with self.lock:
            if self.fail_first:
                self.fail_first -= 1
                return 503
            try:
                payload = Webhook(self.secret).verify(body, headers)
            except WebhookVerificationError:
                self.rejected += 1
                return 400
            message_id = headers["webhook-id"]
            if any(seen["id"] == message_id for seen in self.accepted):
                self.duplicates.append(message_id)
                return 204  # already processed: acknowledge, do nothing again
            self.accepted.append({"id": message_id, "payload": payload})
            if self.crash_after_processing:
                self.crash_after_processing -= 1
                return 500
            return 204

    def _handler(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = receiver._handle(body, {k.lower(): v for k, v in self.headers.items()})
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        return Handler

    def events(self) -> list[str]:
        return [seen["payload"]["type"] for seen in self.accepted]

    def payloads(self, event_type: str) -> list[dict]:
        return [seen["payload"] for seen in self.accepted if seen["payload"]["type"] == event_type]


