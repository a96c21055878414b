"""Scheduled jobs: session clean-up (with answers held for a login that never came), and the lease that lets only
one process run a job at a time."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from core import clock
from db import jobs as leases
from db.applications import HeldAnswers
from db.auth import UserSession
from db.bankid import BankIdOrder
from db.limits import RateCounter
from jobs import JOBS
from jobs.runner import LEASE_TTL, MACHINE, run_due_jobs, run_job
from tests.applications.helpers import start
from tests.factories import make_service_with_form
from tests.login import log_in, start_login

pytestmark = pytest.mark.usefixtures("db")


async def test_session_cleanup_removes_expired_sessions_old_login_attempts_and_unclaimed_held_answers(
    client, app, settings
):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, "198112189876")
    draft_id = await start(client, "tjanst")
    client.cookies.clear()  # the session ends while the step is open; what the page posts then is held for a login
    await client.get("/")
    held = await client.post(
        f"/ansokan/{draft_id}/steg/om_dig", data={"namn": "Erik"}, headers={"x-csrftoken": client.cookies["csrf"]}
    )
    assert held.status_code == 303
    await start_login(client)
    assert await UserSession.count() == 1 and await BankIdOrder.count() == 2 and await HeldAnswers.count() == 1
    counters = await RateCounter.count()
    assert counters == 3  # the start, per address and per session, and the day's count for "Populära"
    nothing = {
        "sessions_deleted": 0,
        "bankid_orders_deleted": 0,
        "held_answers_deleted": 0,
        "rate_counters_deleted": 0,
        "idempotency_keys_deleted": 0,
    }
    assert await run_job(JOBS["session_cleanup"], settings) == nothing
    with clock.travel(timedelta(days=1, minutes=1)):  # past every window
        result = await run_job(JOBS["session_cleanup"], settings)
    assert result == {
        "sessions_deleted": 1,
        "bankid_orders_deleted": 2,
        "held_answers_deleted": 1,
        "rate_counters_deleted": counters,
        "idempotency_keys_deleted": 0,
    }


async def test_a_job_runs_on_one_process_at_a_time():
    now = clock.now()
    assert await leases.acquire("example", "machine-a:1", now, timedelta(minutes=5))
    assert not await leases.acquire("example", "machine-b:2", now, timedelta(minutes=5))
    assert await leases.acquire("example", "machine-b:2", now + timedelta(minutes=6), timedelta(minutes=5))
    await leases.release("example", "machine-b:2", now, {"done": 1})
    assert await leases.acquire("example", "machine-a:1", now, timedelta(minutes=5))


async def test_due_jobs_run_once_per_interval(settings):
    first = await run_due_jobs(settings)
    assert "session_cleanup" in first
    assert await run_due_jobs(settings) == {}
    with clock.travel(JOBS["session_cleanup"].every + timedelta(seconds=1)):
        assert "session_cleanup" in await run_due_jobs(settings)


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def test_a_lease_whose_holder_died_during_a_run_is_taken_over_at_once(settings):
    """A job process killed in the middle of a run (SIGKILL, out of memory) cannot give its lease back. Run again on
    the same machine, by hand or by a scheduler, the job takes the lease over instead of waiting LEASE_TTL (found by
    `python -m benchmarks.faults.run retention_kill`: a killed purge stayed blocked for 30 minutes)."""
    job = JOBS["session_cleanup"]
    assert await leases.acquire(job.name, f"{MACHINE}:{_dead_pid()}", clock.now(), LEASE_TTL, job.every)
    assert await run_job(job, settings) is not None
    assert (await leases.live_holders(clock.now())) == {}
    assert await leases.acquire(job.name, f"{MACHINE}:{_dead_pid()}:abc123", clock.now(), LEASE_TTL, job.every)
    assert job.name in await run_due_jobs(settings)  # not due for another 15 minutes, but its run never finished


async def test_a_lease_of_a_live_process_or_of_another_machine_is_not_taken_over(settings):
    job = JOBS["session_cleanup"]
    for holder in (f"{MACHINE}:{os.getppid()}", f"{MACHINE}:{os.getpid()}:abc123", f"elsewhere/1:{_dead_pid()}"):
        assert await leases.acquire(job.name, holder, clock.now(), LEASE_TTL, job.every)
        assert await run_job(job, settings) is None, holder
        assert job.name not in await run_due_jobs(settings), holder
        await leases.release(job.name, holder, clock.now(), {})
