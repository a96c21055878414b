"""Events and webhooks: each event type comes from its real surface (submission, a resident's message, a supplement
answer, the retention job), in the transaction of its change; webhooks reach a real HTTP receiver on this machine,
signed as Standard Webhooks says (checked with the `standardwebhooks` package, an independent verifier); a receiver
that is down gets retries with backoff and everything once it is back; after MAX_ATTEMPTS a delivery is failed;
/api/v1/events gives every event after a cursor, nothing of other e-services."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from cli.api_clients import run as api_cli
from core import clock
from db import cases
from db import messages as conversations
from db.cases import CaseRecord
from db.engine import write_transaction
from db.webhooks import EVENT_TYPES, WebhookDelivery, events_after, record_event
from jobs import JOBS
from jobs import webhooks as webhook_job
from jobs.outbox import retry_delay
from jobs.runner import run_job
from services import api, webhooks
from tests.api.conftest import bearer, token
from tests.api.test_api_http import assert_problem, audit_actions
from tests.applications.helpers import post_step, start
from tests.browser import free_port
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK, SARA = "198112189876", "199505199902"
DAY = timedelta(days=1)


class Receiver:
    """A webhook receiver: an HTTP server on a loopback port that keeps what it was sent and answers `status`."""

    def __init__(self, port: int) -> None:
        self.port, self.status, self.received = port, 204, []
        self._server: ThreadingHTTPServer | None = None

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["content-length"]))
                receiver.received.append({"path": self.path, "headers": dict(self.headers), "body": body.decode()})
                self.send_response(receiver.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def to(self, path: str) -> list[dict]:
        return [request for request in self.received if request["path"] == path]


@pytest.fixture
def receiver():
    receiver = Receiver(free_port()).start()
    yield receiver
    receiver.stop()


def verified(secret: str, request: dict) -> dict:
    """The payload, if the standardwebhooks package accepts the request's signature (it raises otherwise)."""
    return Webhook(secret).verify(request["body"], request["headers"])


async def deliver(settings) -> dict:
    return await run_job(JOBS["webhooks"], settings)


async def case_of(reference: str) -> CaseRecord:
    return await CaseRecord.objects().where(CaseRecord.reference == reference).first()


async def feed(client, api_token: str, after: str | None = None, limit: int = 100) -> dict:
    params = {"limit": limit, **({"after": after} if after else {})}
    response = await client.get("/api/v1/events", params=params, headers=bearer(api_token))
    assert response.status_code == 200, response.text
    return response.json()


async def submit_application(client, slug: str) -> str:
    """Fill in and submit the test form (tests.factories.TEST_FORM) as the logged-in resident; the reference."""
    draft_id = await start(client, slug)
    for step, data in (("om_dig", {"namn": "Erik", "typ": "a"}), ("bilagor", {}), ("parter", {})):
        assert (await post_step(client, draft_id, step, data)).status_code == 303
    check = await client.get(f"/ansokan/{draft_id}/granska")
    submitted = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert submitted.status_code == 303, submitted.text
    return (await CaseRecord.objects().order_by(CaseRecord.id, ascending=False).first()).reference


async def write_as_resident(client, reference: str, text: str) -> None:
    page = await client.get(f"/mina-sidor/arenden/{reference}")
    sent = await client.post(
        f"/mina-sidor/arenden/{reference}/meddelanden", data={"_csrf_token": csrf_from(page.text), "text": text}
    )
    assert sent.status_code == 303, sent.text


