"""Delivery over SMTP with aiosmtplib: STARTTLS when configured (implicit TLS on port 465), login when a username
is set, bounded waits. Failures become `MailError` with a reason that is safe to store and log."""

from __future__ import annotations

import asyncio
import logging
import re

import aiosmtplib

from core.settings import SMTP_IMPLICIT_TLS_PORT, Settings
from integrations.mail.message import OutgoingMail, build_message

log = logging.getLogger("eplatform.mail")

# Seconds to wait for the server at each step (connect, every command, the data).
SMTP_TIMEOUT_SECONDS = 30.0
REASON_MAX_LENGTH = 200
# An enhanced status code (RFC 3463) such as 5.1.1 at the start of a server reply; the rest of the reply may quote
# the address and is never kept.
_ENHANCED_STATUS = re.compile(r"\s*([245]\.\d{1,3}\.\d{1,3})\b")


class MailError(Exception):
    """Sending failed. `reason` is short and holds no personal data (no address, no server text that might quote
    one): it is stored in the outbox and may be logged. `server_failure` is True when the failure has nothing to do
    with this message (the server cannot be reached, times out, refuses TLS, the login or the sender), so the next
    message would fail the same way. `permanent` is True when trying again cannot help (the message cannot even be
    written: an address the email package refuses, a line break in the subject)."""

    def __init__(self, reason: str, *, server_failure: bool = False, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.server_failure = server_failure
        self.permanent = permanent


async def send(message: OutgoingMail, settings: Settings) -> None:
    """Deliver one message to `settings.smtp_host`. Returns when the server has accepted it; raises MailError."""
    if not settings.smtp_host:
        raise MailError("no mail server configured (SMTP_HOST)", server_failure=True)
    try:
        email = build_message(message, settings)
    except Exception as error:  # ValueError, IndexError, HeaderParseError …: all say the data cannot be written
        raise MailError(f"invalid message ({type(error).__name__})", permanent=True) from None
    implicit_tls = settings.smtp_port == SMTP_IMPLICIT_TLS_PORT
    try:
        await aiosmtplib.send(
            email,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password if settings.smtp_username else None,
            use_tls=implicit_tls,
            start_tls=settings.smtp_starttls and not implicit_tls,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
    except Exception as error:
        # `from None`: the original exception's text may quote the recipient's address, and a traceback logged
        # further up must not carry it.
        raise _mail_error(error) from None
    log.info("mail_sent", extra={"notification": message.notification_id, "kind": message.kind})


_SERVER_REFUSALS = (
    aiosmtplib.SMTPConnectResponseError,
    aiosmtplib.SMTPHeloError,
    aiosmtplib.SMTPAuthenticationError,
    aiosmtplib.SMTPSenderRefused,
)


def _mail_error(error: Exception) -> MailError:
    name = type(error).__name__
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = sorted({_reply_code(refused.code, refused.message) for refused in error.recipients})
        return MailError(f"{name} {', '.join(codes)}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        reason = f"{name} {_reply_code(error.code, error.message)}"
        return MailError(reason, server_failure=isinstance(error, _SERVER_REFUSALS))
    if isinstance(error, (aiosmtplib.SMTPTimeoutError, asyncio.TimeoutError)):
        return MailError(f"{name}: no answer within {SMTP_TIMEOUT_SECONDS:g} s", server_failure=True)
    if isinstance(error, (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError)):
        return MailError(f"{name}: could not talk to the mail server", server_failure=True)
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        # This message needs an extension the server lacks (SMTPUTF8 for a non-ASCII address).
        return MailError(f"{name}: {error.message}"[:REASON_MAX_LENGTH])
    if isinstance(error, aiosmtplib.SMTPException):
        # aiosmtplib's own words, never the server's: STARTTLS or AUTH required by the settings but not offered.
        return MailError(f"{name}: {error.message}"[:REASON_MAX_LENGTH], server_failure=True)
    return MailError(f"unexpected {name}")


def _reply_code(code: int, text: str) -> str:
    enhanced = _ENHANCED_STATUS.match(text or "")
    return f"{code} {enhanced.group(1)}" if enhanced else str(code)
