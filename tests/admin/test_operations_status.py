"""The operations status page (/admin/drift) and the administrators' daily digest of problems (jobs/admin_digest.py):
a healthy system, then mail given up by a real SMTP server that refuses it, a job run that failed and a job that is
overdue, each shown as a problem without personal data; the digest goes to the administrators only, only when
something is wrong, and at most once a day."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from db.accounts import UserAccount
from db.notices import Notification, queue_notification
from jobs import JOBS, Job
from jobs.outbox import MAX_ATTEMPTS, retry_delay
from jobs.runner import run_job
from tests.browser import free_port
from tests.factories import make_officer, make_user
from tests.login import log_in
from tests.mail.conftest import SmtpServer, quiet_test_server  # noqa: F401 (an autouse fixture)

pytestmark = pytest.mark.usefixtures("db")

BIRGITTA, EVA, ERIK = "195504109884", "197606239866", "198112189876"
ADMIN_ADDRESS, OFFICER_ADDRESS, RESIDENT_ADDRESS = "birgitta@mark.se", "eva@mark.se", "erik.andersson@example.se"


@pytest.fixture
def smtp_server():
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_settings(settings, smtp_server):
    return settings.with_overrides(smtp_host="127.0.0.1", smtp_port=smtp_server.port, smtp_starttls=False)


@pytest.fixture
async def office():
    await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
    await make_officer(EVA)
    await make_user(ERIK)
    for personal_number, address in ((BIRGITTA, ADMIN_ADDRESS), (EVA, OFFICER_ADDRESS), (ERIK, RESIDENT_ADDRESS)):
        await UserAccount.update({UserAccount.email: address}).where(UserAccount.personal_number == personal_number)


async def run_every_job(settings) -> None:
    for job in JOBS.values():
        assert await run_job(job, settings) is not None


async def give_up_a_notice(smtp_server, mail_settings) -> None:
    """The resident's receipt, refused by the mail server at every attempt until the outbox gives it up."""
    smtp_server.handler.refuse = f"554 5.7.1 Refused for <{RESIDENT_ADDRESS}>"
    await queue_notification(
        user_id=None, email=RESIDENT_ADDRESS, kind="case_received", subject="Ärende", body="Text", now=clock.now()
    )
    elapsed = timedelta(0)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with clock.travel(elapsed):
            await run_job(JOBS["outbox"], mail_settings)
        elapsed += retry_delay(attempt) + timedelta(seconds=1)
    smtp_server.handler.refuse = None
    assert await Notification.count().where(Notification.last_error.like("gave up after%")) == 1


async def fail_a_job(settings, name: str = "cosigning") -> None:
    async def broken(_settings):
        raise RuntimeError("the job broke")

    with pytest.raises(RuntimeError):
        await run_job(Job(name, broken, JOBS[name].every), settings)


async def page(client, app) -> str:
    await log_in(client, app, BIRGITTA)
    response = await client.get("/admin/drift")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    return response.text


async def test_a_healthy_system_says_everything_works(client, app, settings, office):
    await run_every_job(settings)
    text = await page(client, app)
    assert "Allt fungerar" in text and "Problem" not in text
    for name in JOBS:
        assert f"<code>{name}</code>" in text
    assert text.count(">OK</td>") == len(JOBS)
    assert "Inget e-postmeddelande har getts upp." in text
    start = await client.get("/admin")
    assert 'href="/admin/drift"' in start.text and "Driftstatus" in start.text


async def test_a_job_that_never_ran_is_a_problem(client, app, office):
    text = await page(client, app)
    assert "Problem:" in text
    for name in JOBS:
        assert f"Jobbet {name} har aldrig kört klart." in text