async def test_each_event_comes_from_its_surface_and_is_delivered_signed(client, app, world, settings, receiver):
    byggr = await webhooks.set_webhook("ByggR", receiver.url("/byggr"), allow_local_http=True)
    procapita = await webhooks.set_webhook("Procapita", receiver.url("/procapita"), allow_local_http=True)
    assert byggr.startswith("whsec_") and byggr != procapita
    erik_case = world.references["erik"]

    await log_in(client, app, ERIK)
    submitted = await submit_application(client, "bygglov")
    await write_as_resident(client, erik_case, "Här är ritningen.")
    request_id = await conversations.request_supplement(
        (await case_of(erik_case)).id, None, message="Ange namn", fields=["namn"], due_date=date.today(),
        now=clock.now(),
    )  # fmt: skip
    url = f"/mina-sidor/arenden/{erik_case}/komplettering/{request_id}"
    form = await client.get(url)
    answered = await client.post(url, data={"_csrf_token": csrf_from(form.text), "namn": "Erik J", "text": "Klart"})
    assert answered.status_code == 303, answered.text
    # What officers and the API do is no event: the case management system knows it already.
    officer = await client.post(
        f"/api/v1/cases/{erik_case}/messages", json={"body": "Tack"}, headers=bearer(world.tokens["bygglov"])
    )
    assert officer.status_code == 201
    # Closed long ago: the retention job deletes them (one of each client's e-services).
    long_ago = clock.now() - timedelta(days=settings.default_retention_days_closed + 1)
    for name in ("sara", "school"):
        assert await cases.decide((await case_of(world.references[name])).id, None, "Beviljas", long_ago)
    assert (await run_job(JOBS["retention"], settings))["cases_deleted"] == 2
    assert receiver.received == []  # requests only write; the job delivers

    assert await deliver(settings) == {"delivered": 5, "retried": 0, "failed": 0, "deferred": 0}
    to_byggr = [verified(byggr, request) for request in receiver.to("/byggr")]
    assert [(event["type"], event["data"]["reference"]) for event in to_byggr] == [
        ("case.submitted", submitted),
        ("message.received", erik_case),
        ("case.supplemented", erik_case),
        ("case.deleted", world.references["sara"]),
    ]
    assert {event["data"]["e_service"] for event in to_byggr} == {"bygglov"}
    assert to_byggr[2]["data"]["supplement_id"] == request_id and to_byggr[3]["data"]["reason"] == "retention"
    to_procapita = [verified(procapita, request) for request in receiver.to("/procapita")]
    assert [(event["type"], event["data"]["reference"]) for event in to_procapita] == [
        ("case.deleted", world.references["school"])
    ]
    # The signature is the client's own: another client's secret does not verify it.
    with pytest.raises(WebhookVerificationError):
        verified(procapita, receiver.to("/byggr")[0])
    for request in receiver.received:
        assert request["headers"]["webhook-id"] == json.loads(request["body"])["id"]
        assert "Erik" not in request["body"] and ERIK not in request["body"] and "Klart" not in request["body"]
    # The feed has the same events, with the same ids and bodies; nothing of another e-service.
    assert (await feed(client, world.tokens["reader"]))["items"] == to_byggr
    assert (await feed(client, world.tokens["school"]))["items"] == to_procapita

    assert await deliver(settings) == {"delivered": 0, "retried": 0, "failed": 0, "deferred": 0}
    log = await webhooks.deliveries("ByggR")
    assert [(entry["type"], entry["state"], entry["attempts"]) for entry in log] == [
        (event["type"], "delivered", 1) for event in reversed(to_byggr)
    ]
    assert [attempt["status_code"] for attempt in log[0]["attempt_log"]] == [204]
    assert log[0]["event_id"] == to_byggr[-1]["id"]


