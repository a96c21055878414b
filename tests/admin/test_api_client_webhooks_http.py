"""A client's webhook in /admin (/admin/api-klienter/{id}; who may reach it: test_access_matrix.py): bad addresses in
Swedish beside the field and in the error summary, the secret shown once (no cache), the delivery log with each
attempt, removing, audit entries with the administrator as actor, and nothing to set for a revoked client."""

from __future__ import annotations

import html
import json
import re
from datetime import date, timedelta

import pytest
from standardwebhooks import Webhook

from db import messages as conversations
from db.audit import AuditEntry
from db.catalogue import EService
from jobs import JOBS
from jobs.runner import run_job
from services import api
from tests.api.test_webhooks import Receiver
from tests.browser import free_port
from tests.factories import make_case, make_officer, make_service_with_form, make_user
from tests.login import csrf_from, log_in

ADMIN = "195504109884"


@pytest.fixture
async def admin_client(client, app, db):
    await make_service_with_form(slug="bygglov", title="Ansökan om bygglov")
    await make_officer(ADMIN, "Kommunledningskontoret", role="admin")
    await log_in(client, app, ADMIN)
    client_id, _token = await api.new_client("ByggR", ["bygglov"], ["read"], date.today() + timedelta(days=30))
    client.client_id = client_id
    return client


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


async def post_url(client, url: str):
    page = await client.get(f"/admin/api-klienter/{client.client_id}")
    return await client.post(
        f"/admin/api-klienter/{client.client_id}/webhook", data={"_csrf_token": csrf_from(page.text), "url": url}
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("", "Ange adressen som händelserna ska skickas till."),
        ("http://byggr.example.se/hooks", "Adressen måste börja med https://"),
        ("https://anna:hemligt@byggr.example.se/", "utan användarnamn eller lösenord"),
        ("https://byggr.example.se:99999/", "Adressen är inte giltig."),
    ],
)
async def test_a_bad_address_is_explained_in_swedish(admin_client, url, message):
    response = await post_url(admin_client, url)
    assert response.status_code == 400
    assert response.text.count(message) == 2  # in the error summary and beside the field
    assert '<a href="#url">' in response.text and 'aria-invalid="true"' in response.text
    assert "<title>Fel:" in response.text
    if url:
        assert f'value="{html.escape(url)}"' in response.text  # what was typed stays
    assert "Klienten har ingen webhook." in response.text


async def test_the_secret_is_shown_once_and_the_log_shows_each_delivery(admin_client, settings):
    receiver = Receiver(free_port()).start()
    try:
        saved = await post_url(admin_client, receiver.url())
        assert saved.status_code == 200 and saved.headers["cache-control"] == "no-store"
        secret = html.unescape(re.search(r'<code id="secret">([^<]+)</code>', saved.text).group(1))
        assert secret.startswith("whsec_") and "Kopiera hemligheten nu" in saved.text
        page = await admin_client.get(f"/admin/api-klienter/{admin_client.client_id}")
        assert secret not in page.text and receiver.url() in page.text
        assert "Spara och skapa en ny hemlighet" in page.text and "Inga leveranser än." in page.text

        bygglov = await EService.objects().where(EService.slug == "bygglov").first()
        service_case = await make_case(bygglov, (await make_user()).id)
        await conversations.add_message(
            service_case.id, service_case.applicant, from_officer=False, body="Hej", now=service_case.received_at
        )
        assert (await run_job(JOBS["webhooks"], settings))["delivered"] == 1
    finally:
        receiver.stop()
    assert Webhook(secret).verify(receiver.received[0]["body"], receiver.received[0]["headers"])
    shown = text(await admin_client.get(f"/admin/api-klienter/{admin_client.client_id}"))
    assert "message.received" in shown and service_case.reference in shown
    assert "Levererad" in shown and "svar 204" in shown and "Den senaste leveransen" in shown

    actions = await AuditEntry.select(AuditEntry.action, AuditEntry.actor, AuditEntry.details).where(
        AuditEntry.action.like("api_client.webhook%")
    )
    admin_id = (await make_user(ADMIN)).id
    assert [(row["action"], row["actor"]) for row in actions] == [("api_client.webhook_set", admin_id)]
    assert secret not in json.dumps([row["details"] for row in actions])


async def test_removing_the_webhook(admin_client):
    await post_url(admin_client, "https://byggr.example.se/hooks")
    page = await admin_client.get(f"/admin/api-klienter/{admin_client.client_id}")
    removed = await admin_client.post(
        f"/admin/api-klienter/{admin_client.client_id}/webhook/ta-bort", data={"_csrf_token": csrf_from(page.text)}
    )
    assert removed.status_code == 303 and removed.headers["location"] == f"/admin/api-klienter/{admin_client.client_id}"
    after = text(await admin_client.get(removed.headers["location"]))
    assert "Webhooken för ByggR har tagits bort" in after and "Klienten har ingen webhook." in after
    assert "Ta bort webhooken" not in after
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action)]
    assert actions.count("api_client.webhook_removed") == 1


async def test_a_revoked_client_has_no_webhook_form(admin_client):
    await api.revoke_client("ByggR")
    page = await admin_client.get(f"/admin/api-klienter/{admin_client.client_id}")
    assert 'action="/admin/api-klienter/' not in page.text.split('id="webhook"')[1]
    refused = await post_url(admin_client, "https://byggr.example.se/hooks")
    assert refused.status_code == 400 and "Klienten är återkallad: den får inga webhooks." in refused.text
