"""Deletes what its retention time says must go, per e-service rule (its own days, or the defaults from the
settings): saved drafts untouched for that long, closed cases kept that long after closing (each with the integration
API's `case.deleted` event), and finished outbox mail; the integration API's events after EVENTS_KEPT; audit log
entries older than AUDIT_LOG_RETENTION_DAYS, in batches of AUDIT_BATCH (the only way an entry leaves the log). Drafts
made without a login go after ANONYMOUS_DRAFT_KEPT (their owner's cookie lasts no longer). A week before a saved draft
goes, its owner gets a notice (once per period of inactivity).

Logs one line per rule that deleted anything: the e-service's slug, the days and the counts, no personal data; and
one line `audit_log_purged` (the days and the count) when audit entries went.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from core import clock
from core.settings import Settings
from db import audit, notices, retention, webhooks
from services.applications import ANONYMOUS_COOKIE_MAX_AGE

log = logging.getLogger("eplatform.retention")

WARN_BEFORE = timedelta(days=7)
FINISHED_MAIL_KEPT = timedelta(days=30)
# The integration API's events (/api/v1/events) and their webhook deliveries: a receiver may catch up for this long.
EVENTS_KEPT = timedelta(days=90)
AUDIT_BATCH = 1000
ANONYMOUS_DRAFT_KEPT = ANONYMOUS_COOKIE_MAX_AGE


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    counts = {"drafts_deleted": 0, "cases_deleted": 0, "drafts_warned": 0, "mail_deleted": 0}
    counts["anonymous_drafts_deleted"] = await retention.delete_anonymous_drafts(now - ANONYMOUS_DRAFT_KEPT)
    for rule in await retention.rules():
        draft_days = rule["retention_days_draft"] or settings.default_retention_days_draft
        closed_days = rule["retention_days_closed"] or settings.default_retention_days_closed
        drafts_deleted = await retention.delete_drafts(rule["id"], inactive_since=now - timedelta(days=draft_days))
        cases_deleted = await retention.delete_closed_cases(
            rule["id"], closed_before=now - timedelta(days=closed_days), now=now
        )
        counts["drafts_warned"] += await _warn(rule["id"], draft_days, now)
        if drafts_deleted or cases_deleted:
            log.info(
                "retention_applied",
                extra={
                    "e_service": rule["slug"],
                    "draft_days": draft_days,
                    "closed_days": closed_days,
                    "drafts_deleted": drafts_deleted,
                    "cases_deleted": cases_deleted,
                },
            )
        counts["drafts_deleted"] += drafts_deleted
        counts["cases_deleted"] += cases_deleted
    counts["mail_deleted"] = await retention.delete_finished_notifications(now - FINISHED_MAIL_KEPT)
    counts["api_events_deleted"] = await webhooks.delete_events_before(now - EVENTS_KEPT)
    counts["audit_entries_deleted"] = await _purge_audit_log(settings.audit_log_retention_days, now)
    return counts


async def _purge_audit_log(days: int, now) -> int:
    """Delete audit entries older than `days`, a bounded batch at a time (each its own short statement)."""
    before, deleted = now - timedelta(days=days), 0
    while batch := await audit.delete_older_than(before, AUDIT_BATCH):
        deleted += batch
        if batch < AUDIT_BATCH:
            break
    if deleted:
        log.info("audit_log_purged", extra={"audit_log_days": days, "audit_entries_deleted": deleted})
    return deleted


async def _warn(e_service_id: int, draft_days: int, now) -> int:
    """Tell owners whose drafts are deleted within WARN_BEFORE; returns how many drafts were warned about."""
    expiring = await retention.drafts_to_warn(
        e_service_id, inactive_since=now - timedelta(days=draft_days) + WARN_BEFORE
    )
    for draft in expiring:
        if draft["email"]:
            deleted_on = draft["last_activity_at"] + timedelta(days=draft_days)
            await notices.notify_draft_expiring(draft["owner"], draft["email"], deleted_on, now)
    await retention.mark_warned([draft["id"] for draft in expiring], now)
    return len(expiring)
