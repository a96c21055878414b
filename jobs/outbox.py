"""Sends the mail outbox (the `notification` table): due messages, oldest first, in bounded batches, retried with
exponential backoff. Web requests only queue; this job is the one place mail leaves from.

Without SMTP_HOST it sends nothing and changes nothing: in dev mode the messages stay queued for /_dev/mail.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Literal

from core import clock
from core.settings import Settings
from db import notices
from integrations import mail
from integrations.mail import MailError, OutgoingMail

log = logging.getLogger("eplatform.outbox")

BATCH_SIZE = 100
# After the 10th failed attempt (about eight and a half hours after the first) a message is given up.
MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=6)
ERROR_MAX_LENGTH = 500  # the column's length

DeliveryStatus = Literal["queued", "retrying", "sent", "turned_off", "failed"]


async def run(settings: Settings) -> dict[str, int]:
    counts = {"sent": 0, "failed": 0, "retried": 0, "skipped": 0}
    if not settings.smtp_host:
        return counts
    for row in await notices.due_notifications(clock.now(), BATCH_SIZE):
        if row["kind"] in row["notices_off"]:
            await _close(row["id"], notices.TURNED_OFF)
            log.info(
                "mail_skipped", extra={"notification": row["id"], "kind": row["kind"], "reason": notices.TURNED_OFF}
            )
            counts["skipped"] += 1
            continue
        message = OutgoingMail(
            to=row["email"], subject=row["subject"], body=row["body"], notification_id=row["id"], kind=row["kind"]
        )
        try:
            await mail.send(message, settings)
        except MailError as error:
            attempts = row["attempts"] + 1
            gave_up = await _record_failure(row["id"], attempts, error.reason, give_up=error.permanent)
            counts["failed" if gave_up else "retried"] += 1
            log.warning(
                "mail_failed",
                extra={
                    "notification": row["id"],
                    "kind": row["kind"],
                    "attempts": attempts,
                    "gave_up": gave_up,
                    "reason": error.reason,
                },
            )
            if error.server_failure:
                break  # the rest would fail the same way; they stay due for the next run
            continue
        await notices.mark_sent(row["id"], row["attempts"] + 1, clock.now())
        counts["sent"] += 1
    return counts


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: 1, 2, 4, 8 … minutes, at most 6 hours."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def delivery_status(sent_at: datetime | None, attempts: int, last_error: str) -> DeliveryStatus:
    """Where a message stands. `sent_at` is set when the outbox is done with it: sent, turned off or given up."""
    if sent_at is None:
        return "retrying" if attempts else "queued"
    if last_error == notices.TURNED_OFF:
        return "turned_off"
    return "failed" if last_error else "sent"


async def _record_failure(notification_id: int, attempts: int, reason: str, *, give_up: bool) -> bool:
    """Counts the attempt and schedules the next, or gives up (after MAX_ATTEMPTS, or at once when trying again
    cannot help). Returns True when it gave up."""
    now = clock.now()
    if give_up or attempts >= MAX_ATTEMPTS:
        attempts_text = f"{attempts} attempts" if attempts > 1 else "1 attempt"
        await _close(notification_id, f"gave up after {attempts_text}: {reason}", attempts=attempts)
        return True
    await notices.schedule_retry(notification_id, attempts, now + retry_delay(attempts), reason[:ERROR_MAX_LENGTH])
    return False


async def _close(notification_id: int, error: str, attempts: int | None = None) -> None:
    await notices.close(notification_id, error[:ERROR_MAX_LENGTH], clock.now(), attempts)
