"""Scheduled jobs: session clean-up, and the lease that lets only one process run a job at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from db import jobs as leases
from db.auth import UserSession
from db.bankid import BankIdOrder
from jobs import JOBS
from jobs.runner import run_due_jobs, run_job
from tests.login import log_in, start_login

pytestmark = pytest.mark.usefixtures("db")


async def test_session_cleanup_removes_expired_sessions_and_old_login_attempts(client, app, settings):
    await log_in(client, app, "198112189876")
    client.cookies.clear()
    await start_login(client)
    assert await UserSession.count() == 1 and await BankIdOrder.count() == 2
    assert await run_job(JOBS["session_cleanup"], settings) == {"sessions_deleted": 0, "bankid_orders_deleted": 0}
    with clock.travel(timedelta(hours=1)):
        result = await run_job(JOBS["session_cleanup"], settings)
    assert result == {"sessions_deleted": 1, "bankid_orders_deleted": 2}


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
