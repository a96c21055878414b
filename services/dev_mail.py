"""The dev mode's mail viewer: the outbox as the outbox job sees it, each message with where it stands."""

from __future__ import annotations

from core.i18n import format_datetime
from core.i18n import gettext as _
from db import notices
from jobs.outbox import delivery_status


async def outbox(limit: int) -> tuple[list[dict], int]:
    """The newest `limit` messages with their status, and how many the outbox holds."""
    rows, total = await notices.newest_notifications(limit)
    return [_with_status(row) for row in rows], total


async def message(notification_id: int) -> dict | None:
    row = await notices.notification(notification_id)
    return _with_status(row) if row else None


def _with_status(row: dict) -> dict:
    """The row with `status` (see jobs.outbox.delivery_status) and `status_text`, a sentence for the page."""
    status = delivery_status(row["sent_at"], row["attempts"], row["last_error"])
    if status == "queued":
        text = _("Queued, not sent")
    elif status == "retrying":
        text = _("Attempt %(attempts)s failed; next attempt %(time)s") % {
            "attempts": row["attempts"],
            "time": format_datetime(row["next_attempt_at"]),
        }
    elif status == "sent":
        text = _("Sent %(time)s") % {"time": format_datetime(row["sent_at"])}
    elif status == "turned_off":
        text = _("Not sent: the recipient has turned this kind of notice off")
    else:
        text = _("Not sent: gave up after %(attempts)s attempts") % {"attempts": row["attempts"]}
    return {**row, "status": status, "status_text": text}