async def test_a_receiver_that_is_down_gets_retries_with_backoff_then_the_event(client, app, world, settings):
    receiver = Receiver(free_port())  # nothing listens yet: connection refused
    secret = await webhooks.set_webhook("ByggR", receiver.url(), allow_local_http=True)
    await log_in(client, app, ERIK)
    t0, second = -30 * timedelta(minutes=1), timedelta(seconds=1)
    try:
        with clock.travel(t0):
            await write_as_resident(client, world.references["erik"], "Ett")
            await write_as_resident(client, world.references["erik"], "Två")
            first_id, second_id = [item["id"] for item in (await feed(client, world.tokens["bygglov"]))["items"]]
            # The first delivery finds nobody; the second waits for the next run instead of finding nobody too.
            assert await deliver(settings) == {"delivered": 0, "retried": 1, "failed": 0, "deferred": 1}
        receiver.status = 500
        receiver.start()
        # Each run sends only what is due: the first event after 1 minute, then 2, then 4 (retry_delay).
        for moment in (
            t0 + retry_delay(1) - second,  # the second event, tried for the first time
            t0 + retry_delay(1),  # the first, second attempt
            t0 + retry_delay(1) + retry_delay(2) - second,  # the second, second attempt
            t0 + retry_delay(1) + retry_delay(2),  # the first, third attempt
        ):
            with clock.travel(moment):
                assert await deliver(settings) == {"delivered": 0, "retried": 1, "failed": 0, "deferred": 0}
        assert [request["headers"]["webhook-id"] for request in receiver.received] == [
            second_id, first_id, second_id, first_id,
        ]  # fmt: skip
        receiver.status = 200
        assert await deliver(settings) == {"delivered": 2, "retried": 0, "failed": 0, "deferred": 0}
    finally:
        receiver.stop()
    delivered = receiver.received[-2:]
    assert [request["headers"]["webhook-id"] for request in delivered] == [first_id, second_id]
    assert [verified(secret, request)["type"] for request in delivered] == ["message.received"] * 2
    assert len({request["body"] for request in receiver.received if request["headers"]["webhook-id"] == first_id}) == 1

    log = (await webhooks.deliveries("ByggR"))[-1]  # the first event's
    assert log["event_id"] == first_id and log["state"] == "delivered" and log["attempts"] == 4
    attempts = log["attempt_log"]
    assert attempts[0]["status_code"] is None and "ConnectError" in attempts[0]["error"]
    assert [attempt["status_code"] for attempt in attempts[1:]] == [500, 500, 200]
    assert [attempt["error"] for attempt in attempts[1:]] == ["HTTP 500", "HTTP 500", ""]
    waits = [attempt["next_attempt_at"] - attempt["at"] for attempt in attempts[:3]]
    assert waits == [retry_delay(1), retry_delay(2), retry_delay(3)] and attempts[3]["next_attempt_at"] is None


async def test_after_max_attempts_a_delivery_fails_and_the_feed_still_has_it(client, app, world, settings):
    await webhooks.set_webhook("ByggR", f"http://127.0.0.1:{free_port()}/", allow_local_http=True)
    when = -2 * DAY
    with clock.travel(when):
        await conversations.add_message(
            (await case_of(world.references["erik"])).id, None, from_officer=False, body="Hej", now=clock.now()
        )
    for attempt in range(1, webhook_job.MAX_ATTEMPTS + 1):
        with clock.travel(when):
            outcome = await deliver(settings)
        gave_up = attempt == webhook_job.MAX_ATTEMPTS
        assert outcome == {"delivered": 0, "retried": 0 if gave_up else 1, "failed": 1 if gave_up else 0, "deferred": 0}
        when += retry_delay(attempt)
    assert await deliver(settings) == {"delivered": 0, "retried": 0, "failed": 0, "deferred": 0}
    [log] = await webhooks.deliveries("ByggR")
    assert log["state"] == "failed" and log["attempts"] == webhook_job.MAX_ATTEMPTS and log["next_attempt_at"] is None
    assert len(log["attempt_log"]) == webhook_job.MAX_ATTEMPTS
    assert [item["type"] for item in (await feed(client, world.tokens["bygglov"]))["items"]] == ["message.received"]


