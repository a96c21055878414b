"""Runs jobs under their lease and logs what they did (counts only)."""

from __future__ import annotations

import logging
import os
import socket
from datetime import timedelta

from core import clock
from core.settings import Settings
from db import jobs as job_leases
from jobs import JOBS, Job

log = logging.getLogger("eplatform.jobs")
LEASE_TTL = timedelta(minutes=30)
HOLDER = f"{socket.gethostname()}:{os.getpid()}"


async def run_job(job: Job, settings: Settings) -> dict[str, int] | None:
    """Run `job` if no other process holds its lease; returns its counts, or None when it was not our turn."""
    if not await job_leases.acquire(job.name, HOLDER, clock.now(), LEASE_TTL):
        log.info("job_skipped", extra={"job": job.name, "reason": "lease held elsewhere"})
        return None
    try:
        result = await job.run(settings)
    except Exception:
        log.exception("job_failed", extra={"job": job.name})
        await job_leases.release(job.name, HOLDER, clock.now(), {"failed": 1})
        raise
    await job_leases.release(job.name, HOLDER, clock.now(), result)
    log.info("job_finished", extra={"job": job.name, **result})
    return result


async def run_due_jobs(settings: Settings) -> dict[str, dict[str, int] | None]:
    now = clock.now()
    ran = {}
    for job in JOBS.values():
        started = await job_leases.last_started(job.name)
        if started is None or now - started >= job.every:
            ran[job.name] = await run_job(job, settings)
    return ran
