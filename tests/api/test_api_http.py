"""/api/v1 over HTTP: every endpoint and scope, problem details on every error, e-service isolation, cursors,
idempotency (in turn and at the same moment) and the audit log."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date, timedelta

import pytest

from core import clock
from db import messages as conversations
from db.applications import Draft
from db.audit import AuditEntry
from db.cases import CaseEvent, CaseRecord
from db.messages import Message
from jobs import JOBS
from jobs.runner import run_job
from services import api
from tests.api.conftest import bearer, token
from tests.applications.helpers import start
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"] and problem["detail"]
    return problem


async def audit_actions() -> list[tuple[str, str, dict]]:
    rows = await AuditEntry.select().order_by(AuditEntry.id)
    return [(row["action"], row["target"], json.loads(row["details"])) for row in rows]


async def test_list_shows_only_the_clients_e_services(client, world):
    response = await client.get("/api/v1/cases", headers=bearer(world.tokens["bygglov"]))
    assert response.status_code == 200
    page = response.json()
    assert [item["reference"] for item in page["items"]] == [world.references["erik"], world.references["sara"]]
    assert page["next_cursor"] is None
    assert {item["e_service"] for item in page["items"]} == {"bygglov"}
    assert page["items"][0]["status"] == "inkommen"
    school = (await client.get("/api/v1/cases", headers=bearer(world.tokens["school"]))).json()
    assert [item["reference"] for item in school["items"]] == [world.references["school"]]
    # A filter for an e-service the client may not see finds nothing, not the other client's cases.
    other = await client.get("/api/v1/cases?e_service=skolskjuts", headers=bearer(world.tokens["bygglov"]))
    assert other.json()["items"] == []
    assert ("api.cases.listed", "", {"client": (await api.clients())[0]["id"]}) in await audit_actions()


async def test_list_filters_by_status_and_change_time(client, world):
    headers = bearer(world.tokens["bygglov"])
    assert (await client.get("/api/v1/cases?status=under-handlaggning", headers=headers)).json()["items"] == []
    changed = await client.post(
        f"/api/v1/cases/{world.references['sara']}/status", json={"alias": "under-handlaggning"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    in_progress = (await client.get("/api/v1/cases?status=under-handlaggning", headers=headers)).json()["items"]
    assert [item["reference"] for item in in_progress] == [world.references["sara"]]
    since = in_progress[0]["changed_at"]
    recent = (await client.get("/api/v1/cases", params={"changed_since": since}, headers=headers)).json()["items"]
    assert [item["reference"] for item in recent] == [world.references["sara"]]


async def test_cursor_pages_are_stable(client, world):
    headers = bearer(world.tokens["bygglov"])
    first = (await client.get("/api/v1/cases?limit=1", headers=headers)).json()
    assert [item["reference"] for item in first["items"]] == [world.references["erik"]]
    assert first["next_cursor"]
    # A case changed between the pages moves behind the cursor's position: it comes again later, nothing is skipped.
    await client.post(f"/api/v1/cases/{world.references['erik']}/messages", json={"body": "Hej"}, headers=headers)
    second = (await client.get(f"/api/v1/cases?limit=1&cursor={first['next_cursor']}", headers=headers)).json()
    assert [item["reference"] for item in second["items"]] == [world.references["sara"]]
    third = (await client.get(f"/api/v1/cases?limit=1&cursor={second['next_cursor']}", headers=headers)).json()
    assert [item["reference"] for item in third["items"]] == [world.references["erik"]]
    assert third["next_cursor"] is None
    # The same cursor gives the same page again.
    again = (await client.get(f"/api/v1/cases?limit=1&cursor={first['next_cursor']}", headers=headers)).json()
    assert again == second


async def test_pages_merge_the_clients_e_services_in_order_of_change(client, world):
    """Each e-service is read from its own index; the pages interleave them by change time, and a change that is not
    an API call (a resident's message, an officer's timeline event) moves the case behind the cursor too."""
    headers = bearer(await token("Ärendesystem", ["bygglov", "skolskjuts"], ["read"]))

    async def walk(limit: int) -> list[str]:
        seen, cursor = [], None
        while True:
            query = f"limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            page = (await client.get(f"/api/v1/cases?{query}", headers=headers)).json()
            seen += [item["reference"] for item in page["items"]]
            if not (cursor := page["next_cursor"]):
                return seen

    erik, sara, school = (world.references[name] for name in ("erik", "sara", "school"))
    assert await walk(1) == await walk(2) == await walk(100) == [erik, sara, school]
    case = await CaseRecord.select(CaseRecord.id, CaseRecord.applicant).where(CaseRecord.reference == sara).first()
    await conversations.add_message(case["id"], case["applicant"], from_officer=False, body="Hej", now=clock.now())
    assert await walk(1) == [erik, school, sara]
    later = clock.now() + timedelta(seconds=1)
    await CaseEvent.insert(CaseEvent(case=(await case_id(erik)), at=later, kind="assigned"))
    assert await walk(2) == [school, sara, erik]


async def case_id(reference: str) -> int:
    return (await CaseRecord.select(CaseRecord.id).where(CaseRecord.reference == reference).first())["id"]


# The last cursor holds a case id past any INTEGER (it was a 500 on both engines).
@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "cursor=not-a-cursor",
        "changed_since=yesterday",
        "cursor=WyIyMDI2LTEyLTA0IiwgMTE4MDU5MTYyMDcxNzQxMTMwMzQyNF0",
    ],
)
async def test_bad_list_parameters_are_problems(client, world, query):
    response = await client.get(f"/api/v1/cases?{query}", headers=bearer(world.tokens["bygglov"]))
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


async def test_fetch_a_case_with_labelled_answers_and_events(client, world):
    reference = world.references["erik"]
    response = await client.get(f"/api/v1/cases/{reference}", headers=bearer(world.tokens["reader"]))
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["reference"] == reference and case["e_service"]["slug"] == "bygglov"
    assert case["status"]["alias"] == "inkommen"
    assert {"step", "field", "label", "value"} <= set(case["answers"][0])
    assert [event["kind"] for event in case["events"]] == ["received"]
    assert "internal_notes" not in case
    assert ("api.case.viewed", f"case:{reference}") in [entry[:2] for entry in await audit_actions()]


async def test_another_e_services_case_is_not_found(client, world):
    for path in ("", "/status", "/messages"):
        url = f"/api/v1/cases/{world.references['school']}{path}"
        if path:
            response = await client.post(
                url, json={"alias": "under-handlaggning", "body": "x"}, headers=bearer(world.tokens["bygglov"])
            )
        else:
            response = await client.get(url, headers=bearer(world.tokens["bygglov"]))
        assert_problem(response, 404)
    assert_problem(await client.get("/api/v1/cases/B-2026-999999", headers=bearer(world.tokens["school"])), 404)
    school = await CaseRecord.objects().where(CaseRecord.reference == world.references["school"]).first()
    assert school.status == "received" and await Message.count() == 0


async def test_status_change_follows_the_officers_rules_and_shows_the_system(client, world):
    reference = world.references["erik"]
    headers = bearer(world.tokens["bygglov"])
    response = await client.post(
        f"/api/v1/cases/{reference}/status",
        json={"alias": "under-handlaggning", "message": "Vi har börjat."},
        headers=headers,
    )
    assert response.status_code == 200 and response.json() == {"reference": reference, "status": "under-handlaggning"}
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "in_progress"
    events = await CaseEvent.select().where(CaseEvent.case == case.id).order_by(CaseEvent.id)
    changed = next(e for e in events if e["kind"] == "status_changed")
    assert changed["actor"] is None
    assert json.loads(changed["details"]) == {"to": "under-handlaggning", "via": "api", "client": "ByggR"}
    message = await Message.objects().first()
    assert message.body == "Vi har börjat." and message.from_officer == "yes" and message.author is None
    # A decision closes a case: the API cannot set a closing status, nor an unknown one.
    for alias in ("beslutad", "finns-inte"):
        assert_problem(
            await client.post(f"/api/v1/cases/{reference}/status", json={"alias": alias}, headers=headers), 422
        )
    assert ("api.case.status_changed", f"case:{reference}") in [entry[:2] for entry in await audit_actions()]


async def test_message_to_the_applicant(client, world):
    reference = world.references["sara"]
    response = await client.post(
        f"/api/v1/cases/{reference}/messages",
        json={"body": "Vi behöver en ritning."},
        headers=bearer(world.tokens["bygglov"]),
    )
    assert response.status_code == 201, response.text
    message = await Message.objects().first()
    assert response.json() == {"reference": reference, "message_id": message.id}
    assert message.body == "Vi behöver en ritning." and message.from_officer == "yes"
    assert ("api.case.message_sent", f"case:{reference}") in [entry[:2] for entry in await audit_actions()]
    for body in ({"body": "  "}, {"body": "x" * 10_001}, {"text": "fel fält"}, {}):
        assert_problem(
            await client.post(
                f"/api/v1/cases/{reference}/messages", json=body, headers=bearer(world.tokens["bygglov"])
            ),
            422,
        )
    assert await Message.count() == 1
    missing = await client.post(
        f"/api/v1/cases/{reference}/messages", json={"text": "fel fält"}, headers=bearer(world.tokens["bygglov"])
    )
    problem = assert_problem(missing, 422)
    assert any("`body`" in item["message"] for item in problem["errors"])


async def test_missing_scope_is_forbidden(client, world):
    reference = world.references["erik"]
    headers = bearer(world.tokens["reader"])
    assert_problem(
        await client.post(f"/api/v1/cases/{reference}/status", json={"alias": "under-handlaggning"}, headers=headers),
        403,
    )
    assert_problem(await client.post(f"/api/v1/cases/{reference}/messages", json={"body": "Hej"}, headers=headers), 403)
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    assert case.status == "received" and await Message.count() == 0
    refused = [entry for entry in await audit_actions() if entry[0] == "api.refused"]
    assert [entry[2]["reason"] for entry in refused] == ["scope", "scope"]


async def test_tokens_that_do_not_open(client, world):
    url = "/api/v1/cases"
    expired = await token("Gammal", ["bygglov"], ["read"], date.today() + timedelta(days=1))
    revoked = await token("Återkallad", ["bygglov"], ["read"])
    assert await api.revoke_client("Återkallad")
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("nonsense"), bearer(revoked)):
        problem = assert_problem(await client.get(url, headers=headers), 401)
        assert problem["title"] == "Unauthorized"
    assert (await client.get(url, headers=bearer(expired))).status_code == 200
    with clock.travel(timedelta(days=2)):
        assert_problem(await client.get(url, headers=bearer(expired)), 401)
    reasons = [entry[2]["reason"] for entry in await audit_actions() if entry[0] == "api.refused"]
    assert reasons == ["no_token", "no_token", "unknown_token", "revoked", "expired"]


async def test_rate_limit_per_client(app, client, world, monkeypatch):
    monkeypatch.setattr(app.state, "settings", replace(app.state.settings, api_rate_limit=3))
    for _ in range(3):
        assert (await client.get("/api/v1/cases", headers=bearer(world.tokens["bygglov"]))).status_code == 200
    response = await client.get("/api/v1/cases", headers=bearer(world.tokens["bygglov"]))
    assert_problem(response, 429)
    assert int(response.headers["retry-after"]) >= 1
    # Another client has its own count.
    assert (await client.get("/api/v1/cases", headers=bearer(world.tokens["school"]))).status_code == 200
    assert "rate_limited.api" in [entry[0] for entry in await audit_actions()]


async def test_idempotent_retry_has_one_effect(client, world):
    reference = world.references["erik"]
    headers = {**bearer(world.tokens["bygglov"]), "Idempotency-Key": "msg-1"}
    first = await client.post(f"/api/v1/cases/{reference}/messages", json={"body": "Hej"}, headers=headers)
    again = await client.post(f"/api/v1/cases/{reference}/messages", json={"body": "Hej"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again.headers["idempotent-replayed"] == "true"
    assert await Message.count() == 1
    # The same key with another request is refused; another client's same key is its own.
    assert_problem(
        await client.post(f"/api/v1/cases/{reference}/messages", json={"body": "Annat"}, headers=headers), 422
    )
    other = {**bearer(world.tokens["school"]), "Idempotency-Key": "msg-1"}
    school = await client.post(
        f"/api/v1/cases/{world.references['school']}/messages", json={"body": "Hej"}, headers=other
    )
    assert school.status_code == 201 and await Message.count() == 2


async def test_failed_call_leaves_the_key_free(client, world):
    reference = world.references["erik"]
    headers = {**bearer(world.tokens["bygglov"]), "Idempotency-Key": "status-1"}
    assert_problem(
        await client.post(f"/api/v1/cases/{reference}/status", json={"alias": "beslutad"}, headers=headers), 422
    )
    retried = await client.post(f"/api/v1/cases/{reference}/status", json={"alias": "beslutad"}, headers=headers)
    assert_problem(retried, 422)


@pytest.mark.parametrize("path", ["status", "messages"])
async def test_concurrent_duplicates_have_one_effect(client, world, path):
    reference = world.references["erik"]
    headers = {**bearer(world.tokens["bygglov"]), "Idempotency-Key": f"same-{path}"}
    body = {"alias": "under-handlaggning"} if path == "status" else {"body": "Samtidigt"}
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/cases/{reference}/{path}", json=body, headers=headers) for _ in range(6))
    )
    codes = sorted(response.status_code for response in responses)
    ok = 200 if path == "status" else 201
    assert ok in codes and set(codes) <= {ok, 409}, [r.text for r in responses]
    for response in responses:
        if response.status_code == 409:
            assert_problem(response, 409)
    case = await CaseRecord.objects().where(CaseRecord.reference == reference).first()
    kinds = [e["kind"] for e in await CaseEvent.select().where(CaseEvent.case == case.id)]
    assert kinds.count("status_changed" if path == "status" else "message") == 1
    assert await Message.count() == (0 if path == "status" else 1)


async def test_openapi_document(client):
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) == {
        "/api/v1/cases",
        "/api/v1/cases/{reference}",
        "/api/v1/cases/{reference}/status",
        "/api/v1/cases/{reference}/messages",
        "/api/v1/cases/{reference}/attachments/{attachment_id}",
        "/api/v1/cases/{reference}/pdf",
        "/api/v1/cases/{reference}/supplement-requests",
        "/api/v1/cases/{reference}/decision",
        "/api/v1/cases/{reference}/notes",
        "/api/v1/cases/{reference}/external-id",
        "/api/v1/cases/{reference}/delivery",
        "/api/v1/events",
    }
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    root = await client.get("/api/v1/schema")
    assert root.status_code == 200 and root.json()["paths"] == document["paths"]
    assert (await client.get("/schema/openapi.json")).status_code == 404
    # No page loading scripts from elsewhere.
    for page in ("/api/v1/schema/swagger", "/api/v1/schema/redoc", "/api/v1/schema/scalar"):
        assert (await client.get(page)).status_code == 404


async def test_keys_are_forgotten_after_a_day(client, world, settings):
    headers = {**bearer(world.tokens["bygglov"]), "Idempotency-Key": "old"}
    url = f"/api/v1/cases/{world.references['erik']}/messages"
    assert (await client.post(url, json={"body": "Hej"}, headers=headers)).status_code == 201
    assert (await run_job(JOBS["session_cleanup"], settings))["idempotency_keys_deleted"] == 0
    with clock.travel(api.IDEMPOTENCY_KEPT + timedelta(minutes=1)):
        assert (await run_job(JOBS["session_cleanup"], settings))["idempotency_keys_deleted"] == 1
        # The key is free again: the same request is a new message.
        again = await client.post(url, json={"body": "Hej"}, headers=headers)
        assert again.status_code == 201 and "idempotent-replayed" not in again.headers
    assert await Message.count() == 2


async def test_drafts_are_never_reachable(client, app, world):
    await log_in(client, app, "198112189876")
    draft_id = await start(client, "bygglov")
    assert await Draft.count() == 1
    client.cookies.clear()  # the API client has no session
    headers = bearer(world.tokens["bygglov"])
    listed = (await client.get("/api/v1/cases", headers=headers)).json()["items"]
    assert [item["reference"] for item in listed] == [world.references["erik"], world.references["sara"]]
    assert_problem(await client.get(f"/api/v1/cases/{draft_id}", headers=headers), 404)
