"""SIGKILL of the retention job during a purge, then the job run again.

A throwaway PostgreSQL database holds 20 e-services, each with 150 saved drafts untouched for a year and 150 cases
closed two years ago (each draft and case with a file; each case with a 'received' event and a message), all past
their retention, plus one recent draft and one recently closed case per e-service that must stay. `python -m jobs
run retention` starts; when 40 % of what it must delete is gone, it gets SIGKILL. Checked: nothing is half-deleted
(every remaining draft has its file, every remaining case its file, event and message; nothing belongs to a deleted
row), and the job run again at once (as an operator or the next scheduler round would) takes over the dead run's
lease, deletes the rest and keeps the recent ones.

    python -m benchmarks.faults.retention_kill
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from benchmarks.faults.common import PROJECT_ROOT, Report, query, seed, throwaway_database

NAME = "retention_kill"
SERVICES, DRAFTS, CASES = 20, 150, 150
KILL_WHEN_GONE = 0.4
OLD = (
    "SELECT (SELECT count(*) FROM draft WHERE last_activity_at < now() - interval '90 days') AS drafts, "
    "(SELECT count(*) FROM case_record WHERE closed_at < now() - interval '365 days') AS cases"
)


def _job(url: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "jobs", "run", "retention"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url, "MODE": "dev", "LOG_LEVEL": "INFO"},
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )


async def _kill_mid_purge(url: str, job: subprocess.Popen, total: int) -> int:
    """SIGKILL the job once KILL_WHEN_GONE of `total` is deleted; returns how many old rows were left then."""
    connection = await asyncpg.connect(url)
    try:
        while job.poll() is None:
            row = await connection.fetchrow(OLD)
            left = row["drafts"] + row["cases"]
            if left <= total * (1 - KILL_WHEN_GONE):
                os.kill(job.pid, signal.SIGKILL)
                job.wait()
                return left
            await asyncio.sleep(0.005)
        return -1
    finally:
        await connection.close()


def _events(log: Path) -> list[dict]:
    events = []
    for line in log.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue
    return events


async def _integrity(report: Report, url: str, when: str) -> None:
    broken = await query(
        url,
        "SELECT (SELECT count(*) FROM draft d WHERE (SELECT count(*) FROM attachment a WHERE a.draft = d.id) <> 1) "
        "AS drafts, (SELECT count(*) FROM case_record c WHERE "
        '(SELECT count(*) FROM attachment a WHERE a."case" = c.id) <> 1 '
        'OR (SELECT count(*) FROM case_event e WHERE e."case" = c.id) <> 1 '
        'OR (SELECT count(*) FROM message m WHERE m."case" = c.id) <> 1) AS cases, '
        '(SELECT count(*) FROM attachment WHERE draft IS NULL AND "case" IS NULL) AS loose_files',
    )
    row = dict(broken[0])
    report.check(
        not any(row.values()),
        f"{when}: no draft without its file, no case without its file, event or message, no loose file {row}",
    )


def run() -> Report:
    report = Report(NAME)
    with throwaway_database() as url:
        started = time.monotonic()
        seeded = seed(url, "retention", str(SERVICES), str(DRAFTS), str(CASES))
        total = seeded["old_drafts"] + seeded["old_cases"]
        report.fact(
            f"seeded in {time.monotonic() - started:.0f} s: {seeded['old_drafts']} expired drafts and "
            f"{seeded['old_cases']} expired closed cases over {SERVICES} e-services"
        )
        log = Path(tempfile.mkdtemp(prefix="eplatform-faults-")) / "retention.log"
        job = _job(url, log)
        left = asyncio.run(_kill_mid_purge(url, job, total))
        killed = job.returncode == -signal.SIGKILL and 0 < left < total
        report.check(
            killed, f"the job was killed mid-purge: {left} of {total} expired rows left (exit {job.returncode})"
        )
        asyncio.run(_integrity(report, url, "after the kill"))
        lease = asyncio.run(
            query(url, "SELECT holder, expires_at > now() AS live FROM job_lease WHERE name = 'retention'")
        )
        report.fact(f"the dead run's lease: holder {lease[0]['holder']}, still live: {lease[0]['live']}")

        started = time.monotonic()
        again = _job(url, log.with_name("retention-again.log"))
        again.wait(timeout=300)
        events = _events(log.with_name("retention-again.log"))
        names = [event.get("event") for event in events]
        logged = ", ".join(f"{name} x{names.count(name)}" for name in dict.fromkeys(names))
        report.fact(f"run again: exit {again.returncode} in {time.monotonic() - started:.1f} s, logged {logged}")
        finished = "job_finished" in names
        report.check(again.returncode == 0 and finished, "the job run again at once runs (not skipped for the lease)")
        old = asyncio.run(query(url, OLD))[0]
        report.check(old["drafts"] == 0 and old["cases"] == 0, f"every expired draft and case is gone {dict(old)}")
        kept = asyncio.run(
            query(url, "SELECT (SELECT count(*) FROM draft) AS drafts, (SELECT count(*) FROM case_record) AS cases")
        )[0]
        report.check(
            kept["drafts"] == SERVICES and kept["cases"] == SERVICES,
            f"the {SERVICES} recent drafts and {SERVICES} recently closed cases stay {dict(kept)}",
        )
        asyncio.run(_integrity(report, url, "after the second run"))
        lease = asyncio.run(query(url, "SELECT expires_at, last_result FROM job_lease WHERE name = 'retention'"))[0]
        report.check(lease["expires_at"] is None, f"the lease is given back, last result {lease['last_result']}")
    return report


if __name__ == "__main__":
    from benchmarks.faults.run import print_report

    sys.exit(0 if print_report(run()) else 1)
