"""Benchmark: machine instructions per request, signed-in pages against bare Flask (valgrind's callgrind).

Requests/s and CPU time on a shared or virtual machine move with everything else it is doing (the same commit has
measured half as fast from one hour to the next); the number of instructions a request executes does not: run
twice, it is the same to a fraction of a per cent. This script runs itself under `valgrind --tool=callgrind` with
counting off, prepares what bench/page_cost.py prepares (a throw-away database, one trainee signed in through the
real form, a lesson read past its content note, a quiz open), calls each page's WSGI app directly with the
trainee's session cookie (no HTTP server, no test client: the app's own work), warms it, and counts the
instructions of `--requests` requests of each page; then prints instructions per request and how many times bare
Flask's "hello" (bench/hello_app.py, called the same way) each page costs.

    .venv/bin/python bench/instructions.py                   # this checkout (needs valgrind: apt-get install valgrind)
    cd /other/checkout && /path/to/.venv/bin/python /path/to/bench/instructions.py   # another one, for before/after

It serves the checkout it is started in. Under valgrind Python runs about fifty times slower: the default 50 requests
a page take about two minutes in all. The goals themselves are about requests/s under gunicorn (bench/throughput.py),
which adds the server's own per-request work to hello and the pages alike.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) dignity-instructions-bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50, help="requests counted per page")
    parser.add_argument("--inside", help=argparse.SUPPRESS)  # the run under valgrind: where its dumps go
    args = parser.parse_args()
    if args.inside:
        count(args.requests, Path(args.inside))
        return
    if shutil.which("valgrind") is None or shutil.which("vgdb") is None:
        raise SystemExit("valgrind is not installed (Debian/Ubuntu: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="dignity-instructions-") as workdir:
        command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={workdir}/out.%p",
                   sys.executable, __file__, "--inside", workdir, "--requests", str(args.requests)]
        run = subprocess.run(command, capture_output=True, text=True)  # noqa: S603 - this very script, fixed arguments
        if run.returncode:
            raise SystemExit(f"the run under valgrind failed:\n{run.stdout[-2000:]}\n{run.stderr[-2000:]}")
        totals = {}
        for dump in Path(workdir).glob("out.*.*"):
            text = dump.read_text(errors="replace")
            name = re.search(r"^desc: Trigger: .*dump (\w+)", text, re.MULTILINE).group(1)
            totals[name] = int(re.search(r"^totals: (\d+)", text, re.MULTILINE).group(1)) / args.requests
    missing = {"hello", "lesson", "dashboard", "module", "quiz"} - set(totals)
    if missing:
        raise SystemExit(f"no count for {', '.join(sorted(missing))}")
    hello = totals.pop("hello")
    print(f"Instructions per request in process: {os.getcwd()}, SQLite, Python {sys.version.split()[0]}, "
          f"{args.requests} requests a page")
    print(f"  {'page':<10} {'instructions':>14} {'times hello':>12}")
    print(f"  {'hello':<10} {hello:>14,.0f} {1:>12.1f}")
    for name in ("lesson", "dashboard", "module", "quiz"):
        print(f"  {name:<10} {totals[name]:>14,.0f} {totals[name] / hello:>12.1f}")


def count(requests: int, workdir: Path) -> None:
    """Under valgrind: prepare, then count each page's requests between Callgrind's switches."""
    sys.path.insert(0, str(BENCH))
    sys.path.insert(0, os.getcwd())
    import hello_app  # noqa: PLC0415
    from page_cost import prepare  # noqa: PLC0415 - bench/ on the path first
    from werkzeug.test import EnvironBuilder  # noqa: PLC0415

    app, client, pages = prepare()
    cookie = f"session={client.get_cookie('session').value}"
    targets = {"hello": (hello_app.app, "/")} | {name: (app, url) for name, url in pages.items()}
    pid = str(os.getpid())
    for name, (wsgi, url) in targets.items():
        path, _sep, query = url.partition("?")
        for attempt in range(3):  # the first request with this user agent renews the session cookie, once
            environ = EnvironBuilder(path=path, query_string=query or None,
                                     headers={"Cookie": cookie, "User-Agent": USER_AGENT}).get_environ()
            status, headers, body = _call(wsgi, environ)
            renewed = [value for key, value in headers if key.lower() == "set-cookie" and value.startswith("session=")]
            if not renewed:
                break
            if attempt == 2:
                raise SystemExit(f"{url} changes the session on every request: not what a browser's next page does")
            cookie = renewed[0].split(";", 1)[0]
        for _ in range(20):  # warm: templates compiled, the course cached
            status, headers, body = _call(wsgi, environ)
        if not status.startswith("200") or (name != "hello" and b"Sign out" not in body):
            raise SystemExit(f"{url} did not show the signed-in page ({status})")
        _monitor(pid, "zero")
        _monitor(pid, "instrumentation", "on")
        for _ in range(requests):
            _call(wsgi, environ)
        _monitor(pid, "instrumentation", "off")
        dumps = len(list(workdir.glob("out.*.*")))
        _monitor(pid, "dump", name)
        if len(list(workdir.glob("out.*.*"))) == dumps:
            raise SystemExit(f"valgrind wrote no count for {name}")


def _monitor(pid: str, *command: str) -> None:
    """A Callgrind monitor command to this process through vgdb, Valgrind's own channel (synchronous: done when it
    returns). callgrind_control would do the same, but finds the process only when `vgdb -l` shows its options."""
    done = subprocess.run(["vgdb", f"--pid={pid}", *command], capture_output=True, text=True)  # noqa: S603, S607
    if done.returncode:
        raise SystemExit(f"vgdb {' '.join(command)} failed: {done.stderr.strip() or done.stdout.strip()}")


def _call(wsgi, environ: dict) -> tuple[str, list, bytes]:
    answer: dict = {}

    def start_response(status, headers, _exc_info=None):
        answer["status"], answer["headers"] = status, headers

    body = b"".join(wsgi(dict(environ), start_response))
    return answer["status"], answer["headers"], body


if __name__ == "__main__":
    main()
