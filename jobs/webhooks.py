"""Delivers the integration API's webhooks (the `webhook_delivery` outbox): due deliveries, oldest event first, in
bounded batches, each a signed POST (integrations/webhooks.py) with a timeout, retried with exponential backoff and
given up after MAX_ATTEMPTS. Requests only write events and deliveries; this job is the one place webhooks leave
from. Every attempt is logged in `webhook_attempt` (the delivery log)."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx

from core import clock
from core.settings import Settings
from db import webhooks
from integrations.webhooks import TIMEOUT_SECONDS, Outcome, send
from jobs.outbox import retry_delay
from services.webhooks import check_url, encode_event_id, event_body

log = logging.getLogger("eplatform.webhooks")

BATCH_SIZE = 100
# The wait after each failure doubles from a minute (jobs.outbox.retry_delay); after the 10th failed attempt, about
# eight and a half hours after the first, a delivery is given up. /api/v1/events still has the event.
MAX_ATTEMPTS = 10
ERROR_MAX_LENGTH = 500  # the column's length
EVERY = timedelta(seconds=10)


async def run(settings: Settings) -> dict[str, int]:
    counts = {"delivered": 0, "retried": 0, "failed": 0, "deferred": 0}
    due = await webhooks.due_deliveries(clock.now(), BATCH_SIZE)
    if not due:
        return counts
    unreachable: set[int] = set()  # clients whose receiver did not answer in this run: the rest of theirs wait
    async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
        for row in due:
            if row["client"] in unreachable:
                counts["deferred"] += 1
                continue
            refusal = _refusal(row, settings)
            if refusal:
                outcome = Outcome(None, refusal)
                await _record(row, outcome, give_up=True)
                counts["failed"] += 1
                continue
            timestamp = int(clock.now().timestamp())
            outcome = await send(
                http, row["url"], row["secret"], encode_event_id(row["event_id"]), timestamp, event_body(row)
            )
            if outcome.delivered:
                await _record(row, outcome)
                counts["delivered"] += 1
                continue
            gave_up = await _record(row, outcome)
            counts["failed" if gave_up else "retried"] += 1
            if outcome.status_code is None:
                unreachable.add(row["client"])
            log.warning(
                "webhook_failed",
                extra={
                    "delivery": row["id"],
                    "client": row["client"],
                    "attempts": row["attempts"] + 1,
                    "gave_up": gave_up,
                    "reason": outcome.error,
                },
            )
    return counts


def _refusal(row: dict, settings: Settings) -> str:
    """Why the delivery cannot be made at all (then it is given up at once), or ''."""
    if not row["valid"]:
        return "the client is revoked or expired"
    if row["url"] is None:
        return "the client's webhook was removed"
    try:
        check_url(row["url"], allow_local_http=not settings.is_production)
    except ValueError as error:
        return str(error)
    return ""


async def _record(row: dict, outcome: Outcome, *, give_up: bool = False) -> bool:
    """The attempt in the log and the delivery's new state: delivered, due again after the backoff, or given up
    (after MAX_ATTEMPTS, or at once). Returns True when it gave up."""
    now = clock.now()
    attempts = row["attempts"] + (0 if give_up else 1)
    gave_up = not outcome.delivered and (give_up or attempts >= MAX_ATTEMPTS)
    next_attempt_at = None if outcome.delivered or gave_up else now + retry_delay(attempts)
    await webhooks.record_attempt(
        row["id"],
        now,
        attempts=attempts,
        status_code=outcome.status_code,
        error=outcome.error[:ERROR_MAX_LENGTH],
        delivered=outcome.delivered,
        next_attempt_at=next_attempt_at,
    )
    return gave_up
