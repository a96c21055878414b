"""What /metrics tells Prometheus besides the per-request figures (web/metrics.py): the mail outbox, the integration
API's webhook deliveries, the scheduled jobs and this process's database pool, read when Prometheus asks. Read from
the database, they are the same whichever worker answers. The same figures, with the problems they show, make the
administrators' operations page (/admin/drift) and their daily digest of problems (jobs/admin_digest.py): `status`."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess

from core.i18n import format_datetime, ngettext
from core.i18n import gettext as _
from db import engine, notices, webhooks
from db import jobs as job_leases

log = logging.getLogger("eplatform.monitoring")

# "mostrecent": with PROMETHEUS_MULTIPROC_DIR (several workers) the value last set by any worker is shown.
OUTBOX = Gauge(
    "eplatform_outbox_messages",
    "Mail in the outbox by state: queued (never tried), retrying, failed (given up)",
    ["state"],
    multiprocess_mode="mostrecent",
)
WEBHOOKS = Gauge(
    "eplatform_webhook_deliveries",
    "Webhook deliveries by state: queued (never tried), retrying, failed (given up)",
    ["state"],
    multiprocess_mode="mostrecent",
)
JOB_FINISHED = Gauge(
    "eplatform_job_last_finished_timestamp_seconds",
    "When each scheduled job last finished (Unix time)",
    ["job"],
    multiprocess_mode="mostrecent",
)
JOB_FAILED = Gauge(
    "eplatform_job_last_run_failed", "1 when the job's last run failed", ["job"], multiprocess_mode="mostrecent"
)
POOL = Gauge(
    "eplatform_db_pool_connections",
    "This process's PostgreSQL connections: open, and in use",
    ["state"],
    multiprocess_mode="liveall",
)
CONTENT_TYPE = CONTENT_TYPE_LATEST


async def exposition() -> bytes:
    """Every metric in Prometheus's text format, the database's figures read now."""
    for state, count in (await notices.outbox_counts()).items():
        OUTBOX.labels(state).set(count)
    for state, count in (await webhooks.delivery_counts()).items():
        WEBHOOKS.labels(state).set(count)
    for run in await job_leases.last_runs():
        if run["finished_at"] is not None:
            JOB_FINISHED.labels(run["name"]).set(run["finished_at"].timestamp())
        JOB_FAILED.labels(run["name"]).set(1 if run["failed"] else 0)
    pool = engine.pool_use()
    if pool is not None:
        POOL.labels("open").set(pool[0])
        POOL.labels("in_use").set(pool[1])
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return generate_latest(registry)


# The operations page and the digest. A message given up is a problem on the page for FAILURE_WINDOW (the digest counts
# those since the last digest); one waiting longer than QUEUE_STALE is a problem; a job is overdue when it has not
# finished within its interval and as much again (at least OVERDUE_MARGIN more), or has never finished.
FAILURE_WINDOW = timedelta(days=1)
QUEUE_STALE = timedelta(hours=1)
OVERDUE_MARGIN = timedelta(minutes=10)
LATEST_FAILURES = 10


@dataclass(frozen=True)
class JobStatus:
    name: str
    every: timedelta
    started_at: datetime | None
    finished_at: datetime | None
    result: dict
    failed: bool
    overdue: bool


@dataclass
class Status:
    database: bool = True
    waiting: int = 0
    given_up: int = 0  # in all
    given_up_since: int = 0
    since: datetime | None = None
    oldest_waiting: datetime | None = None
    latest_failures: list[dict] = field(default_factory=list)
    jobs: list[JobStatus] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def duration_text(length: timedelta) -> str:
    """A job's interval or a message's wait, in whole days, hours or minutes (rounded down)."""
    minutes = int(length.total_seconds() // 60)
    if minutes >= 24 * 60:
        return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60)) % {"num": minutes // (24 * 60)}
    if minutes >= 60:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60) % {"num": minutes // 60}
    return ngettext("%(num)d minute", "%(num)d minutes", minutes) % {"num": minutes}


def is_overdue(every: timedelta, finished_at: datetime | None, now: datetime) -> bool:
    return finished_at is None or now - finished_at > every + max(every, OVERDUE_MARGIN)


async def status(now: datetime, since: datetime | None = None, *, leave_out: str = "") -> Status:
    """The outbox, every scheduled job and the database as the operations page shows them, and what is wrong, in
        words: messages given up since `since` (FAILURE_WINDOW ago by default), a queue not moving, failed and overdue
        jobs, a database that does not answer. No personal data: counts, kinds, job names and stored reasons. The job
    `leave_out` is not looked at (the digest, about itself while it runs)."""
    from jobs import JOBS  # jobs/admin_digest.py, one of the jobs, uses this module

    since = since or now - FAILURE_WINDOW
    try:
        counts = await notices.outbox_counts()
        outbox = await notices.outbox_problems(since, LATEST_FAILURES)
        runs = {run["name"]: run for run in await job_leases.last_runs()}
    except Exception as error:
        log.warning("status_database_unavailable", extra={"error": type(error).__name__})
        return Status(database=False, since=since, problems=[_("The database does not answer.")])
    jobs = []
    for name, job in JOBS.items():
        if name == leave_out:
            continue
        run = runs.get(name, {})
        jobs.append(
            JobStatus(
                name=name,
                every=job.every,
                started_at=run.get("started_at"),
                finished_at=run.get("finished_at"),
                result={key: value for key, value in run.get("result", {}).items() if key != "failed"},
                failed=run.get("failed", False),
                overdue=is_overdue(job.every, run.get("finished_at"), now),
            )
        )
    found = Status(
        waiting=counts["queued"] + counts["retrying"],
        given_up=counts["failed"],
        given_up_since=outbox["failed_since"],
        since=since,
        oldest_waiting=outbox["oldest_waiting"],
        latest_failures=outbox["latest_failures"],
        jobs=jobs,
    )
    found.problems = _problems(found, now)
    return found


def _problems(found: Status, now: datetime) -> list[str]:
    problems = []
    if found.given_up_since:
        problems.append(
            ngettext(
                "%(num)d e-mail could not be delivered and was given up since %(since)s.",
                "%(num)d e-mails could not be delivered and were given up since %(since)s.",
                found.given_up_since,
            )
            % {"num": found.given_up_since, "since": format_datetime(found.since)}
        )
    if found.oldest_waiting is not None and now - found.oldest_waiting > QUEUE_STALE:
        problems.append(
            _("The oldest e-mail in the outbox has waited to be sent since %(since)s.")
            % {"since": format_datetime(found.oldest_waiting)}
        )
    for job in found.jobs:
        if job.failed:
            problems.append(_("The job %(job)s failed in its last run.") % {"job": job.name})
        if job.overdue and job.finished_at is None:
            problems.append(_("The job %(job)s has never finished a run.") % {"job": job.name})
        elif job.overdue:
            problems.append(
                _("The job %(job)s is overdue: it last finished %(when)s.")
                % {"job": job.name, "when": format_datetime(job.finished_at)}
            )
    # Failed webhook deliveries (branch api-webhooks) join here: a count since `since`, and a problem when there are
    # any.
    return problems
