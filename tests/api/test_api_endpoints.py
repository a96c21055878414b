"""/api/v1's files, supplements, decisions, notes, external ids and deliveries over HTTP: each through the officers'
rules, with its scope (403 without it), e-service isolation (404), a closed case (409), a bad body (422 with
`errors`), one effect for a replayed Idempotency-Key, the resident's notices, the timeline and the audit log."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from core import clock
from core.i18n import format_datetime
from db.accounts import UserAccount
from db.api import CaseDelivery, CaseExternalId
from db.applications import Attachment
from db.audit import AuditEntry
from db.case_handling import InternalNote
from db.cases import CaseEvent, CaseRecord, add_case_attachment
from db.messages import Message, SupplementRequest
from db.notices import Notification
from services import api
from tests.api.conftest import bearer, token
from tests.factories import make_officer
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")

VIA = {"via": "api", "client": "ByggR"}
TOMORROW = (date.today() + timedelta(days=1)).isoformat()


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status and problem["title"] and problem["type"] and problem["detail"]
    return problem


def invalid_keys(response) -> set[str]:
    """What each invalid input's entry names: its key, and (for a missing one, whose key is `data`) its message."""
    return {f"{item['key']} {item['message']}" for item in assert_problem(response, 422)["errors"]}


async def audited(action: str, reference: str) -> bool:
    rows = await AuditEntry.select(AuditEntry.action, AuditEntry.target)
    return {"action": action, "target": f"case:{reference}"} in rows


async def events(case_id: int) -> list[tuple[str, dict]]:
    rows = await CaseEvent.select().where(CaseEvent.case == case_id).order_by(CaseEvent.id)
    return [
        (row["kind"], json.loads(row["details"]) if isinstance(row["details"], str) else row["details"]) for row in rows
    ]


async def with_email(world, name: str) -> int:
    applicant = (await CaseRecord.select(CaseRecord.applicant).where(CaseRecord.id == world.ids[name]).first())[
        "applicant"
    ]
    await UserAccount.update({UserAccount.email: "boende@exempel.se"}).where(UserAccount.id == applicant)
    return applicant


# Every new operation: (method, path under the case, body, scope).
OPERATIONS = [
    ("GET", "/attachments/00000000-0000-0000-0000-000000000000", None, "read"),
    ("GET", "/pdf", None, "read"),
    ("POST", "/supplement-requests", {"text": "Skicka en ritning.", "due_date": TOMORROW}, "supplements"),
    ("POST", "/decision", {"outcome": "bifall", "text": "Bygglov beviljas."}, "decisions"),
    ("POST", "/notes", {"body": "Ritningen saknas."}, "notes"),
    ("PUT", "/external-id", {"system": "ByggR", "id": "BN 2026-123"}, "external_ids"),
    ("POST", "/delivery", {}, "read"),
]


async def call(client, world, method: str, path: str, body, token_name: str, reference: str = "erik", **headers):
    url = f"/api/v1/cases/{world.references.get(reference, reference)}{path}"
    return await client.request(
        method, url, headers={**bearer(world.tokens[token_name]), **headers}, json=body if method != "GET" else None
    )


@pytest.mark.parametrize(("method", "path", "body", "scope"), OPERATIONS, ids=[o[1] for o in OPERATIONS])
async def test_scope_and_e_service_of_every_operation(client, world, method, path, body, scope):
    # Only the operation's scope opens it: a token with every other scope gets 403, and nothing happens.
    others = await token("Utan", ["bygglov"], [other for other in api.SCOPES if other != scope])
    url = f"/api/v1/cases/{world.references['erik']}{path}"
    refused = await client.request(method, url, headers=bearer(others), json=body if method != "GET" else None)
    assert_problem(refused, 403)
    # Another e-service's client, and no case at all: 404, the same answer.
    assert_problem(await call(client, world, method, path, body, "school"), 404)
    assert_problem(await call(client, world, method, path, body, "bygglov", reference="B-2026-999999"), 404)
    case = await CaseRecord.objects().where(CaseRecord.id == world.ids["erik"]).first()
    assert case.status == "received" and case.version == 0
    assert await SupplementRequest.count() == await InternalNote.count() == 0
    assert await CaseExternalId.count() == await CaseDelivery.count() == 0
    refusals = [row["details"] for row in await AuditEntry.select().where(AuditEntry.action == "api.refused")]
    assert any('"scope"' in str(details) for details in refusals)


