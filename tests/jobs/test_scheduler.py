"""The scheduler: jobs run by themselves in `python -m jobs loop` and inside the app, once however many schedulers
run, and nothing a job or the database does stops them."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from core import clock
from db import applications as drafts
from db import jobs as leases
from db.applications import Draft, FormVersion
from db.engine import current_engine
from jobs import JOBS, Job
from jobs.scheduler import Scheduler
from tests import database
from tests.browser import PROJECT_ROOT, start_server, stop_server
from tests.factories import make_service_with_form, make_user

pytestmark = pytest.mark.usefixtures("db")

FAST = {"JOBS_INTERVAL_SECONDS": "0.2", "LOG_LEVEL": "INFO"}


WAIT_SECONDS = 20


async def _until(condition, process: subprocess.Popen | None = None) -> None:
    """Wait until `condition()` (a bool, or an awaitable of one) holds; fail at once if `process` died meanwhile."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not await _holds(condition):
                if process is not None and process.poll() is not None:
                    pytest.fail(f"the process ended with {process.returncode}")
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"still waiting after {WAIT_SECONDS} s")


async def _holds(condition) -> bool:
    outcome = condition()
    return bool(await outcome if inspect.isawaitable(outcome) else outcome)


def _start_loop(log_path: Path) -> subprocess.Popen:
    """`python -m jobs loop` looking every 0.2 s, logging to `log_path`."""
    with log_path.open("w") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "jobs", "loop", "--interval", "0.2"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "LOG_LEVEL": "INFO"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


def _log(path: Path) -> list[dict]:
    """The JSON lines of a process's log (uvicorn's own lines are plain text)."""
    entries = []
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries


def _events(entries: list[dict], event: str, job: str | None = None) -> list[int]:
    """Positions of `event` (for `job`) in the log."""
    return [i for i, e in enumerate(entries) if e["event"] == event and job in (None, e.get("job"))]


def _finished(records: list[logging.LogRecord]) -> list[str]:
    return [record.job for record in records if record.getMessage() == "job_finished"]


async def test_the_loop_logs_a_failing_job_runs_the_others_and_goes_on(tmp_path):
    log_path = tmp_path / "jobs.log"
    # session_cleanup, the first job of a round, fails as long as its table is away
    await current_engine().run_ddl("ALTER TABLE user_session RENAME TO user_session_away")
    try:
        loop = _start_loop(log_path)
    except BaseException:
        await current_engine().run_ddl("ALTER TABLE user_session_away RENAME TO user_session")
        raise
    try:
        try:
            await _until(lambda: len(_events(_log(log_path), "job_failed", "session_cleanup")) >= 2, process=loop)
        finally:
            await current_engine().run_ddl("ALTER TABLE user_session_away RENAME TO user_session")
        entries = _log(log_path)
        first_failure, second_failure = _events(entries, "job_failed", "session_cleanup")[:2]
        failure = entries[first_failure]["exception"]  # what failed and where (its message is never logged)
        assert failure["type"] in ("sqlite3.OperationalError", "asyncpg.exceptions.UndefinedTableError")
        assert any(f["file"].endswith("jobs/session_cleanup.py") and f["function"] == "run" for f in failure["frames"])
        for job in ("outbox", "retention", "cosigning"):  # in the same round, after the failure
            assert first_failure < _events(entries, "job_finished", job)[0] < second_failure
        # retried round after round: with its table back, it runs
        await _until(lambda: _events(_log(log_path), "job_finished", "session_cleanup"), process=loop)
        loop.send_signal(signal.SIGTERM)
        assert loop.wait(timeout=10) == 0
    finally:
        if loop.poll() is None:
            loop.kill()
            loop.wait()
    assert _events(_log(log_path), "scheduler_stopped")


