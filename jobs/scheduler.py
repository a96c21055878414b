"""The scheduler: a round of due jobs (`runner.run_due_jobs`) every `JOBS_INTERVAL_SECONDS`, in the background of an
app process (started and stopped by its lifespan) or in the foreground (`python -m jobs loop`). Leases decide which
process runs a job, so any number of schedulers may run; nothing a job or the database does stops one."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from core.settings import Settings
from jobs.runner import new_holder, run_due_jobs

log = logging.getLogger("eplatform.jobs")
# At shutdown a job in progress may finish within this time; then it is cancelled (and due again elsewhere).
STOP_GRACE_SECONDS = 10.0


class Scheduler:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.interval = settings.jobs_interval_seconds
        self.holder = new_holder()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task | None = None

    async def run(self) -> None:
        """Round after round until `request_stop()`; the round in progress ends first."""
        log.info("scheduler_started", extra={"holder": self.holder, "interval_seconds": self.interval})
        try:
            while not self._stopping.is_set():
                try:
                    await run_due_jobs(self.settings, holder=self.holder)
                except Exception:  # run_due_jobs logs and carries on by itself; this keeps the loop alive regardless
                    log.exception("scheduler_round_failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.interval)
        finally:
            log.info("scheduler_stopped", extra={"holder": self.holder})

    def request_stop(self) -> None:
        self._stopping.set()

    def start(self) -> None:
        """Run in the background of the current event loop (requests never wait for it)."""
        self._task = asyncio.create_task(self.run(), name="job-scheduler")

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Stop the background task: a job in progress may finish within `grace` seconds, then it is cancelled."""
        self.request_stop()
        if self._task is None:
            return
        _done, pending = await asyncio.wait({self._task}, timeout=grace)
        if pending:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