async def test_attachment_download(client, world):
    data = b"%PDF-1.4\n%ritning\n"
    file = SimpleNamespace(
        filename="ritning å.pdf",
        content_type="application/pdf",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )
    await add_case_attachment(world.ids["erik"], file, data, message_id=None, supplement_id=None, now=clock.now())
    reference = world.references["erik"]
    listed = (await call(client, world, "GET", "", None, "reader")).json()["attachments"]
    assert [a["filename"] for a in listed] == ["ritning å.pdf"]
    response = await call(client, world, "GET", f"/attachments/{listed[0]['public_id']}", None, "reader")
    assert response.status_code == 200 and response.content == data
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''ritning%20%C3%A5.pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert await audited("api.case.attachment_downloaded", reference)
    # Another case's file id, or an id that is none, is not found.
    assert_problem(
        await call(client, world, "GET", f"/attachments/{listed[0]['public_id']}", None, "reader", "sara"), 404
    )
    assert_problem(await call(client, world, "GET", "/attachments/inte-ett-id", None, "reader"), 404)


async def test_case_pdf(client, world):
    response = await call(client, world, "GET", "/pdf", None, "reader")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == f'attachment; filename="arende-{world.references["erik"]}.pdf"'
    assert await audited("api.case.pdf_downloaded", world.references["erik"])


