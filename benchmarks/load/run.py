"""The load run: 200 simulated people for 5 minutes against PostgreSQL and two uvicorn workers.

A throwaway PostgreSQL database (beside POSTGRES_URL, as the other benchmarks), migrated, with the demo data (the
catalogue, forms, units, staff) and benchmarks/load/seed.py; uvicorn with `--workers 2` in dev mode (the BankID
simulator keeps its orders in the database, so both workers see them) on a port of its own, JOBS_IN_APP on as in
production, and TRUSTED_PROXIES=127.0.0.1 so each simulated person's X-Forwarded-For address is theirs for the rate
limits; then locust headless with the journeys of benchmarks/load/locustfile.py. Afterwards:

- no answer may be a 5xx, or a failed connection, or any status a journey did not expect (a 429 from the rate
  limits is counted and shown apart, and does not fail the run);
- every reference number a receipt page acknowledged must be in the database exactly once, as the case of the draft
  it was acknowledged for, and every message the server said it got exactly once;
- p50/p95/p99 per page are printed (and kept in benchmarks/results/load-<time>/ with locust's files and the log).

Exit status 1 when a check fails.

    python -m benchmarks.load.run [--users 200] [--spawn-rate 20] [--run-time 5m] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.run import POSTGRES_URL, RESULTS
from tests import database
from tests.browser import start_server, stop_server

HERE = Path(__file__).parent
LOCUST = str(Path(sys.executable).parent / "locust")


def prepare(url: str) -> str:
    """Migrate, load the demo data and the load run's e-service; returns its slug."""
    migrated = database.migrate(url)
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    env = {**os.environ, "DATABASE_URL": url, "MODE": "dev"}
    for module in ("db.demo", "benchmarks.load.seed"):
        done = subprocess.run([sys.executable, "-m", module], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


class LoadSampler(threading.Thread):
    """The machine's 1-minute load average every 10 s while the run lasts."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[float] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(10):
            self.samples.append(os.getloadavg()[0])


def run_locust(base_url: str, slug: str, results: Path, args: argparse.Namespace) -> subprocess.CompletedProcess:
    command = [
        LOCUST,
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "--host",
        base_url,
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        args.run_time,
        "--stop-timeout",
        "60",  # at the end, journeys in progress finish (a submission's receipt is read)
        "--csv",
        str(results / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    env = {**os.environ, "LOAD_SLUG": slug, "LOAD_RESULTS": str(results)}
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


def cpu_seconds() -> float:
    """User and system CPU time of the child processes waited for so far (and of their own waited children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--spawn-rate", type=float, default=20)
    parser.add_argument("--run-time", default="5m", help="as locust takes it: 60s, 5m")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers")
    args = parser.parse_args()

    stamp = time.strftime("%Y%m%d-%H%M%S")
    results = RESULTS / f"load-{stamp}"
    results.mkdir(parents=True)
    url = database.create_throwaway(POSTGRES_URL, os.environ.get("BENCH_DATABASE_PREFIX", "eplatform_test"))
    sampler = LoadSampler()
    try:
        slug = prepare(url)
        server = start_server(
            {
                "DATABASE_URL": url,
                "MODE": "dev",
                "SIMULATORS": "1",
                "TEMPLATE_RELOAD": "0",
                "LOG_LEVEL": "WARNING",
                "JOBS_IN_APP": "1",
                "TRUSTED_PROXIES": "127.0.0.1",
            },
            Path(tempfile.mkdtemp()) / "uvicorn.log",
            uvicorn_args=("--workers", str(args.workers), "--no-access-log"),
        )
        try:
            sampler.start()
            started = time.monotonic()
            before = cpu_seconds()
            locust = run_locust(server.url, slug, results, args)
            elapsed = time.monotonic() - started
            locust_cpu = cpu_seconds() - before
        finally:
            sampler.done.set()
            before = cpu_seconds()
            stop_server(server)
            server_cpu = cpu_seconds() - before  # the workers' time reaches us when the parent has waited for them
            (results / "uvicorn.log").write_text(server.log())
        (results / "locust.log").write_text(locust.stdout + locust.stderr)
        env = {**os.environ, "DATABASE_URL": url}
        checked = subprocess.run(
            [sys.executable, "-m", "benchmarks.load.seed", "check", str(results)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        references = json.loads(checked.stdout)
    finally:
        database.drop_throwaway(url, POSTGRES_URL)

    recorded = results / "requests.json"
    requests = json.loads(recorded.read_text()) if recorded.exists() else {"pages": {}, "statuses": []}
    statuses = requests["statuses"]
    server_errors = sum(row["count"] for row in statuses if row["status"] >= 500)
    not_answered = sum(row["count"] for row in statuses if row["status"] == 0 and row["failed"])
    retried = sum(row["count"] for row in statuses if row["status"] == 0 and not row["failed"])
    limited = sum(row["count"] for row in statuses if row["status"] == 429)
    failed = {"all requests": 0}
    for row in statuses:
        if row["failed"]:
            failed[row["name"]] = failed.get(row["name"], 0) + row["count"]
            failed["all requests"] += row["count"]
    rows = [{"name": name, **page, "failures": failed.get(name, 0)} for name, page in requests["pages"].items()]
    unexpected = failed["all requests"] - limited - server_errors - not_answered
    summary = {
        "users": args.users,
        "workers": args.workers,
        "run_time": args.run_time,
        "seconds": round(elapsed),
        "load_average_1m": {
            "mean": round(sum(sampler.samples) / len(sampler.samples), 1) if sampler.samples else None,
            "max": max(sampler.samples, default=None),
        },
        "cpus": os.cpu_count(),
        "cpu_seconds": {"locust": round(locust_cpu), "uvicorn": round(server_cpu)},
        "server_errors_5xx": server_errors,
        "no_answer": not_answered,
        "rate_limited_429": limited,
        "retried_after_keep_alive_close": retried,
        "unexpected": unexpected,
        "references": references,
        "pages": rows,
        "statuses": statuses,
    }
    (results / "summary.json").write_text(json.dumps(summary, indent=2))

    print(f"{args.users} users, {args.workers} uvicorn workers, {args.run_time} on PostgreSQL; results in {results}")
    print("| page | requests | p50 ms | p95 ms | p99 ms | p95 ms after the first minute | failed |")
    print("|---|---|---|---|---|---|---|")
    for row in sorted(rows, key=lambda row: (row["name"] == "all requests", row["name"].split(" ", 1)[1:])):
        print(
            f"| {row['name']} | {row['requests']:,} | {row['p50_ms']:,} | {row['p95_ms']:,} | {row['p99_ms']:,} | "
            f"{'' if row['steady_p95_ms'] is None else format(row['steady_p95_ms'], ',')} | {row['failures']} |"
        )
    load = summary["load_average_1m"]
    print(
        f"\nLoad average (1 min) during the run: mean {load['mean']}, max {load['max']} on {os.cpu_count()} CPUs; "
        f"CPU time: uvicorn {server_cpu:.0f} s, locust {locust_cpu:.0f} s in {elapsed:.0f} s"
    )
    print(
        f"5xx: {server_errors}; no answer: {not_answered}; 429 (rate limits): {limited}; other failures: {unexpected}; "
        f"sent again after the server closed an idle connection: {retried}"
    )
    print(
        f"References acknowledged: {references['acknowledged']}, cases in the database: "
        f"{references['cases_in_database']}; messages acknowledged: {references['messages_acknowledged']}, in the "
        f"database: {references['messages_in_database']}; problems: {len(references['problems'])}"
    )
    problems = [*references["problems"]]
    if server_errors:
        problems.append(f"{server_errors} answers were 5xx")
    if not_answered:
        problems.append(f"{not_answered} requests got no answer")
    if unexpected:
        problems.append(f"{unexpected} requests failed otherwise (see {results}/locust_failures.csv)")
    if not references["acknowledged"]:
        problems.append("no submission was acknowledged")
    if locust.returncode not in (0, 1):  # 1: some request failed, judged above
        problems.append(f"locust exited {locust.returncode}: {locust.stderr[-2000:]}")
    for problem in problems:
        print("FAILED:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
