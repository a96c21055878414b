"""/api/v1: JSON for case-management systems, with a Bearer token (services/api.py says who may do what), errors as
RFC 9457 problem details, and an OpenAPI 3.1 document at /api/v1/schema (the JSON only: no page that loads scripts
from elsewhere)."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from http import HTTPStatus
from typing import Annotated, Any, Literal

from litestar import Request, Response, Router, get, post, put
from litestar.connection import ASGIConnection
from litestar.exceptions import HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter

from core.errors import DomainError
from services import api, webhooks
from services.api import CaseSummary, Problem
from services.case_handling import OUTCOMES
from web.downloads import attachment_response, pdf_response

log = logging.getLogger(__name__)
PROBLEM_TYPE = "application/problem+json"


@dataclass
class InvalidItem:
    source: str
    key: str
    message: str


@dataclass
class ProblemDetails:
    type: str
    title: str
    status: int
    detail: str
    errors: list[InvalidItem] | None = None


@dataclass
class CaseList:
    items: list[CaseSummary]
    next_cursor: str | None


@dataclass
class StatusChange:
    alias: str
    message: str = ""


@dataclass
class StatusChanged:
    reference: str
    status: str


@dataclass
class NewAttachment:
    filename: str
    content_base64: str


@dataclass
class NewMessage:
    body: str
    attachments: list[NewAttachment] | None = None


@dataclass
class MessageSent:
    reference: str
    message_id: int


def _problem(
    status: int, title: str, detail: str = "", headers: dict[str, str] | None = None, **extensions
) -> Response:
    """`type` is about:blank, so `title` is the status's phrase (RFC 9457, 4.2.1); `detail` says what happened."""
    return Response(
        {"type": "about:blank", "title": title, "status": status, "detail": detail or title, **extensions},
        status_code=status,
        media_type=PROBLEM_TYPE,
        headers=headers,
    )


def _problem_handler(_: Request, error: Problem) -> Response:
    extensions = {"errors": error.errors} if error.errors is not None else {}
    return _problem(error.status, error.title, error.detail, error.headers, **extensions)


def _validation_handler(_: Request, error: ValidationException) -> Response:
    where = [
        {"source": item.get("source", ""), "key": item.get("key", ""), "message": item.get("message", "")}
        for item in error.extra or []
        if isinstance(item, dict)
    ]
    return _problem(422, "Unprocessable Content", "The request's parameters or body are not valid.", errors=where)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _http_handler(_: Request, error: HTTPException) -> Response:
    return _problem(error.status_code, _phrase(error.status_code), str(error.detail), headers=error.headers)


def under_api(site_handler):
    """The app's handler for HTTPException, made from the site's: an address under /api/v1 that no API route answers
    (or a method it does not take) gets a problem like the API's own errors, not the site's HTML page."""

    def handler(request: Request, error: HTTPException) -> Response:
        if request.url.path == "/api/v1" or request.url.path.startswith("/api/v1/"):
            return _http_handler(request, error)
        return site_handler(request, error)

    return handler


def _domain_handler(_: Request, error: DomainError) -> Response:
    return _problem(error.status_code, _phrase(error.status_code), error.user_message, getattr(error, "headers", None))


def _internal_handler(request: Request, error: Exception) -> Response:
    log.exception("Error in %s %s", request.method, request.url.path, exc_info=error)
    return _problem(500, "Internal Server Error")


