"""/_dev/mail shows the outbox in dev mode, where mail without SMTP_HOST stays; production has no such address."""

from __future__ import annotations

import httpx
import pytest

from core import clock
from db.notices import Notification, queue_notification
from tests.factories import PRODUCTION

pytestmark = pytest.mark.usefixtures("db")


async def queue(email: str, subject: str, body: str, kind: str = "case_received") -> int:
    await queue_notification(user_id=None, email=email, kind=kind, subject=subject, body=body, now=clock.now())
    return (await Notification.select(Notification.id).order_by(Notification.id, ascending=False).first())["id"]


async def test_the_viewer_lists_the_outbox_newest_first(client):
    await queue("erik.andersson@example.se", "Ditt ärende 2026-000001 har tagits emot", "Första.")
    await queue("sara.ali@example.se", "Du har blivit ombedd att signera", "Andra.", kind="cosign_requested")

    page = await client.get("/_dev/mail")
    assert page.status_code == 200
    text = page.text
    assert text.index("Du har blivit ombedd att signera") < text.index("Ditt ärende 2026-000001 har tagits emot")
    assert "sara.ali@example.se" in text and "erik.andersson@example.se" in text
    assert "cosign_requested" in text and "case_received" in text
    assert "SMTP_HOST" in text, "says why nothing is sent"


async def test_the_viewer_shows_a_message_as_it_would_be_sent(client, settings):
    notice = await queue("erik.andersson@example.se", "Ditt ärende 2026-000002 har tagits emot", "Vi har tagit emot.")

    page = await client.get(f"/_dev/mail/{notice}")
    assert page.status_code == 200
    assert "Ditt ärende 2026-000002 har tagits emot" in page.text
    assert "erik.andersson@example.se" in page.text
    assert "Marks kommun e-tjänster &lt;noreply@mark.se&gt;" in page.text
    assert "Vi har tagit emot.\n\n-- \nMarks kommun" in page.text
    assert f"{settings.base_url}/mina-sidor" in page.text


async def test_the_viewer_answers_404_for_a_message_that_does_not_exist(client):
    assert (await client.get("/_dev/mail/999999")).status_code == 404


async def test_the_empty_outbox_says_so(client):
    page = await client.get("/_dev/mail")
    assert page.status_code == 200 and "<table" not in page.text


@pytest.mark.parametrize("path", ["/_dev/mail", "/_dev/mail/1"])
async def test_the_viewer_does_not_exist_in_production(settings, path):
    from app import create_app

    production = create_app(settings.with_overrides(**PRODUCTION))
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get(path)
    assert response.status_code == 404
