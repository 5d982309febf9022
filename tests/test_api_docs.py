"""docs/api.md is true: its curl examples run, with real curl, against a live server started by this test."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from course.models import Role
from tests.conftest import signed_in
from tests.test_certificates import complete_course

DOC = Path(__file__).parent.parent / "docs" / "api.md"
SHELL_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def curl_commands(text: str) -> list[str]:
    """Every `curl …` command in the document's sh blocks, continuation lines joined."""
    commands = []
    for block in SHELL_BLOCK.findall(text):
        for command in block.replace("\\\n", " ").splitlines():
            if command.strip().startswith("curl "):
                commands.append(command.strip())
    return commands


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free local port, for as long as the test runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_the_documented_sync_runs_against_a_live_server(app, live_server, make_user, make_cohort, make_token):
    first, second = make_user(), make_user()
    cohort = make_cohort(make_user(Role.TRAINER), [first, second])
    assert cohort.id == 1  # the examples name cohort 1
    for trainee in (first, second):
        complete_course(signed_in(app, trainee), app)
    env = {"PATH": os.environ["PATH"], "BASE": live_server, "TOKEN": make_token("read"),
           "WRITE_TOKEN": make_token("write"), "CURSOR": ""}
    commands = curl_commands(DOC.read_text(encoding="utf-8"))
    assert len(commands) >= 7
    outputs = {}
    for command in commands:
        body = run(command, env)
        outputs[command] = body
        if body.get("next_cursor"):
            env["CURSOR"] = body["next_cursor"]
    certificates = [out for cmd, out in outputs.items() if "/certificates?limit=1" in cmd]
    assert [len(page["data"]) for page in certificates] == [1, 1]
    assert certificates[0]["data"][0]["serial"] != certificates[1]["data"][0]["serial"]
    assert certificates[1]["next_cursor"] is None
    progress = next(out for cmd, out in outputs.items() if "/progress?" in cmd)
    assert {row["trainee_id"] for row in progress["data"] if row["complete"]} == {first.id, second.id}
    created = next((cmd, out) for cmd, out in outputs.items() if "POST" in cmd)
    assert created[1]["outcome"] == "created"
    assert run(created[0], env) == created[1]  # the same Idempotency-Key: the first answer again


def run(command: str, env: dict) -> dict:
    """Run a documented curl command (failing on an HTTP error) and return its JSON answer."""
    result = subprocess.run(["bash", "-c", command.replace("curl ", "curl --fail-with-body ", 1)],  # noqa: S603,S607
                            env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return json.loads(result.stdout)


def test_the_reference_page_is_rendered_here_from_the_document(client):
    document = client.get("/api/v1/openapi.json").json
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            assert f"{method.upper()} {path}" in html
            assert f'id="{operation["operationId"]}"' in html
    for name in document["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from another site: no CDN