async def test_supplement_request_as_the_officers_make_it(client, world):
    applicant = await with_email(world, "erik")
    body = {"text": "Skicka en ritning.", "due_date": TOMORROW, "fields": ["namn"]}
    headers = {"Idempotency-Key": "supp-1"}
    first = await call(client, world, "POST", "/supplement-requests", body, "bygglov", **headers)
    assert first.status_code == 201, first.text
    assert first.json() == {"reference": world.references["erik"], "due_date": TOMORROW, "fields": ["namn"]}
    again = await call(client, world, "POST", "/supplement-requests", body, "bygglov", **headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    requests = await SupplementRequest.select()
    assert len(requests) == 1 and requests[0]["officer"] is None and requests[0]["message"] == "Skicka en ritning."
    case = await CaseRecord.objects().where(CaseRecord.id == world.ids["erik"]).first()
    assert case.status == "awaiting_supplement"
    assert ("supplement_requested", VIA) in await events(world.ids["erik"])
    notices = await Notification.select(Notification.kind).where(Notification.user == applicant)
    assert [n["kind"] for n in notices] == ["supplement_requested"]
    assert await audited("api.case.supplement_requested", world.references["erik"])


@pytest.mark.parametrize(
    ("body", "keys"),
    [
        ({"text": "  ", "due_date": TOMORROW}, {"text"}),
        ({"text": "Mer", "due_date": "2020-01-01"}, {"due_date"}),
        ({"text": "Mer", "due_date": "i morgon"}, {"due_date"}),
        ({"text": "Mer", "due_date": TOMORROW, "fields": ["filer"]}, {"fields"}),
        ({"text": "Mer", "due_date": TOMORROW, "fields": ["finns-inte"]}, {"fields"}),
        ({"text": "x" * 10_001, "due_date": TOMORROW}, {"text"}),
        ({"due_date": TOMORROW}, {"text"}),
    ],
)
async def test_bad_supplement_requests(client, world, body, keys):
    response = await call(client, world, "POST", "/supplement-requests", body, "bygglov")
    found = invalid_keys(response)
    assert any(key in " ".join(found) for key in keys), found
    assert await SupplementRequest.count() == 0


async def test_decision_closes_the_case(client, world):
    applicant = await with_email(world, "erik")
    headers = {"Idempotency-Key": "beslut-1"}
    for body, keys in (
        ({"outcome": "ja", "text": "Beviljas."}, "outcome"),
        ({"outcome": "bifall", "text": " "}, "text"),
        ({"outcome": "bifall"}, "text"),
    ):
        assert keys in " ".join(invalid_keys(await call(client, world, "POST", "/decision", body, "bygglov")))
    body = {"outcome": "bifall", "text": "Bygglov beviljas."}
    first = await call(client, world, "POST", "/decision", body, "bygglov", **headers)
    assert first.status_code == 200 and first.json() == {"reference": world.references["erik"], "outcome": "bifall"}
    replayed = await call(client, world, "POST", "/decision", body, "bygglov", **headers)
    assert replayed.status_code == 200 and replayed.headers["idempotent-replayed"] == "true"
    case = await CaseRecord.objects().where(CaseRecord.id == world.ids["erik"]).first()
    assert case.status == "closed" and case.outcome == "bifall" and case.decision == "Bygglov beviljas."
    kinds = await events(world.ids["erik"])
    assert ("decision", {"outcome": "bifall", **VIA}) in kinds and ("closed", VIA) in kinds
    notices = await Notification.select(Notification.kind).where(Notification.user == applicant)
    assert [n["kind"] for n in notices] == ["status_changed"]
    assert await audited("api.case.decided", world.references["erik"])
    # A closed case takes no second decision, supplement request or status.
    assert_problem(await call(client, world, "POST", "/decision", body, "bygglov"), 409)
    supplement = {"text": "Mer", "due_date": TOMORROW}
    assert_problem(await call(client, world, "POST", "/supplement-requests", supplement, "bygglov"), 409)
    decided = (await call(client, world, "GET", "", None, "reader")).json()
    assert decided["decision"] == {"outcome": "bifall", "text": "Bygglov beviljas."}


async def test_internal_note_is_for_officers_only(client, app, world):
    headers = {"Idempotency-Key": "note-1"}
    for _ in range(2):
        added = await call(client, world, "POST", "/notes", {"body": "Ritningen saknas."}, "bygglov", **headers)
        assert added.status_code == 201 and added.json() == {"reference": world.references["erik"]}
    notes = await InternalNote.select()
    assert len(notes) == 1 and notes[0]["author"] is None and notes[0]["via_client"] == "ByggR"
    assert await audited("api.case.note_added", world.references["erik"])
    for body in ({"body": " "}, {"body": "x" * 10_001}, {"text": "fel"}):
        assert "body" in " ".join(invalid_keys(await call(client, world, "POST", "/notes", body, "bygglov")))
    assert await InternalNote.count() == 1
    case = (await call(client, world, "GET", "", None, "reader")).json()
    assert "internal_notes" not in case and "Ritningen saknas." not in json.dumps(case)
    # Notes may be written on a closed case too, as officers may.
    await call(client, world, "POST", "/decision", {"outcome": "avslag", "text": "Avslås."}, "bygglov")
    assert (await call(client, world, "POST", "/notes", {"body": "Efteråt."}, "bygglov")).status_code == 201
    # The resident never sees it.
    await log_in(client, app, "198112189876")
    page = await client.get(f"/mina-sidor/arenden/{world.references['erik']}")
    assert page.status_code == 200 and "Ritningen saknas." not in page.text and "Avslås." in page.text


async def test_external_ids_per_client_and_system(client, world):
    put = await call(client, world, "PUT", "/external-id", {"system": "ByggR", "id": "BN 2026-1"}, "bygglov")
    assert put.status_code == 200 and put.json() == {
        "reference": world.references["erik"],
        "system": "ByggR",
        "id": "BN 2026-1",
    }
    # Setting it again replaces it; another system is another id.
    await call(client, world, "PUT", "/external-id", {"system": "ByggR", "id": "BN 2026-2"}, "bygglov")
    await call(client, world, "PUT", "/external-id", {"system": "Diarium", "id": "KS 7"}, "bygglov")
    case = (await call(client, world, "GET", "", None, "reader")).json()
    assert [(x["system"], x["id"], x["client"]) for x in case["external_ids"]] == [
        ("ByggR", "BN 2026-2", "ByggR"),
        ("Diarium", "KS 7", "ByggR"),
    ]
    assert await CaseExternalId.count() == 2
    for body, key in (
        ({"system": "", "id": "1"}, "system"),
        ({"system": "X", "id": " "}, "id"),
        ({"id": "1"}, "system"),
    ):
        assert key in " ".join(invalid_keys(await call(client, world, "PUT", "/external-id", body, "bygglov")))
    assert await audited("api.case.external_id_set", world.references["erik"])


async def test_delivery_confirmation_and_the_undelivered_list(client, world):
    listed = await client.get("/api/v1/cases?delivered=false", headers=bearer(world.tokens["bygglov"]))
    assert [i["reference"] for i in listed.json()["items"]] == [world.references["erik"], world.references["sara"]]
    first = await call(client, world, "POST", "/delivery", None, "bygglov")
    assert first.status_code == 200, first.text
    assert first.json()["system"] == "ByggR" and first.json()["reference"] == world.references["erik"]
    with clock.travel(timedelta(minutes=5)):
        again = await call(client, world, "POST", "/delivery", {"system": "Annat"}, "bygglov")
    assert again.json() == first.json()  # the first confirmation stands
    assert await CaseDelivery.count() == 1
    undelivered = await client.get("/api/v1/cases?delivered=false", headers=bearer(world.tokens["bygglov"]))
    assert [i["reference"] for i in undelivered.json()["items"]] == [world.references["sara"]]
    delivered = await client.get("/api/v1/cases?delivered=true", headers=bearer(world.tokens["bygglov"]))
    assert [i["reference"] for i in delivered.json()["items"]] == [world.references["erik"]]
    # Another client's confirmation is its own.
    other = await client.get("/api/v1/cases?delivered=false", headers=bearer(world.tokens["reader"]))
    assert len(other.json()["items"]) == 2
    case = (await call(client, world, "GET", "", None, "reader")).json()
    assert [(d["client"], d["system"], d["at"]) for d in case["deliveries"]] == [
        ("ByggR", "ByggR", first.json()["delivered_at"])
    ]
    assert await audited("api.case.delivery_confirmed", world.references["erik"])
    assert "system" in " ".join(invalid_keys(await call(client, world, "POST", "/delivery", {"system": ""}, "bygglov")))


async def test_the_officer_sees_what_the_system_did(client, app, world):
    await make_officer("197606239866", "Bygga, bo och miljö")
    await call(client, world, "POST", "/notes", {"body": "Från ByggR."}, "bygglov")
    await call(client, world, "PUT", "/external-id", {"system": "ByggR", "id": "BN 2026-9"}, "bygglov")
    delivered = (await call(client, world, "POST", "/delivery", None, "bygglov")).json()
    await call(client, world, "POST", "/decision", {"outcome": "delvis", "text": "Delvis."}, "bygglov")
    await log_in(client, app, "197606239866")
    page = await client.get(f"/handlaggare/arenden/{world.references['erik']}")
    assert page.status_code == 200, page.text
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text))
    at = format_datetime(datetime.fromisoformat(delivered["delivered_at"]))
    assert f"Levererat till ByggR {at}" in text, text[text.find("Formulär") : text.find("Formulär") + 400]
    assert "ByggR: BN 2026-9" in text
    assert "Ärendesystemet ByggR" in text and "Från ByggR." in text  # the note, by the system
    assert "(Ärendesystemet ByggR)" in text  # the decision on the timeline


