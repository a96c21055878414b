"""Runs jobs under their lease and logs what they did (counts only)."""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
from datetime import timedelta
from pathlib import Path

from core import clock
from core.settings import Settings
from db import jobs as job_leases
from jobs import JOBS, Job

log = logging.getLogger("eplatform.jobs")
LEASE_TTL = timedelta(minutes=30)


def _machine() -> str:
    """Names the processes whose ids this process can check: the host, its kernel's boot and our pid namespace (two
    containers with one host name and kernel see different processes under the same id)."""
    boot = namespace = ""
    with contextlib.suppress(OSError):
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()[:8]
    with contextlib.suppress(OSError):
        namespace = os.readlink("/proc/self/ns/pid").removeprefix("pid:[").removesuffix("]")
    return f"{socket.gethostname()[:40]}/{boot}{namespace}"


MACHINE = _machine()
HOLDER = f"{MACHINE}:{os.getpid()}"


def is_gone(holder: str) -> bool:
    """Whether `holder` (a lease holder's name) was a process of this machine that no longer runs: killed in the
    middle of a job (SIGKILL, out of memory, power), it could not give its lease back. A holder on another machine,
    or whose process id now belongs to someone else, counts as alive: its lease runs out after LEASE_TTL."""
    machine, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if machine != MACHINE or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True
        except OSError:  # someone else's process
            return False
        return False
    return state in ("Z", "X")  # a zombie has finished: only its parent has not read its exit status yet


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
        acquired = await _take_over_from_the_dead(job, holder)
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


async def _take_over_from_the_dead(job: Job, holder: str) -> bool:
    """Take the job's lease from a holder of this machine that died in the middle of a run, rather than wait
    LEASE_TTL for it to run out: the job (a purge, say) resumes at once."""
    gone = (await job_leases.live_holders(clock.now())).get(job.name)
    if gone is None or not is_gone(gone):
        return False
    taken = await job_leases.take_over(job.name, gone, holder, clock.now(), LEASE_TTL, job.every)
    if taken:
        log.warning("job_lease_taken_over", extra={"job": job.name, "reason": "its holder died during a run"})
    return taken


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
        now = clock.now()
        names = await job_leases.due(list(JOBS), now)
        orphaned = {name for name, held_by in (await job_leases.live_holders(now)).items() if is_gone(held_by)}
        names = [name for name in JOBS if name in names or name in orphaned]
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
