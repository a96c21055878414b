"""/_dev/mail: the mail outbox as the outbox job sees it (dev mode only; production never mounts it).

Without SMTP_HOST nothing is sent, so this is where a developer reads the notices the platform would have sent.
"""

from __future__ import annotations

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from integrations.mail import full_text
from services import dev_mail
from web.params import database_id

LIST_LIMIT = 200


@get("/_dev/mail", name="dev_mail")
async def mail_outbox(request: Request) -> Template:
    messages, total = await dev_mail.outbox(LIST_LIMIT)
    return Template(
        "dev/mail.html",
        context={
            "messages": messages,
            "total": total,
            "limit": LIST_LIMIT,
            "smtp_host": request.app.state.settings.smtp_host,
        },
    )


@get("/_dev/mail/{notification_id:str}", name="dev_mail_message")
async def mail_message(request: Request, notification_id: FromPath[str]) -> Template:
    row = await dev_mail.message(database_id(notification_id))
    if row is None:
        raise NotFoundException()
    settings = request.app.state.settings
    return Template(
        "dev/mail_message.html",
        context={
            "message": row,
            "sender": settings.mail_from,
            "text": full_text(row["body"], settings),
        },
    )


route_handlers = [mail_outbox, mail_message]
