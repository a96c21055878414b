"""integrations.mail.send on its own: login, the settings it obeys, and failures as MailError without personal data."""

from __future__ import annotations

import pytest

from integrations.mail import MailError, OutgoingMail, send

# aiosmtpd warns about AUTH without TLS; the test server listens on 127.0.0.1 only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")

MAIL = OutgoingMail(to="sara.ali@example.se", subject="Påminnelse", body="Hej!", notification_id=7, kind="reminder")


async def test_it_logs_in_when_a_username_is_set(smtp_server_with_login, settings):
    configured = settings.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server_with_login.port,
        smtp_starttls=False,
        smtp_username="eplatform",
        smtp_password="hemligt",
    )
    await send(MAIL, configured)
    assert smtp_server_with_login.logins.seen == [("eplatform", "hemligt")]
    assert smtp_server_with_login.handler.messages[0]["Subject"] == "Påminnelse"


async def test_a_wrong_password_fails_for_every_message(smtp_server_with_login, settings):
    configured = settings.with_overrides(
        smtp_host="127.0.0.1",
        smtp_port=smtp_server_with_login.port,
        smtp_starttls=False,
        smtp_username="eplatform",
        smtp_password="fel",
    )
    with pytest.raises(MailError) as failure:
        await send(MAIL, configured)
    assert failure.value.server_failure and failure.value.reason.startswith("SMTPAuthenticationError 535")


async def test_starttls_when_required_is_never_skipped(smtp_server, settings):
    configured = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=True)
    with pytest.raises(MailError) as failure:
        await send(MAIL, configured)
    assert failure.value.server_failure
    assert smtp_server.handler.received == [], "nothing goes out in the clear"


async def test_a_line_break_in_a_header_is_refused_before_anything_is_sent(smtp_server, mail_settings):
    with pytest.raises(MailError, match="invalid message") as failure:
        await send(OutgoingMail(to="a@example.se", subject="Hej\nBcc: b@example.se", body="x"), mail_settings)
    assert failure.value.permanent and not failure.value.server_failure
    assert smtp_server.handler.received == []


async def test_without_a_mail_server_sending_fails_clearly(settings):
    with pytest.raises(MailError, match="SMTP_HOST"):
        await send(MAIL, settings)