async def test_catching_up_through_the_feed_loses_nothing(client, world):
    erik, school = await case_of(world.references["erik"]), await case_of(world.references["school"])

    async def resident_writes(case, body: str) -> None:
        await conversations.add_message(case.id, case.applicant, from_officer=False, body=body, now=clock.now())

    for number in range(5):
        await resident_writes(erik, f"bygglov {number}")
        await resident_writes(school, f"skolskjuts {number}")
    headers = bearer(world.tokens["bygglov"])
    seen, cursor = [], None
    for _page in range(4):
        page = await feed(client, world.tokens["bygglov"], after=cursor, limit=2)
        seen += page["items"]
        cursor = page["next_cursor"]
    assert len(seen) == 5 and len({item["id"] for item in seen}) == 5
    assert {(item["type"], item["data"]["reference"]) for item in seen} == {("message.received", erik.reference)}
    # At the end: nothing new, the same cursor back; what happens next comes after it, and only that.
    assert await feed(client, world.tokens["bygglov"], after=cursor) == {"items": [], "next_cursor": cursor}
    await resident_writes(school, "skolskjuts 5")
    await resident_writes(erik, "bygglov 5")
    news = await feed(client, world.tokens["bygglov"], after=cursor)
    assert [item["data"]["reference"] for item in news["items"]] == [erik.reference]
    assert news["next_cursor"] == news["items"][0]["id"]
    # Any event's id is a cursor: from the second event on.
    assert (await feed(client, world.tokens["bygglov"], after=seen[1]["id"]))["items"] == [*seen[2:], *news["items"]]
    school_feed = (await feed(client, world.tokens["school"]))["items"]
    assert len(school_feed) == 6 and {item["data"]["e_service"] for item in school_feed} == {"skolskjuts"}
    cases_cursor = api.encode_cursor(clock.now(), erik.id)
    too_big = webhooks.encode_event_id(2**63)
    for bad in ("not-a-cursor", cases_cursor, "ZXZlbnQ6eA", "ZXZlbnQ6LTE", too_big, "\x00"):  # event:x, event:-1
        assert_problem(await client.get("/api/v1/events", params={"after": bad}, headers=headers), 400)
    for limit in ("0", "101"):
        response = await client.get("/api/v1/events", params={"limit": limit}, headers=headers)
        assert response.status_code in (400, 422)
        assert_problem(response, response.status_code)
    client_id = next(row["id"] for row in await api.clients() if row["name"] == "ByggR")
    assert ("api.events.listed", "", {"client": client_id}) in await audit_actions()


async def test_events_need_the_read_scope(client, world):
    assert_problem(await client.get("/api/v1/events"), 401)
    status_only = await token("Statusrobot", ["bygglov"], ["status"])
    assert_problem(await client.get("/api/v1/events", headers=bearer(status_only)), 403)
    assert (await client.get("/api/v1/events", headers=bearer(world.tokens["reader"]))).status_code == 200
    refused = [entry for entry in await audit_actions() if entry[0] == "api.refused"]
    assert {entry[2]["operation"] for entry in refused} == {"events.listed"}


async def test_an_event_is_seen_only_with_its_change_and_ids_are_committed_in_order(client, world):
    """A second writer waits for the first to commit: a reader never sees event n+1 while n is still to come (it
    would page past n and lose it)."""
    erik = await case_of(world.references["erik"])
    recorded, release = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with write_transaction():
            await record_event("message.received", erik.id, clock.now(), {"message_id": 1})
            recorded.set()
            await release.wait()

    async def second() -> None:
        await recorded.wait()
        async with write_transaction():
            await record_event("message.received", erik.id, clock.now(), {"message_id": 2})

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    try:
        await asyncio.wait_for(recorded.wait(), 10)
        await asyncio.sleep(0.3)
        second_waited = not tasks[1].done()
        visible_meanwhile = await events_after(["bygglov"], 0, 10)
    finally:
        release.set()
        await asyncio.wait_for(asyncio.gather(*tasks), 30)
    assert second_waited  # for the first writer's commit
    assert visible_meanwhile == []  # neither event is visible before the first commits
    rows = await events_after(["bygglov"], 0, 10)
    assert [row["data"]["message_id"] for row in rows] == [1, 2] and rows[0]["id"] < rows[1]["id"]
    # A change that rolls back takes its event with it.
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await record_event("message.received", erik.id, clock.now(), {"message_id": 3})
            raise RuntimeError("the change failed")
    assert len(await events_after(["bygglov"], 0, 10)) == 2