async def test_two_schedulers_run_a_due_job_once(settings, caplog):
    fast = settings.with_overrides(jobs_interval_seconds=0.05)
    schedulers = [Scheduler(fast), Scheduler(fast)]
    with caplog.at_level(logging.INFO, logger="eplatform.jobs"):
        for scheduler in schedulers:
            scheduler.start()
        try:
            await _until(lambda: set(_finished(caplog.records)) == set(JOBS))
            await asyncio.sleep(0.3)  # several more rounds of both
        finally:
            for scheduler in schedulers:
                await scheduler.stop()
    assert sorted(_finished(caplog.records)) == sorted(JOBS)


async def test_a_job_another_process_just_ran_is_not_run_again():
    now = clock.now()
    every = timedelta(minutes=15)
    # Both processes found the job due; the first takes it, runs it and gives it back before the second asks.
    assert await leases.acquire("example", "machine-a:1", now, timedelta(minutes=5), every, due_only=True)
    await leases.release("example", "machine-a:1", now, {"done": 1})
    assert not await leases.acquire("example", "machine-b:2", now, timedelta(minutes=5), every, due_only=True)
    assert await leases.acquire("example", "machine-b:2", now + every, timedelta(minutes=5), every, due_only=True)


async def test_a_scheduler_outlives_a_database_outage(settings, caplog):
    scheduler = Scheduler(settings.with_overrides(jobs_interval_seconds=0.05))
    with caplog.at_level(logging.INFO, logger="eplatform.jobs"):
        try:
            async with database.unavailable(settings.database_url):
                scheduler.start()

                def failed_rounds() -> int:
                    return sum(r.getMessage() in ("jobs_unavailable", "job_not_started") for r in caplog.records)

                await _until(lambda: failed_rounds() >= 2 * len(JOBS))
                assert not _finished(caplog.records)
            await _until(lambda: set(_finished(caplog.records)) == set(JOBS))
        finally:
            await scheduler.stop()


async def test_stopping_cancels_an_overrunning_job_and_gives_its_lease_back(settings, monkeypatch):
    started = asyncio.Event()

    async def overruns(settings) -> dict[str, int]:
        started.set()
        await asyncio.sleep(3600)
        return {}

    job = Job("session_cleanup", overruns, JOBS["session_cleanup"].every)
    monkeypatch.setitem(JOBS, "session_cleanup", job)
    scheduler = Scheduler(settings)
    scheduler.start()
    await asyncio.wait_for(started.wait(), 10)
    await asyncio.wait_for(scheduler.stop(grace=0.1), 5)
    # Due again at once for any other process.
    assert await leases.acquire(job.name, "machine-b:2", clock.now(), timedelta(minutes=5), job.every, due_only=True)


async def test_an_app_with_the_scheduler_on_runs_due_jobs_by_itself_and_stops_cleanly(tmp_path):
    service = await make_service_with_form(retention_days_draft=10)
    form = await FormVersion.objects().where(FormVersion.e_service == service.id).first()
    user = await make_user()
    await drafts.create_draft(
        owner_id=user.id,
        anonymous_key="",
        e_service_id=service.id,
        form_version_id=form.id,
        answers={"namn": "Erik"},
        now=clock.now() - timedelta(days=11),
    )
    log_path = tmp_path / "uvicorn.log"
    server = await asyncio.to_thread(start_server, {**FAST, "JOBS_IN_APP": "1"}, log_path)
    try:

        async def draft_deleted() -> bool:
            return await Draft.count() == 0

        await _until(draft_deleted)  # by the retention job, which nobody started
    finally:
        await asyncio.to_thread(stop_server, server)
    # uvicorn shuts down gracefully on SIGTERM, then ends by the signal it caught (not killed after stop_server's wait)
    assert server.process.returncode == -signal.SIGTERM
    entries = _log(log_path)
    assert _events(entries, "job_finished", "retention") and _events(entries, "scheduler_stopped")
    assert not [e for e in entries if e["level"] in ("warning", "error", "critical")]
    assert "Application shutdown complete." in log_path.read_text()
