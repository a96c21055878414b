"""Scheduled work. Each job is an async function taking the settings and returning counts (no personal data). A
scheduler (`scheduler.py`: in every app process, or `python -m jobs loop`) runs due jobs under a database lease;
`python -m jobs run NAME` runs one now."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from core.settings import Settings
from jobs import admin_digest, cosigning, outbox, retention, session_cleanup, staff_summary, webhooks

JobFunction = Callable[[Settings], Awaitable[dict[str, int]]]


@dataclass(frozen=True)
class Job:
    name: str
    run: JobFunction
    every: timedelta


JOBS: dict[str, Job] = {job.name: job for job in (Job("session_cleanup", session_cleanup.run, timedelta(minutes=15)),)}
JOBS["outbox"] = Job("outbox", outbox.run, timedelta(minutes=1))
JOBS["retention"] = Job("retention", retention.run, timedelta(hours=1))
JOBS["cosigning"] = Job("cosigning", cosigning.run, timedelta(minutes=15))
JOBS["staff_summary"] = Job("staff_summary", staff_summary.run, timedelta(days=1))
JOBS["webhooks"] = Job("webhooks", webhooks.run, webhooks.EVERY)
JOBS["admin_digest"] = Job("admin_digest", admin_digest.run, timedelta(days=1))
