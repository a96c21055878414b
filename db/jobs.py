"""Scheduled jobs' bookkeeping: one lease row per job, so a job runs on exactly one process at a time however many
machines run the scheduler, when it is due next, and when it last ran with what result."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from piccolo.columns import JSON, Serial, Timestamptz, Varchar
from piccolo.table import Table


class JobLease(Table, tablename="job_lease"):
    id = Serial(primary_key=True)
    name = Varchar(length=60, unique=True)
    holder = Varchar(length=100, default="")
    expires_at = Timestamptz(null=True, default=None)
    last_started_at = Timestamptz(null=True, default=None)
    last_finished_at = Timestamptz(null=True, default=None)
    last_result = JSON(default="{}")
    # When a scheduler runs the job next; NULL: at its next look (the job never ran, or its last run failed).
    next_run_at = Timestamptz(null=True, default=None)


async def acquire(
    name: str, holder: str, now: datetime, ttl: timedelta, every: timedelta = timedelta(0), *, due_only: bool = False
) -> bool:
    """Take the job's lease unless another holder has a live one (with `due_only`, also unless the job is not due
    yet); the job is then next due `every` from now. One UPDATE decides, so two processes asking at the same moment
    cannot both win, and one that found the job due just before another ran it does not run it again."""
    await JobLease.insert(JobLease(name=name)).on_conflict(action="DO NOTHING")
    condition = (JobLease.name == name) & (JobLease.expires_at.is_null() | (JobLease.expires_at <= now))
    if due_only:
        condition = condition & (JobLease.next_run_at.is_null() | (JobLease.next_run_at <= now))
    taken = await JobLease.update(_taken_by(holder, now, ttl, every)).where(condition).returning(JobLease.id)
    return bool(taken)


def _taken_by(holder: str, now: datetime, ttl: timedelta, every: timedelta) -> dict:
    return {
        JobLease.holder: holder,
        JobLease.expires_at: now + ttl,
        JobLease.last_started_at: now,
        JobLease.next_run_at: now + every,
    }


async def live_holders(now: datetime) -> dict[str, str]:
    """The jobs whose lease someone holds now, with the holder's name."""
    rows = await JobLease.select(JobLease.name, JobLease.holder).where(JobLease.expires_at > now)
    return {row["name"]: row["holder"] for row in rows}


async def take_over(name: str, gone: str, holder: str, now: datetime, ttl: timedelta, every: timedelta) -> bool:
    """Take the job's live lease from `gone`, a holder known to have died in the middle of a run, to run the job now
    (the dead run did not finish it), as `acquire` would. One UPDATE decides, so of two processes taking over only
    one wins."""
    taken = (
        await JobLease.update(_taken_by(holder, now, ttl, every))
        .where((JobLease.name == name) & (JobLease.holder == gone) & (JobLease.expires_at > now))
        .returning(JobLease.id)
    )
    return bool(taken)


async def release(name: str, holder: str, now: datetime, result: dict, *, failed: bool = False) -> None:
    """Give the lease back with the run's result; a failed run makes the job due again at once."""
    changes = {JobLease.expires_at: None, JobLease.last_finished_at: now, JobLease.last_result: json.dumps(result)}
    if failed:
        changes[JobLease.next_run_at] = None
    await JobLease.update(changes).where((JobLease.name == name) & (JobLease.holder == holder))


async def due(names: list[str], now: datetime) -> list[str]:
    """Those of `names` that look due and free now, in the order given (acquire decides for sure)."""
    leases = {
        row["name"]: row for row in await JobLease.select(JobLease.name, JobLease.expires_at, JobLease.next_run_at)
    }

    def is_due(lease: dict | None) -> bool:
        return lease is None or all(t is None or t <= now for t in (lease["expires_at"], lease["next_run_at"]))

    return [name for name in names if is_due(leases.get(name))]


async def last_runs() -> list[dict]:
    """For monitoring and the operations page: each job's last start and finish, its result (the counts) and whether
    that run failed."""
    rows = await JobLease.select(
        JobLease.name, JobLease.last_started_at, JobLease.last_finished_at, JobLease.last_result
    ).output(load_json=True)
    return [
        {
            "name": row["name"],
            "started_at": row["last_started_at"],
            "finished_at": row["last_finished_at"],
            "result": row["last_result"] if isinstance(row["last_result"], dict) else {},
            "failed": bool((row["last_result"] or {}).get("failed")),
        }
        for row in rows
    ]


async def last_finished(name: str) -> datetime | None:
    """When the job last finished a run (during a run: the run before)."""
    row = await JobLease.select(JobLease.last_finished_at).where(JobLease.name == name).first()
    return row["last_finished_at"] if row else None
