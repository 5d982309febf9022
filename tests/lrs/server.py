"""Start Ralph, a third-party xAPI LRS, on a local port with its file-system backend.

Ralph pins its own FastAPI, Starlette and uvicorn, so it lives in its own virtual environment built on first
use from tests/lrs/requirements.txt under `.cache/ralph-venv` (gitignored; about 30 seconds, once).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("requirements.txt")
VENV = ROOT / ".cache" / "ralph-venv"
USERNAME, PASSWORD = "dignity", "lrs-test-password"


def ensure_venv() -> Path:
    """The venv's python, built from the pinned requirements when missing or out of date."""
    python = VENV / "bin" / "python"
    stamp = VENV / "requirements.sha256"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    # Straight to the terminal, past pytest's capture: a first run waits about 30 s here, and should say why.
    print(f"\n== building the Ralph LRS venv in {VENV} from {REQUIREMENTS} (once)", file=sys.__stderr__, flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True)  # noqa: S603
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], check=True)  # noqa: S603
    stamp.write_text(wanted)
    return python


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ralph:
    """One Ralph LRS process over a data directory that survives restarts (stop, then start again)."""

    def __init__(self, directory: Path):
        self.python = ensure_venv()
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        directory.mkdir(parents=True, exist_ok=True)
        password_hash = subprocess.run(  # noqa: S603 - bcrypt from Ralph's own venv, as its auth file needs
            [str(self.python), "-c", "import bcrypt,sys; print(bcrypt.hashpw(sys.argv[1].encode(), "
             "bcrypt.gensalt()).decode())", PASSWORD], check=True, capture_output=True, text=True).stdout.strip()
        (directory / "auth.json").write_text(json.dumps([{
            "username": USERNAME, "hash": password_hash, "scopes": ["all"],
            "agent": {"mbox": "mailto:lrs@example.com"},
        }]))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    def start(self) -> None:
        env = {**os.environ, "RALPH_AUTH_FILE": str(self.directory / "auth.json"),
               "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": str(self.directory),
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.directory),
               "RALPH_BACKENDS__LRS__FS__DEFAULT_LRS_FILE": "statements.jsonl"}
        log = (self.directory / "ralph.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603
            [str(self.python), str(Path(__file__).with_name("serve.py")), str(self.port)],
            env=env, cwd=self.directory, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited: {(self.directory / 'ralph.log').read_text()[-2000:]}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("Ralph did not start within 60 seconds")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def statements(self, **query: str) -> list[dict]:
        """Every statement the LRS holds, read back through its own xAPI query API (following `more`)."""
        auth = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        path = "statements?" + "&".join(f"{k}={v}" for k, v in {"limit": "500", **query}.items())
        found: list[dict] = []
        while path:
            request = urllib.request.Request(  # noqa: S310
                f"http://127.0.0.1:{self.port}/xAPI/{path.removeprefix('/xAPI/')}",
                headers={"Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"})
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                page = json.load(response)
            found += page["statements"]
            path = page.get("more") or ""
        return found
