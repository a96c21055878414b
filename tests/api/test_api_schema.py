"""schemathesis against /api/v1's own OpenAPI document: requests drawn from the document (valid and not), sent to
the app with a token that may do everything; no answer is a 5xx, and every answer has a documented status, content
type and body. Bounded (API_SCHEMA_EXAMPLES, default 15 per operation), the same examples every run."""

from __future__ import annotations

import hashlib
import os
from types import SimpleNamespace

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from core import clock
from db import cases
from db import messages as conversations
from db.cases import CaseRecord, add_case_attachment
from db.webhooks import events_after
from services.webhooks import encode_event_id
from tests.api.conftest import bearer

EXAMPLES = int(os.environ.get("API_SCHEMA_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OPERATIONS = [
    ("GET", "/api/v1/cases"),
    ("GET", "/api/v1/cases/{reference}"),
    ("POST", "/api/v1/cases/{reference}/status"),
    ("POST", "/api/v1/cases/{reference}/messages"),
    ("GET", "/api/v1/cases/{reference}/attachments/{attachment_id}"),
    ("GET", "/api/v1/cases/{reference}/pdf"),
    ("POST", "/api/v1/cases/{reference}/supplement-requests"),
    ("POST", "/api/v1/cases/{reference}/decision"),
    ("POST", "/api/v1/cases/{reference}/notes"),
    ("PUT", "/api/v1/cases/{reference}/external-id"),
    ("POST", "/api/v1/cases/{reference}/delivery"),
    ("GET", "/api/v1/events"),
]


@pytest.fixture
async def attachment_id(world) -> str:
    """A real file of the real case, so downloads are drawn that answer 200 too."""
    data = b"\x89PNG\r\n\x1a\n"
    file = SimpleNamespace(
        filename="karta.png", content_type="image/png", size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )
    await add_case_attachment(world.ids["erik"], file, data, message_id=None, supplement_id=None, now=clock.now())
    return str((await cases.attachments_of_case(world.ids["erik"]))[0]["public_id"])


@pytest.fixture
async def document(client) -> dict:
    response = await client.get("/api/v1/schema/openapi.json")
    assert response.status_code == 200
    return response.json()


@pytest.fixture
async def events(world) -> list[str]:
    """Two events of the client's e-service (residents' messages); their ids are cursors."""
    case = await CaseRecord.objects().where(CaseRecord.reference == world.references["erik"]).first()
    for body in ("Hej", "Hej igen"):
        await conversations.add_message(case.id, case.applicant, from_officer=False, body=body, now=clock.now())
    return [encode_event_id(row["id"]) for row in await events_after(["bygglov"], 0, 10)]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
async def test_answers_follow_the_document(client, world, events, document, attachment_id, method, path, data):
    schema = schemathesis.openapi.from_dict(document)
    operation = schema[path][method]
    case = data.draw(operation.as_strategy())
    if "reference" in (case.path_parameters or {}) and data.draw(st.booleans()):
        case.path_parameters["reference"] = world.references["erik"]  # a real case, not only random ones
        if "attachment_id" in case.path_parameters and data.draw(st.booleans()):
            case.path_parameters["attachment_id"] = attachment_id
    if path == "/api/v1/events" and data.draw(st.booleans()):
        case.query = {**(case.query or {}), "after": data.draw(st.sampled_from(events))}  # real cursors too
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=bearer(world.tokens["bygglov"]))
    body = {key: kwargs[key] for key in ("json", "data") if key in kwargs}
    response = await client.request(
        kwargs["method"], kwargs["url"], headers=kwargs["headers"], params=kwargs.get("params"), **body
    )
    case.validate_response(response, checks=CHECKS)