async def test_only_subscribed_valid_clients_get_deliveries(client, world, settings, receiver):
    erik = await case_of(world.references["erik"])

    async def resident_writes() -> None:
        await conversations.add_message(erik.id, erik.applicant, from_officer=False, body="Hej", now=clock.now())

    await resident_writes()  # before any webhook: only in the feed
    await webhooks.set_webhook("ByggR", receiver.url("/byggr"), allow_local_http=True)
    await webhooks.set_webhook("Läsare", receiver.url("/reader"), allow_local_http=True)
    await resident_writes()
    assert await webhooks.remove_webhook("Läsare") and not await webhooks.remove_webhook("Läsare")
    await resident_writes()
    await api.revoke_client("ByggR")
    outcome = await deliver(settings)
    assert outcome == {"delivered": 0, "retried": 0, "failed": 3, "deferred": 0} and receiver.received == []
    states = {
        name: [(entry["state"], entry["last_error"]) for entry in await webhooks.deliveries(name)]
        for name in ("ByggR", "Läsare")
    }
    assert states == {
        "ByggR": [("failed", "the client is revoked or expired")] * 2,
        "Läsare": [("failed", "the client's webhook was removed")],
    }
    assert len((await feed(client, world.tokens["reader"]))["items"]) == 3
    with pytest.raises(webhooks.InvalidWebhook, match="revoked"):
        await webhooks.set_webhook("ByggR", receiver.url(), allow_local_http=True)


@pytest.mark.parametrize(
    ("url", "local", "allowed"),
    [
        ("https://byggr.example.se/hooks?x=1", False, True),
        ("http://byggr.example.se/hooks", True, False),
        ("http://127.0.0.1:18001/hooks", False, False),
        ("http://127.0.0.1:18001/hooks", True, True),
        ("http://localhost/hooks", True, True),
        ("ftp://byggr.example.se/", True, False),
        ("https://user:pw@byggr.example.se/", False, False),
        ("https://byggr.example.se:99999/", False, False),
        ("https:///hooks", False, False),
        ("", False, False),
        ("https://byggr.example.se/" + "a" * 2000, False, False),
    ],
)
def test_webhook_urls(url, local, allowed):
    if allowed:
        assert webhooks.check_url(url, allow_local_http=local) == url
    else:
        with pytest.raises(webhooks.InvalidWebhook):
            webhooks.check_url(url, allow_local_http=local)


async def test_old_events_are_deleted_by_the_retention_job(client, world, settings):
    erik = await case_of(world.references["erik"])
    await webhooks.set_webhook("ByggR", "https://byggr.example.se/hooks")
    for age in (91, 89):
        await conversations.add_message(
            erik.id, erik.applicant, from_officer=False, body="Hej", now=clock.now() - age * DAY
        )
    assert (await run_job(JOBS["retention"], settings))["api_events_deleted"] == 1
    assert len((await feed(client, world.tokens["bygglov"]))["items"]) == 1
    assert await WebhookDelivery.count() == 1


async def test_cli_sets_shows_and_removes_a_webhook(client, world, capsys, receiver, settings):
    assert await api_cli(["webhook", "set", "ByggR", "--url", "http://byggr.example.se/"]) == 2
    assert "https" in capsys.readouterr().err
    assert await api_cli(["webhook", "set", "Okänd", "--url", receiver.url()]) == 2
    assert "No such client" in capsys.readouterr().err
    assert await api_cli(["webhook", "set", "ByggR", "--url", receiver.url()]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    await conversations.add_message(
        (await case_of(world.references["erik"])).id, None, from_officer=False, body="Hej", now=clock.now()
    )
    await deliver(settings)
    assert verified(secret, receiver.received[0])["type"] == "message.received"
    assert await api_cli(["webhook", "log", "ByggR"]) == 0
    shown = capsys.readouterr().out
    assert receiver.url() in shown and "message.received" in shown and "delivered" in shown and "204" in shown
    assert secret not in shown
    assert await api_cli(["webhook", "remove", "ByggR"]) == 0
    assert await api_cli(["webhook", "remove", "ByggR"]) == 1
    actions = [entry[0] for entry in await audit_actions()]
    assert actions.count("api_client.webhook_set") == 1 and actions.count("api_client.webhook_removed") == 1


async def test_the_document_lists_the_event_types(client):
    document = (await client.get("/api/v1/schema/openapi.json")).json()
    event = document["components"]["schemas"]["Event"]
    assert tuple(event["properties"]["type"]["enum"]) == EVENT_TYPES
