"""Scheduled jobs' bookkeeping: one lease row per job, so a job runs on exactly one process at a time however many
machines run the scheduler, and when it last ran with what result."""

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


async def acquire(name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take the job's lease unless another holder has a live one. One UPDATE decides, so two processes asking at
    the same moment cannot both win."""
    await JobLease.insert(JobLease(name=name)).on_conflict(action="DO NOTHING")
    taken = (
        await JobLease.update({JobLease.holder: holder, JobLease.expires_at: now + ttl, JobLease.last_started_at: now})
        .where(
            (JobLease.name == name)
            & (JobLease.expires_at.is_null() | (JobLease.expires_at <= now) | (JobLease.holder == holder))
        )
        .returning(JobLease.id)
    )
    return bool(taken)


async def release(name: str, holder: str, now: datetime, result: dict) -> None:
    await JobLease.update(
        {JobLease.expires_at: None, JobLease.last_finished_at: now, JobLease.last_result: json.dumps(result)}
    ).where((JobLease.name == name) & (JobLease.holder == holder))


async def last_started(name: str) -> datetime | None:
    row = await JobLease.select(JobLease.last_started_at).where(JobLease.name == name).first()
    return row["last_started_at"] if row else None