async def api_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The Bearer token's client, allowed the handler's scope; audited (services.api.authenticate)."""
    reference = connection.path_params.get("reference")
    connection.state.api_client = await api.authenticate(
        connection.headers.get("authorization"),
        handler.opt["operation"],
        handler.opt["scope"],
        rate_limit=connection.app.state.settings.api_rate_limit,
        target=f"case:{reference}" if reference else "",
    )


def _errors(*codes: int) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(data_container=ProblemDetails, media_type=PROBLEM_TYPE, description="Problem details")
        for code in sorted({400, 401, 429, *codes})
    }


# A message's files come base64-encoded in its JSON (a third larger). The site's largest body, which nginx lets
# through (tests/deploy keeps the two equal): about 45 MB of files in one call.
MESSAGE_MAX_BODY = 60 * 1024 * 1024

IDEMPOTENCY_KEY = HeaderParameter(
    name="Idempotency-Key", required=False, max_length=200, description="A retry with the same key has one effect."
)


@get(
    "/cases",
    opt={"operation": "cases.listed", "scope": "read"},
    responses=_errors(400, 403, 422),
    summary="List cases",
    description="Cases of the client's e-services, oldest change first, one page after the cursor.",
)
async def list_cases(
    request: Request,
    e_service: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    changed_since: FromQuery[datetime | None] = None,
    cursor: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=api.MAX_PAGE)] = 50,
    delivered: Annotated[
        bool | None,
        QueryParameter(
            description="false: only cases this client has not confirmed (POST .../delivery); true: only those it has."
        ),
    ] = None,
) -> CaseList:
    page = await api.list_cases(
        request.state.api_client,
        e_service=e_service,
        status=status,
        changed_since=changed_since,
        cursor=cursor,
        limit=limit,
        delivered=delivered,
    )
    return CaseList(items=page["items"], next_cursor=page["next_cursor"])


@get(
    "/cases/{reference:str}",
    opt={"operation": "case.viewed", "scope": "read"},
    responses=_errors(403, 404),
    summary="One case",
    description="The case with its answers by field id and label, attachments' metadata, signatures and events.",
)
async def get_case(request: Request, reference: FromPath[str]) -> dict[str, Any]:
    return await api.case(request.state.api_client, reference)


def _answer(status_code: int, body: dict, replayed: bool) -> Response:
    return Response(body, status_code=status_code, headers={"Idempotent-Replayed": "true"} if replayed else None)


@post(
    "/cases/{reference:str}/status",
    opt={"operation": "case.status_changed", "scope": "status"},
    responses=_errors(400, 403, 404, 409, 422),
    summary="Set the status by its alias",
    status_code=200,
)
async def change_status(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[StatusChange],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[StatusChanged]:
    client = request.state.api_client

    async def work():
        return 200, await api.change_status(client, reference, data.alias, data.message)

    request_fields = {"op": "status", "reference": reference, "alias": data.alias, "message": data.message}
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


@post(
    "/cases/{reference:str}/messages",
    opt={"operation": "case.message_sent", "scope": "messages"},
    responses=_errors(400, 403, 404, 409, 422),
    summary="Write to the applicant",
    description="`attachments`: files as `{filename, content_base64}`, checked by their content as officers' files "
    "are (at most 5, each at most 10 MB, PDF, JPEG, PNG, HEIC or DOCX). `body` may be empty when there are files.",
    status_code=201,
    request_max_body_size=MESSAGE_MAX_BODY,
)
async def post_message(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[NewMessage],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[MessageSent]:
    client = request.state.api_client

    files = [(a.filename, a.content_base64) for a in data.attachments or []]

    async def work():
        return 201, await api.post_message(client, reference, data.body, files)

    request_fields = {"op": "message", "reference": reference, "body": data.body}
    if files:  # the files by their content's hash: the fingerprint need not hold them
        request_fields["attachments"] = [
            (name, hashlib.sha256(content.encode()).hexdigest()) for name, content in files
        ]
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


# Files, supplements, decisions, notes, external ids and deliveries.


@dataclass
class SupplementRequest:
    text: str
    due_date: date
    fields: list[str] | None = None


@dataclass
class SupplementRequested:
    reference: str
    due_date: date
    fields: list[str]


@dataclass
class Decision:
    outcome: Literal[OUTCOMES]  # type: ignore[valid-type]
    text: str


@dataclass
class Decided:
    reference: str
    outcome: str


@dataclass
class NewNote:
    body: str


@dataclass
class NoteAdded:
    reference: str


@dataclass
class ExternalId:
    system: str
    id: str


@dataclass
class ExternalIdSet:
    reference: str
    system: str
    id: str


@dataclass
class DeliveryConfirmation:
    system: str | None = None


@dataclass
class Delivered:
    reference: str
    system: str
    delivered_at: datetime


@get(
    "/cases/{reference:str}/attachments/{attachment_id:str}",
    opt={"operation": "case.attachment_downloaded", "scope": "read"},
    responses={
        200: ResponseSpec(data_container=bytes, media_type="*/*", description="The file, with its own content type"),
        **_errors(403, 404),
    },
    summary="Download an attachment",
    description="A file the case's `attachments` lists (by its `public_id`), as a download with its content type.",
    media_type="application/octet-stream",
)
async def get_attachment(request: Request, reference: FromPath[str], attachment_id: FromPath[str]) -> Response:
    return attachment_response(await api.attachment(request.state.api_client, reference, attachment_id))


@get(
    "/cases/{reference:str}/pdf",
    opt={"operation": "case.pdf_downloaded", "scope": "read"},
    responses={
        200: ResponseSpec(data_container=bytes, media_type="application/pdf", description="The case as PDF"),
        **_errors(403, 404),
    },
    summary="The case as PDF",
    media_type="application/pdf",
)
async def get_pdf(request: Request, reference: FromPath[str]) -> Response:
    content = await api.pdf(request.app.state.settings, request.state.api_client, reference)
    return pdf_response(content, f"arende-{reference}.pdf" if reference.isascii() else "arende.pdf")


@post(
    "/cases/{reference:str}/supplement-requests",
    opt={"operation": "case.supplement_requested", "scope": "supplements"},
    responses=_errors(400, 403, 404, 409, 422),
    summary="Ask the applicant for a supplement",
    description="`fields`: ids of the answers the applicant may change; `due_date` today or later.",
    status_code=201,
)
async def request_supplement(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[SupplementRequest],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[SupplementRequested]:
    client = request.state.api_client

    async def work():
        return 201, await api.request_supplement(client, reference, data.text, data.due_date, data.fields or [])

    request_fields = {
        "op": "supplement",
        "reference": reference,
        "text": data.text,
        "due_date": data.due_date,
        "fields": data.fields,
    }
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


@post(
    "/cases/{reference:str}/decision",
    opt={"operation": "case.decided", "scope": "decisions"},
    responses=_errors(400, 403, 404, 409, 422),
    summary="Record the decision",
    description="Closes the case, as an officer's decision does; the applicant is told.",
    status_code=200,
)
async def decide(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[Decision],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[Decided]:
    client = request.state.api_client

    async def work():
        return 200, await api.decide(client, reference, data.outcome, data.text)

    request_fields = {"op": "decision", "reference": reference, "outcome": data.outcome, "text": data.text}
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


@post(
    "/cases/{reference:str}/notes",
    opt={"operation": "case.note_added", "scope": "notes"},
    responses=_errors(400, 403, 404, 422),
    summary="Add an internal note",
    description="For the officers only: never shown to the applicant, nor in GET /cases/{reference}.",
    status_code=201,
)
async def add_note(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[NewNote],
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[NoteAdded]:
    client = request.state.api_client

    async def work():
        return 201, await api.add_note(client, reference, data.body)

    request_fields = {"op": "note", "reference": reference, "body": data.body}
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


@put(
    "/cases/{reference:str}/external-id",
    opt={"operation": "case.external_id_set", "scope": "external_ids"},
    responses=_errors(403, 404, 422),
    summary="Set the case's id in the case management system",
    description="One per client and system: setting it again replaces it (PUT: a repeat has the same effect).",
    status_code=200,
)
async def set_external_id(request: Request, reference: FromPath[str], data: JSONBody[ExternalId]) -> ExternalIdSet:
    answer = await api.set_external_id(request.state.api_client, reference, data.system, data.id)
    return ExternalIdSet(**answer)


@post(
    "/cases/{reference:str}/delivery",
    opt={"operation": "case.delivery_confirmed", "scope": "read"},
    responses=_errors(400, 403, 404, 422),
    summary="Confirm that the case was received",
    description="The first confirmation's time stands; `system` defaults to the client's name. "
    "GET /cases?delivered=false lists the cases this client has not confirmed.",
    status_code=200,
)
async def confirm_delivery(
    request: Request,
    reference: FromPath[str],
    data: JSONBody[DeliveryConfirmation | None] = None,
    idempotency_key: Annotated[str | None, IDEMPOTENCY_KEY] = None,
) -> Response[Delivered]:
    client = request.state.api_client
    system = data.system if data else None

    async def work():
        return 200, await api.confirm_delivery(client, reference, system)

    request_fields = {"op": "delivery", "reference": reference, "system": system}
    return _answer(*await api.idempotent(client, idempotency_key, request_fields, work))


# Events (services/webhooks.py): the feed a webhook receiver catches up from.


@dataclass
class Event:
    id: str
    type: Literal["case.submitted", "case.supplemented", "message.received", "case.withdrawn", "case.deleted"]
    timestamp: str
    data: dict[str, Any]


@dataclass
class EventList:
    items: list[Event]
    next_cursor: str | None


@get(
    "/events",
    opt={"operation": "events.listed", "scope": "read"},
    responses=_errors(400, 403, 422),
    summary="Events",
    description=(
        "Events of the client's e-services after the cursor `after` (an event's id), oldest first; the same events, "
        "with the same ids and bodies, as the webhooks. `data` has the case's `reference` and `e_service`, and "
        "`message_id`, `supplement_id` or `reason` by type. `next_cursor`: ask again with it for what came since."
    ),
)
async def list_events(
    request: Request,
    after: FromQuery[str | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=api.MAX_PAGE)] = 50,
) -> EventList:
    page = await webhooks.list_events(request.state.api_client, after=after, limit=limit)
    return EventList(items=[Event(**item) for item in page["items"]], next_cursor=page["next_cursor"])


api_router = Router(
    path="/api/v1",
    route_handlers=[
        list_cases,
        get_case,
        change_status,
        post_message,
        get_attachment,
        get_pdf,
        request_supplement,
        decide,
        add_note,
        set_external_id,
        confirm_delivery,
        list_events,
    ],
    guards=[api_guard],
    include_in_schema=True,
    exception_handlers={
        Problem: _problem_handler,
        ValidationException: _validation_handler,
        DomainError: _domain_handler,
        HTTPException: _http_handler,
        Exception: _internal_handler,
    },
)
route_handlers = [api_router]