async def test_unknown_addresses_under_the_api_are_problems(client, world):
    assert_problem(await client.get("/api/v1/finns-inte", headers=bearer(world.tokens["reader"])), 404)
    assert_problem(await client.get("/api/v1"), 404)
    assert_problem(await client.delete(f"/api/v1/cases/{world.references['erik']}"), 405)
    # The site's own pages keep their HTML.
    page = await client.get("/finns-inte")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/external-id", {"system": "Bygg\x00R", "id": "1"}),
        ("PUT", "/external-id", {"system": "ByggR", "id": "1\x00"}),
        ("POST", "/notes", {"body": "a\x00b"}),
        ("POST", "/decision", {"outcome": "bifall", "text": "a\x00b"}),
        ("POST", "/supplement-requests", {"text": "a\x00b", "due_date": TOMORROW, "fields": ["na\x00mn"]}),
        ("POST", "/delivery", {"system": "a\x00"}),
        ("POST", "/messages", {"body": "a\x00b"}),
    ],
)
async def test_nul_characters_are_invalid_input(client, world, method, path, body):
    """PostgreSQL refuses NUL in text: a NUL in any text of a body is a 422, never a 500."""
    assert_problem(await call(client, world, method, path, body, "bygglov"), 422)


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def test_message_with_attachments_checked_as_the_officers_are(client, world):
    applicant = await with_email(world, "erik")
    body = {"body": "Här är beslutet.", "attachments": [{"filename": "beslut.pdf", "content_base64": encoded(PDF)}]}
    headers = {"Idempotency-Key": "med-fil"}
    first = await call(client, world, "POST", "/messages", body, "bygglov", **headers)
    assert first.status_code == 201, first.text
    again = await call(client, world, "POST", "/messages", body, "bygglov", **headers)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    files = await Attachment.select(
        Attachment.filename, Attachment.content_type, Attachment.message_id, Attachment.content
    )
    assert [(f["filename"], f["content_type"], f["message_id"], bytes(f["content"])) for f in files] == [
        ("beslut.pdf", "application/pdf", first.json()["message_id"], PDF)
    ]
    assert ("message", VIA) in await events(world.ids["erik"])
    notices = await Notification.select(Notification.kind).where(Notification.user == applicant)
    assert [n["kind"] for n in notices] == ["message_received"]
    case = (await call(client, world, "GET", "", None, "reader")).json()
    assert case["messages"][-1]["attachments"] == ["beslut.pdf"]
    # A file alone is a message too.
    alone = {"body": "", "attachments": [{"filename": "b.pdf", "content_base64": encoded(PDF)}]}
    assert (await call(client, world, "POST", "/messages", alone, "bygglov")).status_code == 201
    assert await Message.count() == 2


@pytest.mark.parametrize(
    "attachments",
    [
        [{"filename": "ritning.pdf", "content_base64": "inte base64!"}],
        [{"filename": "ritning.pdf", "content_base64": encoded(b"MZ\x90\x00 a program, not a PDF")}],
        [{"filename": "tom.pdf", "content_base64": ""}],
        [{"filename": f"{n}.pdf", "content_base64": encoded(PDF)} for n in range(6)],
        [{"filename": "ritning.pdf"}],
    ],
    ids=["not-base64", "not-what-it-says", "empty", "too-many", "no-content"],
)
async def test_bad_attachments_store_nothing(client, world, attachments):
    body = {"body": "Se bilagan.", "attachments": attachments}
    found = invalid_keys(await call(client, world, "POST", "/messages", body, "bygglov"))
    assert "attachments" in " ".join(found) or "content_base64" in " ".join(found), found
    assert await Message.count() == 0 and await Attachment.count() == 0
