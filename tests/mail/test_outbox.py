"""The outbox job delivers queued notices over real SMTP, retries with backoff, respects turned-off notices and
sends nothing without a mail server."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.utils import parseaddr, parsedate_to_datetime

import pytest

from core import clock
from db.accounts import UserAccount
from db.notices import Notification, queue_notification
from jobs import JOBS
from jobs.outbox import MAX_ATTEMPTS, retry_delay
from jobs.runner import run_job

pytestmark = pytest.mark.usefixtures("db")

ADDRESS = "erik.andersson@example.se"
SUBJECT = "Ditt ärende 2026-000123 har tagits emot – åäö ÅÄÖ"
BODY = "Vi har tagit emot din ansökan. Ärendenummer: 2026-000123.\n\nLogga in på Mina sidor för att följa ärendet."
NOTHING = {"sent": 0, "failed": 0, "retried": 0, "skipped": 0}


async def queue(email: str = ADDRESS, kind: str = "case_received", subject: str = SUBJECT, user_id=None) -> int:
    await queue_notification(user_id=user_id, email=email, kind=kind, subject=subject, body=BODY, now=clock.now())
    return (await Notification.select(Notification.id).order_by(Notification.id, ascending=False).first())["id"]


async def notification(notification_id: int) -> dict:
    return await Notification.select().where(Notification.id == notification_id).first()


async def outbox(settings) -> dict[str, int]:
    return await run_job(JOBS["outbox"], settings)


async def test_a_queued_notice_arrives_with_swedish_letters_intact(smtp_server, mail_settings):
    notice = await queue()
    assert await outbox(mail_settings) == {**NOTHING, "sent": 1}

    [(envelope_from, envelope_to, raw)] = smtp_server.handler.received
    assert envelope_from == "noreply@mark.se" and envelope_to == [ADDRESS]
    assert raw.isascii(), "headers are RFC 2047 encoded and the body quoted-printable: 7-bit clean on the wire"
    [message] = smtp_server.handler.messages
    assert message["Subject"] == SUBJECT
    assert parseaddr(message["From"]) == ("Marks kommun e-tjänster", "noreply@mark.se")
    assert message["To"] == ADDRESS
    assert message["Message-ID"].endswith("@mark.se>")
    assert abs(parsedate_to_datetime(message["Date"]) - clock.now()) < timedelta(minutes=1)
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    text = message.get_content().replace("\r\n", "\n")
    assert text.startswith(BODY + "\n\n-- \nMarks kommun")
    assert "http://127.0.0.1:8000/mina-sidor" in text

    row = await notification(notice)
    assert row["sent_at"] is not None and row["attempts"] == 1 and row["last_error"] == ""
    assert await outbox(mail_settings) == NOTHING
    assert len(smtp_server.handler.received) == 1


async def test_oldest_notices_go_first_in_bounded_batches(smtp_server, mail_settings, monkeypatch):
    from jobs import outbox as outbox_job

    monkeypatch.setattr(outbox_job, "BATCH_SIZE", 2)
    for number in range(3):
        await queue(email=f"person{number}@example.se")
    assert await outbox(mail_settings) == {**NOTHING, "sent": 2}
    with clock.travel(timedelta(minutes=1)):
        assert await outbox(mail_settings) == {**NOTHING, "sent": 1}
    assert [to for _, [to], _ in smtp_server.handler.received] == [f"person{n}@example.se" for n in range(3)]


async def test_a_refused_notice_is_retried_with_growing_backoff_until_the_server_takes_it(smtp_server, mail_settings):
    smtp_server.handler.refuse = "550 5.7.1 Message refused for <erik.andersson@example.se>"
    notice = await queue()
    elapsed = timedelta(0)
    for attempt in (1, 2, 3, 4):
        with clock.travel(elapsed):
            assert await outbox(mail_settings) == {**NOTHING, "retried": 1}
            failed_at = clock.now()
            row = await notification(notice)
            assert row["attempts"] == attempt and row["sent_at"] is None
            wait = row["next_attempt_at"] - failed_at
            assert (
                timedelta(minutes=2 ** (attempt - 1)) - timedelta(seconds=5)
                <= wait
                <= timedelta(minutes=2 ** (attempt - 1))
            )
            assert row["last_error"] == "SMTPDataError 550 5.7.1"
            assert await outbox(mail_settings) == NOTHING, "not due again before its backoff"
        elapsed += retry_delay(attempt) + timedelta(seconds=1)

    smtp_server.handler.refuse = None
    with clock.travel(elapsed):
        assert await outbox(mail_settings) == {**NOTHING, "sent": 1}
    row = await notification(notice)
    assert row["sent_at"] is not None and row["attempts"] == 5 and row["last_error"] == ""
    assert smtp_server.handler.messages[0]["Subject"] == SUBJECT


async def test_a_server_that_is_down_gets_the_notice_when_it_is_back(stopped_smtp_server, settings):
    down = settings.with_overrides(smtp_host="127.0.0.1", smtp_port=stopped_smtp_server.port, smtp_starttls=False)
    first, second = await queue(), await queue(email="maria.andersson@example.se")

    assert await outbox(down) == {**NOTHING, "retried": 1}, "the batch stops: the next one would fail alike"
    row = await notification(first)
    assert row["attempts"] == 1 and "could not talk to the mail server" in row["last_error"]
    assert (await notification(second))["attempts"] == 0

    stopped_smtp_server.start()
    assert await outbox(down) == {**NOTHING, "sent": 1}, "the first waits for its backoff; the second goes"
    with clock.travel(retry_delay(1) + timedelta(seconds=1)):
        assert await outbox(down) == {**NOTHING, "sent": 1}
    assert sorted(to for _, [to], _ in stopped_smtp_server.handler.received) == [ADDRESS, "maria.andersson@example.se"]


async def test_the_outbox_gives_up_after_the_last_attempt(smtp_server, mail_settings, client):
    smtp_server.handler.refuse = "554 Transaction failed"
    notice = await queue()
    elapsed = timedelta(0)
    for attempt in range(1, MAX_ATTEMPTS):
        with clock.travel(elapsed):
            assert await outbox(mail_settings) == {**NOTHING, "retried": 1}
        elapsed += retry_delay(attempt) + timedelta(seconds=1)
    assert retry_delay(MAX_ATTEMPTS - 1) <= timedelta(hours=6)
    with clock.travel(elapsed):
        assert await outbox(mail_settings) == {**NOTHING, "failed": 1}
    with clock.travel(elapsed + timedelta(days=1)):
        assert await outbox(mail_settings) == NOTHING
    row = await notification(notice)
    assert row["sent_at"] is not None and row["attempts"] == MAX_ATTEMPTS
    assert row["last_error"] == f"gave up after {MAX_ATTEMPTS} attempts: SMTPDataError 554"
    assert smtp_server.handler.received == []
    page = await client.get("/_dev/mail")
    assert f"gave up after {MAX_ATTEMPTS} attempts: SMTPDataError 554" in page.text


async def test_a_notice_that_cannot_be_written_is_given_up_at_once(smtp_server, mail_settings):
    broken = await queue(email="inte en adress")
    fine = await queue()
    assert await outbox(mail_settings) == {**NOTHING, "sent": 1, "failed": 1}
    row = await notification(broken)
    assert row["sent_at"] is not None and row["attempts"] == 1
    assert row["last_error"].startswith("gave up after 1 attempt: invalid message (")
    assert (await notification(fine))["last_error"] == ""
    assert [to for _, [to], _ in smtp_server.handler.received] == [ADDRESS]


def test_backoff_doubles_from_one_minute_up_to_six_hours():
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert retry_delay(9) == timedelta(minutes=256)
    assert retry_delay(10) == retry_delay(30) == timedelta(hours=6)


async def test_a_user_who_turned_a_kind_off_gets_nothing_of_that_kind(smtp_server, mail_settings):
    erik = UserAccount(
        personal_number="198112189876",
        given_name="Erik",
        surname="Andersson",
        email=ADDRESS,
        created_at=clock.now(),
        notices_off=["case_received"],
    )
    await erik.save()
    turned_off = await queue(user_id=erik.id, kind="case_received")
    wanted = await queue(user_id=erik.id, kind="cosign_requested", subject="Du har blivit ombedd att signera")

    assert await outbox(mail_settings) == {**NOTHING, "sent": 1, "skipped": 1}
    assert [message["Subject"] for message in smtp_server.handler.messages] == ["Du har blivit ombedd att signera"]
    skipped = await notification(turned_off)
    assert skipped["sent_at"] is not None and skipped["last_error"] == "turned off" and skipped["attempts"] == 0
    assert (await notification(wanted))["last_error"] == ""


async def test_without_a_mail_server_nothing_is_sent_and_the_outbox_is_left_alone(settings):
    assert settings.smtp_host == ""
    notice = await queue()
    assert await outbox(settings) == NOTHING
    row = await notification(notice)
    assert row["sent_at"] is None and row["attempts"] == 0 and row["last_error"] == ""


async def test_the_outbox_runs_every_minute():
    assert JOBS["outbox"].every == timedelta(minutes=1)


async def test_log_lines_name_the_notice_but_never_the_address_or_text(smtp_server, mail_settings, caplog):
    caplog.set_level(logging.INFO)
    sent = await queue()
    await outbox(mail_settings)
    smtp_server.handler.refuse = "550 5.1.1 <erik.andersson@example.se>: Recipient address rejected"
    refused = await queue()
    await outbox(mail_settings)

    ours = [record for record in caplog.records if record.name.startswith("eplatform")]
    events = {(record.getMessage(), getattr(record, "notification", None)) for record in ours}
    assert ("mail_sent", sent) in events and ("mail_failed", refused) in events
    for record in ours:
        logged = repr(vars(record))
        assert "erik.andersson" not in logged and "2026-000123" not in logged and "ansökan" not in logged
    assert "erik.andersson" not in (await notification(refused))["last_error"]