async def test_problems_are_listed_without_personal_data(client, app, settings, office, smtp_server, mail_settings):
    await run_every_job(settings)
    await give_up_a_notice(smtp_server, mail_settings)
    await run_every_job(settings)  # all fresh again, after the outbox's hours of retrying
    await fail_a_job(settings)
    with clock.travel(timedelta(minutes=20)):  # the outbox runs every minute: it is overdue; the others are not
        for name, job in JOBS.items():
            if name not in ("outbox", "cosigning"):
                await run_job(job, settings)
        text = await page(client, app)
    assert "Problem: 3 saker behöver åtgärdas" in text
    assert "1 e-postmeddelande kunde inte levereras och gavs upp sedan" in text
    assert "Jobbet cosigning misslyckades senast det kördes." in text
    assert "Jobbet outbox är försenat: det körde senast klart" in text
    assert "Allt fungerar" not in text
    assert "<code>case_received</code>" in text
    assert f"gave up after {MAX_ATTEMPTS} attempts: SMTPDataError 554 5.7.1" in text
    assert ">Misslyckades</td>" in text and ">Försenat</td>" in text
    for personal in (RESIDENT_ADDRESS, "erik.andersson", ERIK, "Erik"):
        assert personal not in text


async def test_a_waiting_queue_that_does_not_move_is_a_problem(client, app, settings, office):
    await run_every_job(settings)  # without SMTP_HOST the outbox sends nothing: the notice stays queued
    await queue_notification(
        user_id=None, email=RESIDENT_ADDRESS, kind="case_received", subject="Ärende", body="Text", now=clock.now()
    )
    assert "Allt fungerar" in await page(client, app)
    with clock.travel(timedelta(minutes=61)):
        for job in JOBS.values():
            await run_job(job, settings)
        text = await page(client, app)
    assert "Det äldsta e-postmeddelandet i kön har väntat på att skickas sedan" in text
    assert "(1 timme)" in text


async def digests() -> list[dict]:
    return await Notification.select(Notification.email, Notification.subject, Notification.body).where(
        Notification.kind == "admin_digest"
    )


async def test_no_digest_when_all_is_well(settings, office):
    await run_every_job(settings)
    with clock.travel(timedelta(minutes=1)):
        assert await run_job(JOBS["admin_digest"], settings) == {"problems": 0, "digests_sent": 0}
    assert await digests() == []


async def test_the_digest_goes_to_the_administrators_once_a_day(settings, office, smtp_server, mail_settings):
    await run_every_job(settings)
    await give_up_a_notice(smtp_server, mail_settings)
    digest = JOBS["admin_digest"]
    with clock.travel(timedelta(days=1, minutes=1)):  # the digest is due again a day after its run above
        for name, job in JOBS.items():
            if name not in ("cosigning", "admin_digest"):
                await run_job(job, settings)
        await fail_a_job(settings)
        assert await run_job(digest, settings, due_only=True) == {"problems": 2, "digests_sent": 1}
        assert await run_job(digest, settings, due_only=True) is None, "not twice in a day"
        [mail] = await digests()
        assert mail["email"] == ADMIN_ADDRESS  # not the officer, not the resident
        assert mail["subject"] == "Driftproblem i e-tjänsterna"
        assert "1 e-postmeddelande kunde inte levereras och gavs upp sedan" in mail["body"]
        assert "Jobbet cosigning misslyckades senast det kördes." in mail["body"]
        assert "http://127.0.0.1:8000/admin/drift" in mail["body"]
        for personal in (RESIDENT_ADDRESS, "erik.andersson", ERIK):
            assert personal not in mail["body"]
        await run_job(JOBS["outbox"], mail_settings)
        [(_, [to], _)] = smtp_server.handler.received
        assert to == ADMIN_ADDRESS

    with clock.travel(timedelta(days=2, minutes=2)):  # a day later the job still fails; the old mail is not news
        for name, job in JOBS.items():
            if name not in ("cosigning", "admin_digest"):
                await run_job(job, settings)
        await fail_a_job(settings)
        assert await run_job(digest, settings, due_only=True) == {"problems": 1, "digests_sent": 1}
        second = (await digests())[1]
        assert "Jobbet cosigning misslyckades" in second["body"] and "e-postmeddelande" not in second["body"]
