"""What /metrics tells Prometheus besides the per-request figures (web/metrics.py): the mail outbox, the integration
API's webhook deliveries, the scheduled jobs and this process's database pool, read when Prometheus asks. Read from
the database, they are the same whichever worker answers."""

from __future__ import annotations

import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Gauge, generate_latest, multiprocess

from db import engine, notices, webhooks
from db import jobs as job_leases

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
