"""How a notice looks when it leaves: headers, UTF-8 plain text, and a footer naming the municipality."""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from core import clock
from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _
from core.settings import Settings

# The conventional signature separator ("-- " with its trailing space) lets mail programs fold the footer away.
SIGNATURE_SEPARATOR = "-- "


@dataclass(frozen=True)
class OutgoingMail:
    """One message to one recipient. `notification_id` and `kind` identify it in log lines, which never carry the
    address, the subject or the body."""

    to: str
    subject: str
    body: str
    notification_id: int | None = None
    kind: str = ""


def full_text(body: str, settings: Settings) -> str:
    """The body as the recipient reads it: the notice, then the footer."""
    footer = (
        SIGNATURE_SEPARATOR,
        f"{settings.municipality_name} – {_('E-services')}",
        _("This is an automatic message. Please do not reply to it: nobody reads the replies."),
        _("You will find your cases on My pages: %(address)s") % {"address": f"{settings.base_url}/mina-sidor"},
    )
    return body.rstrip() + "\n\n" + "\n".join(footer) + "\n"


def build_message(mail: OutgoingMail, settings: Settings) -> EmailMessage:
    """A complete RFC 5322 message. Headers with å, ä and ö are encoded by the email package (RFC 2047); the body
    is UTF-8 in quoted-printable, readable by any server whether or not it speaks 8BITMIME. Raises ValueError for a
    header that cannot be written safely (a line break in the subject or address, for example)."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = Address(addr_spec=mail.to)
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(clock.now().astimezone(LOCAL_TIMEZONE))
    message["Message-ID"] = make_msgid(domain=_sender_domain(settings))
    # RFC 3834: tells auto-responders (out of office) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(full_text(mail.body, settings), charset="utf-8", cte="quoted-printable")
    return message


def _sender_domain(settings: Settings) -> str:
    """The domain of MAIL_FROM, for Message-ID (never the machine's host name)."""
    address = parseaddr(settings.mail_from)[1]
    return address.rpartition("@")[2] or "localhost"
