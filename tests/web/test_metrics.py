"""/metrics: Prometheus's text for those allowed (a token, or an address), nothing for anyone else; requests counted
per route template, the outbox, the webhook deliveries, the jobs."""

from __future__ import annotations

import re
import secrets

import httpx

from core import clock
from db.notices import Notification, queue_notification
from jobs import JOBS
from jobs.runner import run_job
from tests.factories import app_with

TOKEN = secrets.token_urlsafe(32)


def client_for(application, address: str = "127.0.0.1", **headers) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=application, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


def value(text: str, metric: str, *, missing: float | None = None, **labels) -> float:
    """The sample of `metric` whose labels include `labels` (`missing` when there is none, if given)."""
    for line in text.splitlines():
        match = re.fullmatch(rf"{metric}\{{(.*)\}} (\S+)", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            return float(match.group(2))
    assert missing is not None, f"no {metric} with {labels}"
    return missing


async def test_nobody_reads_metrics_unless_allowed(client, app, settings):
    assert (await client.get("/metrics")).status_code == 404  # neither a token nor addresses set
    guarded = app_with(app, settings, metrics_token=TOKEN, metrics_addresses=("10.20.0.0/16",))
    async with client_for(guarded, Authorization="Bearer wrong") as stranger:
        assert (await stranger.get("/metrics")).status_code == 404
    async with client_for(guarded, "10.21.0.5") as outside:
        assert (await outside.get("/metrics")).status_code == 404
    async with client_for(guarded, Authorization=f"Bearer {TOKEN}") as prometheus:
        answer = await prometheus.get("/metrics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain")
    async with client_for(guarded, "10.20.3.4") as monitoring_host:
        assert (await monitoring_host.get("/metrics")).status_code == 200


async def test_requests_are_counted_by_route_template_and_status(db, app, settings):
    guarded = app_with(app, settings, metrics_token=TOKEN)
    async with client_for(guarded, Authorization=f"Bearer {TOKEN}") as browser:
        before = (await browser.get("/metrics")).text
        for slug in ("finns-inte-1", "finns-inte-2"):
            assert (await browser.get(f"/e-tjanster/{slug}")).status_code == 404
        after = (await browser.get("/metrics")).text
    labels = {"path": "/e-tjanster/{slug}", "status_code": "404", "method": "GET"}
    counted = value(after, "eplatform_requests_total", **labels)
    assert counted - value(before, "eplatform_requests_total", missing=0, **labels) == 2
    assert "finns-inte-1" not in after  # one series per route, not per address
    assert value(after, "eplatform_request_duration_seconds_count", path="/e-tjanster/{slug}") >= 2


async def test_the_outbox_and_the_jobs_are_in_the_metrics(db, app, settings):
    now = clock.now()
    for _ in range(3):
        await queue_notification(
            user_id=None, email="a@exempel.se", kind="case_received", subject="s", body="b", now=now
        )
    await Notification.update({Notification.attempts: 2}).where(
        Notification.id == (await Notification.select(Notification.id).first())["id"]
    )
    await run_job(JOBS["session_cleanup"], settings)
    guarded = app_with(app, settings, metrics_token=TOKEN)
    async with client_for(guarded, Authorization=f"Bearer {TOKEN}") as prometheus:
        text = (await prometheus.get("/metrics")).text
    assert value(text, "eplatform_outbox_messages", state="queued") == 2
    assert value(text, "eplatform_outbox_messages", state="retrying") == 1
    assert value(text, "eplatform_outbox_messages", state="failed") == 0
    assert value(text, "eplatform_job_last_run_failed", job="session_cleanup") == 0
    finished = value(text, "eplatform_job_last_finished_timestamp_seconds", job="session_cleanup")
    assert abs(finished - clock.now().timestamp()) < 60
    if not settings.uses_sqlite:  # the pool this process's requests use
        assert value(text, "eplatform_db_pool_connections", state="open") >= 1


async def test_webhook_deliveries_are_in_the_metrics(db, app, settings):
    from db.messages import add_message
    from db.webhooks import WebhookDelivery
    from services import webhooks
    from tests.api.conftest import token
    from tests.factories import make_case, make_service_with_form, make_user

    service = await make_service_with_form(slug="bygglov")
    case = await make_case(service, (await make_user()).id)
    await token("ByggR", ["bygglov"], ["read"])
    await webhooks.set_webhook("ByggR", "https://byggr.example.se/hooks")
    for body in ("Ett", "Två", "Tre"):
        await add_message(case.id, case.applicant, from_officer=False, body=body, now=clock.now())
    first, second, _third = [row["id"] for row in await WebhookDelivery.select(WebhookDelivery.id)]
    await WebhookDelivery.update({WebhookDelivery.attempts: 2}).where(WebhookDelivery.id == first)
    await WebhookDelivery.update({WebhookDelivery.next_attempt_at: None, WebhookDelivery.failed_at: clock.now()}).where(
        WebhookDelivery.id == second
    )
    guarded = app_with(app, settings, metrics_token=TOKEN)
    async with client_for(guarded, Authorization=f"Bearer {TOKEN}") as prometheus:
        text = (await prometheus.get("/metrics")).text
    counts = {
        state: value(text, "eplatform_webhook_deliveries", state=state) for state in ("queued", "retrying", "failed")
    }
    assert counts == {"queued": 1, "retrying": 1, "failed": 1}
