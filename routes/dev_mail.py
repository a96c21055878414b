"""/_dev/mail: the mail outbox as the outbox job sees it (dev mode only; production never mounts it).

Without SMTP_HOST nothing is sent, so this is where a developer reads the notices the platform would have sent.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.i18n import format_datetime
from core.i18n import gettext as _
from db.applications import Notification
from integrations.mail import full_text
from jobs.outbox import delivery_status

LIST_LIMIT = 200


@get("/_dev/mail", name="dev_mail")
async def mail_outbox(request: Request) -> Template:
    rows = (
        await Notification.select(
            Notification.id,
            Notification.email,
            Notification.kind,
            Notification.subject,
            Notification.created_at,
            Notification.sent_at,
            Notification.attempts,
            Notification.next_attempt_at,
            Notification.last_error,
        )
        .order_by(Notification.created_at, Notification.id, ascending=False)
        .limit(LIST_LIMIT)
    )
    return Template(
        "dev/mail.html",
        context={
            "messages": [_with_status(row) for row in rows],
            "total": await Notification.count(),
            "limit": LIST_LIMIT,
            "smtp_host": request.app.state.settings.smtp_host,
        },
    )


@get("/_dev/mail/{notification_id:int}", name="dev_mail_message")
async def mail_message(request: Request, notification_id: FromPath[int]) -> Template:
    row = await Notification.select().where(Notification.id == notification_id).first()
    if row is None:
        raise NotFoundException()
    settings = request.app.state.settings
    return Template(
        "dev/mail_message.html",
        context={
            "message": _with_status(row),
            "sender": settings.mail_from,
            "text": full_text(row["body"], settings),
        },
    )


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


route_handlers = [mail_outbox, mail_message]
