"""Runs jobs under their lease and logs what they did (counts only)."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import timedelta

from core import clock
from core.settings import Settings
from db import jobs as job_leases
from jobs import JOBS, Job

log = logging.getLogger("eplatform.jobs")
LEASE_TTL = timedelta(minutes=30)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


def new_holder() -> str:
    """A lease holder's name for one scheduler: its machine and process, and a random part, so that two schedulers
    in one process never take a lease the other holds."""
    return f"{HOLDER}:{secrets.token_hex(3)}"


async def run_job(job: Job, settings: Settings, *, holder: str = HOLDER, due_only: bool = False) -> dict | None:
    """Run `job` if no other process holds its lease (with `due_only`, also only if it is due); returns its counts,
    or None when it was not our turn. A failure is logged and raised, and leaves the job due again at once."""
    try:
        acquired = await job_leases.acquire(job.name, holder, clock.now(), LEASE_TTL, job.every, due_only=due_only)
    except Exception as error:  # the database, for a moment
        log.warning("job_not_started", extra={"job": job.name, "error": type(error).__name__})
        raise
    if not acquired:
        if not due_only:
            log.info("job_skipped", extra={"job": job.name, "reason": "lease held elsewhere"})
        return None
    try:
        result = await job.run(settings)
    except BaseException as error:  # cancelled at shutdown too: the lease goes back now, not in LEASE_TTL
        if isinstance(error, Exception):
            log.exception("job_failed", extra={"job": job.name})
        else:
            log.warning("job_interrupted", extra={"job": job.name})
        await _give_back(job, holder, {"failed": 1})
        raise
    await job_leases.release(job.name, holder, clock.now(), result)
    log.info("job_finished", extra={"job": job.name, **result})
    return result


async def _give_back(job: Job, holder: str, result: dict) -> None:
    try:
        await job_leases.release(job.name, holder, clock.now(), result, failed=True)
    except Exception as error:  # the database is away too: the lease runs out by itself after LEASE_TTL
        log.warning("job_lease_not_released", extra={"job": job.name, "error": type(error).__name__})


async def run_due_jobs(settings: Settings, *, holder: str = HOLDER) -> dict[str, dict | None]:
    """One round: each due job whose lease we get, one after the other. A job that fails (or the database, for a
    moment) is logged and tried again next round; the jobs after it still run. Returns the counts of the jobs that
    ran, None for those that failed."""
    try:
        names = await job_leases.due(list(JOBS), clock.now())
    except Exception as error:
        log.warning("jobs_unavailable", extra={"error": type(error).__name__})
        return {}
    ran: dict[str, dict | None] = {}
    for name in names:
        try:
            result = await run_job(JOBS[name], settings, holder=holder, due_only=True)
        except Exception:  # logged by run_job
            ran[name] = None
            continue
        if result is not None:
            ran[name] = result
    return ran
