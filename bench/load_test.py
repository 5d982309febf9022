"""Benchmark: N simulated trainees (default 1,000) and 5 trainers against gunicorn on this machine, with its goals.

One command for the load test of docs/performance.md: it prepares a throw-away database (`bench/locustfile.py
setup`), serves the app with the docs/operations.md settings (4 sync workers; --worker-class gthread for the old ones),
runs locust headless on the same machine (the users sign in as they are spawned; then LOAD_SECONDS of steady
use are measured), runs the exactly-once check on the attempts, reads the workers' memory and the CPU time the workers
and locust used over the run and in the measured window (the workers' CPU per request: what the mix costs, whatever
the latency), and prints each goal:

    .venv/bin/python bench/load_test.py                         # 1,000 trainees, SQLite in a temporary folder
    .venv/bin/python bench/load_test.py --trainees 200 --seconds 60
    DATABASE_URL=postgresql+psycopg://…/throwaway .venv/bin/python bench/load_test.py   # its schema is dropped!

Goals (the Performance issue): 0 errors; p95 < 500 ms for pages and for quiz submissions; every graded attempt
stored exactly once; each gunicorn worker under 150 MB RSS after the run. Needs the bench extra
(`pip install -e '.[bench]'`, which brings locust). Exits non-zero when a goal is not met.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from throughput import Server  # noqa: E402 - bench/ is not a package

MOODLE_USERS_PER_VCPU = 2000 / 16  # Moodle's published load test: 2,000 quiz users on 12 + 4 vCPU


def reset_postgresql(url: str) -> None:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()


def worker_rss_mb(server: Server) -> list[float]:
    """Resident memory of each gunicorn worker, in MB (from /proc)."""
    sizes = []
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children").read_text().split()
    for child in children:
        for line in Path(f"/proc/{child}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def children_cpu_seconds() -> float:
    """CPU time (user + system) of this script's finished child processes: the locust run, once it has ended."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a running process and its finished children, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def read_stats(prefix: Path) -> dict[str, dict[str, str]]:
    with open(f"{prefix}_stats.csv", newline="") as handle:
        return {row["Name"] if row["Type"] else "Aggregated": row for row in csv.DictReader(handle)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60, help="the measured window, after every user signed in")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"],
                        help="gunicorn's worker class (docs/operations.md: sync; gthread keeps connections per worker)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (docs/operations.md: 2 per core)")
    args = parser.parse_args()
    python, root = sys.executable, BENCH.parent
    with tempfile.TemporaryDirectory() as workdir:
        env = os.environ | {"INSTANCE_PATH": workdir, "CREDENTIAL_KEY_DIR": f"{workdir}/keys",
                            "LOAD_TRAINEES": str(args.trainees), "LOAD_SECONDS": str(args.seconds),
                            "LOAD_LOG": f"{workdir}/attempts.txt", "AUTH_RATE_LIMIT": "100000/minute"}
        if env.get("DATABASE_URL", "").startswith("postgresql"):
            reset_postgresql(env["DATABASE_URL"])
        database = env.get("DATABASE_URL", "SQLite")
        print(f"Load test: {args.trainees:,} trainees + 5 trainers, {database.split('@')[-1]}, {os.cpu_count()} CPUs",
              flush=True)
        subprocess.run([python, str(BENCH / "locustfile.py"), "setup"], env=env, cwd=root, check=True)  # noqa: S603
        server = Server(root, "app:app", env, Path(workdir) / "gunicorn.log", args.worker_class, args.workers)
        try:
            users = args.trainees + 5
            cap = int(users / args.spawn_rate + args.seconds + 300)
            before = (time.monotonic(), server.cpu_seconds(), children_cpu_seconds())
            locust = subprocess.Popen([str(Path(python).parent / "locust"), "-f", str(BENCH / "locustfile.py"),  # noqa: S603
                                       "--headless", "-u", str(users), "-r", str(args.spawn_rate), "-t", f"{cap}s",
                                       "--host", server.base, "--only-summary", "--csv", f"{workdir}/locust"],
                                      env=env, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            output, window = [], None
            for line in locust.stdout:  # the "ramp:" line marks the start of the measured window
                output.append(line)
                if line.startswith("ramp") and window is None:
                    window = (time.monotonic(), server.cpu_seconds(), process_cpu_seconds(locust.pid))
            ended = (time.monotonic(), server.cpu_seconds(), process_cpu_seconds(locust.pid))
            returncode = locust.wait()
            rss = worker_rss_mb(server)
            wall, app_cpu = time.monotonic() - before[0], server.cpu_seconds() - before[1]
            locust_cpu = children_cpu_seconds() - before[2]
        finally:
            server.stop()
        ramp = [line.rstrip() for line in output if line.startswith(("ramp", "Measuring"))]
        print("\n".join(ramp) or "no ramp line: the run ended before every user signed in", flush=True)
        check = subprocess.run([python, str(BENCH / "locustfile.py"), "check"], env=env, cwd=root,  # noqa: S603
                               capture_output=True, text=True)
        print(check.stdout.strip().splitlines()[-1] if check.stdout.strip() else check.stderr.strip()[-500:])
        stats = read_stats(Path(f"{workdir}/locust"))
        errors = sum(int(row["Failure Count"]) for name, row in stats.items() if name != "Aggregated")
        total = stats["Aggregated"]
        submissions = [row for name, row in stats.items() if "submit" in name]
        print(f"measured {float(total['Requests/s']):.0f} requests/s, {int(total['Request Count']):,} requests, "
              f"{errors} failed; median {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms")
        for name, row in sorted(stats.items()):
            if name != "Aggregated":
                print(f"  {name}: {row['Request Count']} requests, median {row['50%']} ms, p95 {row['95%']} ms")
        log = (Path(workdir) / "gunicorn.log").read_text(errors="replace")
        server_errors = sum(line.count("Traceback") + line.count("database is locked") for line in log.splitlines())
        goals = {
            "0 errors": errors == 0 and returncode == 0 and server_errors == 0,
            "p95 < 500 ms, all pages": float(total["95%"]) < 500,
            "p95 < 500 ms, quiz submissions": all(float(row["95%"]) < 500 for row in submissions) and bool(submissions),
            "every graded attempt stored exactly once": check.returncode == 0,
            "each worker < 150 MB RSS after the run": bool(rss) and max(rss) < 150,
        }
        print(f"workers' RSS after the run: {', '.join(f'{size:.0f}' for size in rss)} MB; "
              f"{users / (os.cpu_count() or 1):.0f} simulated users per core (Moodle's published test served "
              f"{MOODLE_USERS_PER_VCPU:.0f} per vCPU within its goals)")
        cores = wall * (os.cpu_count() or 1)
        print(f"CPU over the whole run (ramp included, {wall:.0f} s): gunicorn workers {app_cpu:.0f} s "
              f"({100 * app_cpu / cores:.0f}% of the machine), locust {locust_cpu:.0f} s "
              f"({100 * locust_cpu / cores:.0f}%)")
        if window is not None:
            seconds, requests = ended[0] - window[0], int(total["Request Count"])
            print(f"CPU in the measured window ({seconds:.0f} s): gunicorn workers {ended[1] - window[1]:.0f} s, "
                  f"{1000 * (ended[1] - window[1]) / max(requests, 1):.2f} ms a request "
                  f"({100 * (ended[1] - window[1]) / (seconds * (os.cpu_count() or 1)):.0f}% of the machine); "
                  f"locust {ended[2] - window[2]:.0f} s")
        for goal, met in goals.items():
            print(f"goal: {goal}: {'MET' if met else 'NOT MET'}")
        sys.exit(0 if all(goals.values()) else 1)


if __name__ == "__main__":
    main()
