"""The integration API's rules: API clients (created and revoked by administrators in /admin or on the command line;
a token shown once, kept as a hash, scoped to e-services and operations, with an expiry), who may call what, the
per-client rate limit, cursors, and the idempotency of POSTs. A client acts as a system, not as a person: its changes
are on the timeline as the case management system (`details.via = "api"` with the client's name), with no account
behind them.

Every call is audited as `api.<operation>` with the client's id (never personal data)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core import clock
from core.i18n import N_
from core.i18n import gettext as _
from core.tokens import hash_token, new_token
from db import api, audit, cases
from db import case_handling as handling
from db.case_handling import Stale
from services import case_handling, messages
from services.limits import window
from services.messages import Upload

SCOPES = ("read", "status", "messages", "supplements", "decisions", "notes", "external_ids")
MAX_PAGE = 100
MAX_NAME = 100
NAME_TAKEN = N_("A client with that name exists.")
MAX_TEXT = case_handling.MAX_TEXT
# Each client's calls are counted per window in the database like the site's other limits (services/limits.py); the
# ceiling is the setting API_RATE_LIMIT.
RATE_WINDOW = timedelta(minutes=1)
# How long a POST's answer is kept for its Idempotency-Key (the cleanup job deletes older ones).
IDEMPOTENCY_KEPT = timedelta(hours=24)


class Problem(Exception):
    """An RFC 9457 problem: routes/api.py answers it as application/problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        headers: dict[str, str] | None = None,
        errors: list[dict] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.headers = status, title, detail, headers or {}
        self.errors = errors  # for 422: {"source", "key", "message"} per invalid input


@dataclass(slots=True)
class CaseSummary:
    """A case in a list: made a page of 100 at a time, so a plain slotted dataclass msgspec encodes directly."""

    reference: str
    e_service: str
    status: str | None
    received_at: datetime
    changed_at: datetime
    closed: bool


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    e_services: tuple[str, ...]
    scopes: tuple[str, ...]


# Operators: /admin/api-klienter (routes/admin.py) and the command line (cli/api_clients.py) share these rules.


def scope_labels() -> dict[str, str]:
    """Each scope with what it allows, for the administrators' pages."""
    return {
        "read": _("List and fetch cases"),
        "status": _("Set a case's status"),
        "messages": _("Write messages to the applicant"),
        "supplements": _("Ask the applicant for a supplement"),
        "decisions": _("Record decisions"),
        "notes": _("Write internal notes"),
        "external_ids": _("Set the case's id in the case management system"),
    }


class InvalidClient(ValueError):
    """What is wrong with a new client, per field (`name`, `e_services`, `scopes`, `expires`): English message ids
    with their values. The command line prints them as they are; /admin shows each translated beside its field."""

    def __init__(self, problems: dict[str, tuple[str, dict]]) -> None:
        self.problems = problems
        super().__init__(" ".join(message % values for message, values in problems.values()))

    def translated(self) -> dict[str, str]:
        return {field: _(message) % values for field, (message, values) in self.problems.items()}


async def _check_new_client(name: str, e_services: list[str], scopes: list[str], expires: date | None) -> datetime:
    """The moment the client's last valid day ends (23:59:59 UTC), or InvalidClient with every problem found."""
    problems: dict[str, tuple[str, dict]] = {}
    if not name:
        problems["name"] = (N_("Enter a name for the client."), {})
    elif len(name) > MAX_NAME:
        problems["name"] = (N_("The name may be at most %(max)d characters."), {"max": MAX_NAME})
    elif any(client["name"] == name for client in await api.clients()):
        problems["name"] = (NAME_TAKEN, {})
    unknown = sorted(set(e_services) - await api.service_slugs())
    if not e_services:
        problems["e_services"] = (N_("Choose at least one e-service."), {})
    elif unknown:
        problems["e_services"] = (N_("Unknown e-services: %(slugs)s."), {"slugs": ", ".join(unknown)})
    if not scopes:
        problems["scopes"] = (N_("Choose at least one scope."), {})
    elif set(scopes) - set(SCOPES):
        problems["scopes"] = (N_("Scopes must be among: %(scopes)s."), {"scopes": ", ".join(SCOPES)})
    expires_at = datetime.combine(expires, time(23, 59, 59), tzinfo=UTC) if expires else None
    if expires_at is None:
        problems["expires"] = (N_("Enter the last valid day as a date, for example 2027-12-31."), {})
    elif expires_at <= clock.now():
        problems["expires"] = (N_("The last valid day has passed."), {})
    if problems:
        raise InvalidClient(problems)
    return expires_at


async def new_client(
    name: str, e_services: list[str], scopes: list[str], expires: date | None, *, actor_id: int | None = None
) -> tuple[int, str]:
    """A new client: (its id, its token). The token is shown once: only its hash is kept. InvalidClient says what
    is wrong. `actor_id`: the administrator who created it (none from the command line)."""
    name = name.strip()
    expires_at = await _check_new_client(name, e_services, scopes, expires)
    token = new_token()
    client_id = await api.create_client(
        name, hash_token(token), sorted(set(e_services)), sorted(set(scopes)), expires_at, clock.now()
    )
    if client_id is None:  # created meanwhile by another request
        raise InvalidClient({"name": (NAME_TAKEN, {})})
    await audit.record("api_client.created", actor_id=actor_id, target=f"api_client:{client_id}")
    return client_id, token


async def create_client(
    name: str, e_services: list[str], scopes: list[str], expires: date | None, *, actor_id: int | None = None
) -> str:
    """A new client's token (see new_client)."""
    return (await new_client(name, e_services, scopes, expires, actor_id=actor_id))[1]


async def revoke_client(name: str) -> bool:
    """Revoke by name (the command line); False when there is no such client or it is already revoked."""
    client_id = await api.revoke_client(name, clock.now())
    if client_id is not None:
        await audit.record("api_client.revoked", target=f"api_client:{client_id}")
    return client_id is not None


async def revoke_client_by_id(client_id: int, *, actor_id: int) -> bool:
    """Revoke from /admin: the administrator is the audit entry's actor. False when it was already revoked."""
    revoked = await api.revoke_client_by_id(client_id, clock.now())
    if revoked:
        await audit.record("api_client.revoked", actor_id=actor_id, target=f"api_client:{client_id}")
    return revoked


def _shown(row: dict) -> dict:
    """A client as the pages and the command line show it: `last_day` (the expiry's date) and `state` (active,
    expired or revoked) added."""
    expires_at = _utc(row["expires_at"]).astimezone(UTC)
    if row["revoked_at"] is not None:
        state = "revoked"
    elif expires_at <= clock.now():
        state = "expired"
    else:
        state = "active"
    return {**row, "last_day": expires_at.date(), "state": state}


async def clients() -> list[dict]:
    return [_shown(row) for row in await api.clients()]


async def client(client_id: int) -> dict | None:
    row = await api.client(client_id)
    return _shown(row) if row else None


async def service_choices() -> list[dict]:
    """The e-services a client can be given: slug and title, by title."""
    return await api.service_titles()


# Who is calling.


async def authenticate(
    authorization: str | None, operation: str, scope: str, *, rate_limit: int, target: str = ""
) -> Client:
    """The client behind a Bearer token, allowed `scope`, within `rate_limit` calls per RATE_WINDOW; the call is
    audited."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        await audit.record("api.refused", reason="no_token", operation=operation)
        raise _unauthorized("A Bearer token is required.")
    now = clock.now()
    number, ends_at = window(RATE_WINDOW, now)
    row = await api.client_for_call(
        hash_token(token.strip()),
        scope,
        now,
        window=(number, ends_at),
        rate_limit=rate_limit,
        action=f"api.{operation}",
        target=target,
    )
    if row is None:
        await audit.record("api.refused", reason="unknown_token", operation=operation)
        raise _unauthorized("The token is not valid.")
    if row["revoked_at"] is not None:
        await audit.record("api.refused", reason="revoked", client=row["id"], operation=operation)
        raise _unauthorized("The token has been revoked.")
    if row["hits"] is None:
        await audit.record("api.refused", reason="expired", client=row["id"], operation=operation)
        raise _unauthorized("The token has expired.")
    if row["hits"] > rate_limit:
        if row["hits"] == rate_limit + 1:
            await audit.record("rate_limited.api", client=row["id"])
        retry = str(max(1, int((ends_at - now).total_seconds())))
        raise Problem(429, "Too Many Requests", "The client's rate limit is reached.", {"Retry-After": retry})
    if scope not in row["scopes"]:
        await audit.record("api.refused", reason="scope", client=row["id"], operation=operation, target=target)
        raise Problem(403, "Forbidden", f"The token does not have the scope '{scope}'.")
    # Within the limit and the scope: client_for_call has written the call's audit entry.
    return Client(row["id"], row["name"], tuple(row["e_services"]), tuple(row["scopes"]))


def _utc(value: datetime) -> datetime:
    """A time given without a zone is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, {"WWW-Authenticate": 'Bearer realm="api"'})


# Cases.


def encode_cursor(changed_at: datetime, case_id: int) -> str:
    raw = json.dumps([changed_at.isoformat(), case_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        stamp, case_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not 0 <= int(case_id) < 2**31:  # case_record.id is an INTEGER: a larger number is no case's id
            raise ValueError(case_id)
        return _utc(datetime.fromisoformat(stamp)), int(case_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise Problem(400, "Bad Request", "The cursor is not valid.") from None


async def list_cases(
    client: Client,
    *,
    e_service: str | None,
    status: str | None,
    changed_since: datetime | None,
    cursor: str | None,
    limit: int,
    delivered: bool | None = None,
) -> dict:
    if not 1 <= limit <= MAX_PAGE:
        raise Problem(400, "Bad Request", f"limit must be 1 to {MAX_PAGE}.")
    slugs = list(client.e_services)
    if e_service is not None:
        slugs = [slug for slug in slugs if slug == e_service]
    rows = await api.list_cases(
        slugs,
        status_alias=status,
        changed_since=_utc(changed_since) if changed_since else None,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit + 1,
        delivered_to=None if delivered is None else (client.id, delivered),
    )
    page = rows[:limit]
    return {
        "items": [
            CaseSummary(
                row["reference"],
                row["slug"],
                row["status_alias"],
                row["received_at"],
                row["changed_at"],
                row["status"] == "closed",
            )
            for row in page
        ],
        "next_cursor": encode_cursor(page[-1]["changed_at"], page[-1]["id"]) if len(rows) > limit else None,
    }


async def _case(client: Client, reference: str) -> dict:
    case = await api.case_for_client(reference, list(client.e_services))
    if case is None:
        raise Problem(404, "Not Found", "No such case.")
    return case


async def case(client: Client, reference: str) -> dict:
    """The case as export() gives it to staff, without the officers' internal notes."""
    data = await case_handling.export(await _case(client, reference))
    data.pop("internal_notes", None)
    return data


def _printable(**texts: str | list[str] | None) -> None:
    """A NUL is no text (PostgreSQL refuses it): 422 naming the body's key, before anything is stored."""
    for key, value in texts.items():
        if any("\x00" in item for item in ([value] if isinstance(value, str) else value or [])):
            raise Problem(
                422,
                "Unprocessable Content",
                "The request's body is not valid.",
                errors=[{"source": "body", "key": key, "message": "A NUL character is not allowed."}],
            )


def _via(client: Client) -> dict:
    return {"via": "api", "client": client.name}


async def change_status(client: Client, reference: str, alias: str, message: str) -> dict:
    """The officers' rules (services.case_handling.change_status): an open case, a status of its e-service that does
    not close it (a decision closes), an optional message to the resident in the same change."""
    _printable(message=message)
    case = await _case(client, reference)
    if case["status"] == "closed":
        raise Problem(409, "Conflict", "The case is closed.")
    status = next((s for s in await cases.statuses_of(case["e_service"]) if s["alias"] == alias), None)
    if status is None or status["kind"] == "closed":
        raise Problem(422, "Unprocessable Content", f"'{alias}' is not a status this case can be given.")
    if len(message) > MAX_TEXT:
        raise Problem(422, "Unprocessable Content", f"The message may be at most {MAX_TEXT} characters.")
    try:
        await handling.change_status(
            case["id"], status, None, case["version"], clock.now(), message=message.strip(), via=_via(client)
        )
    except Stale:
        raise Problem(409, "Conflict", "The case changed meanwhile; try again.") from None
    return {"reference": reference, "status": alias}


async def post_message(
    client: Client, reference: str, body: str, attachments: list[tuple[str, str]] | None = None
) -> dict:
    """The officers' message (services.messages.post): files (`attachments`: filename and base64 content) checked by
    their content as the officers' are, within the case's quota."""
    attachments = attachments or []
    _printable(body=body, attachments=[filename for filename, _content in attachments])
    case = await _case(client, reference)
    if not case["allows_messages"]:
        raise Problem(409, "Conflict", "The e-service does not take messages.")
    body = body.strip()
    if (not body and not attachments) or len(body) > MAX_TEXT:
        raise Problem(422, "Unprocessable Content", f"The body must be 1 to {MAX_TEXT} characters.")
    uploads = []
    for number, (filename, content) in enumerate(attachments):
        try:
            uploads.append(Upload(filename, base64.b64decode(content, validate=True)))
        except (binascii.Error, ValueError):
            raise _invalid({"message-file": f"Attachment {number + 1}: content_base64 is not base64."}) from None
    message_id, errors = await messages.post(
        case, None, body, uploads, from_officer=True, max_length=MAX_TEXT, via=_via(client)
    )
    if errors:
        raise _invalid(errors)
    return {"reference": reference, "message_id": message_id}


async def forget_old_keys() -> int:
    return await api.delete_keys_before(clock.now() - IDEMPOTENCY_KEPT)


# Idempotency: the first answer to a key is kept and given again; the work is done once.


async def idempotent(client: Client, key: str | None, request: object, work) -> tuple[int, dict, bool]:
    """(status code, body, replayed). `request` is what the call asked (a replay with other content is refused)."""
    if key is None:
        return *(await work()), False
    if not 1 <= len(key) <= 200:
        raise Problem(400, "Bad Request", "Idempotency-Key must be 1 to 200 characters.")
    fingerprint = hashlib.sha256(json.dumps(request, sort_keys=True, default=str).encode()).hexdigest()
    if await api.claim_key(client.id, key, fingerprint, clock.now()):
        try:
            status_code, body = await work()
        except BaseException:
            await api.release_key(client.id, key)
            raise
        await api.keep_answer(client.id, key, status_code, json.dumps(body))
        return status_code, body, False
    kept = await api.kept_answer(client.id, key)
    if kept is None:  # released meanwhile (the first attempt failed): try again
        raise Problem(409, "Conflict", "A request with this Idempotency-Key failed meanwhile; retry.")
    if kept["request_hash"] != fingerprint:
        raise Problem(422, "Unprocessable Content", "The Idempotency-Key was used for a different request.")
    if not kept["status_code"]:
        raise Problem(409, "Conflict", "A request with this Idempotency-Key is still being processed; retry.")
    return kept["status_code"], json.loads(kept["body"]), True


# Files, supplements, decisions, notes, external ids and deliveries: each through the officers' rules
# (services.case_handling), the API client in place of the officer.


async def attachment(client: Client, reference: str, public_id: str) -> dict:
    """A file of the case (one the case's `attachments` lists), with its content."""
    row = await case_handling.attachment(await _case(client, reference), public_id)
    if row is None:
        raise Problem(404, "Not Found", "No such attachment.")
    return row


async def pdf(settings, client: Client, reference: str) -> bytes:
    return await case_handling.pdf(settings, await _case(client, reference))


# The officers' input ids (services.case_handling) as the API's body keys, for 422 answers.
_BODY_KEYS = {
    "supplement-message": "text",
    "supplement-due": "due_date",
    "decision-outcome": "outcome",
    "decision-text": "text",
    "note-body": "body",
    "message-text": "body",
    "message-file": "attachments",
}


def _invalid(errors: dict[str, str]) -> Problem:
    where = [{"source": "body", "key": _BODY_KEYS.get(key, key), "message": message} for key, message in errors.items()]
    return Problem(422, "Unprocessable Content", "The request's body is not valid.", errors=where)


def _open_case(case: dict) -> None:
    if case["status"] == "closed":
        raise Problem(409, "Conflict", "The case is closed.")


def _within(key: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise _invalid({key: f"At most {MAX_TEXT} characters."})


async def request_supplement(client: Client, reference: str, text: str, due_date: date, fields: list[str]) -> dict:
    """The officers' rules (services.case_handling.supplement_request); `fields` must be among those an officer may
    open (services.case_handling.reopenable_fields)."""
    _printable(text=text, fields=fields)
    case = await _case(client, reference)
    _open_case(case)
    if not case["allows_supplement"]:
        raise Problem(409, "Conflict", "The e-service does not take supplements.")
    _within("text", text)
    reopenable = {f.id for f in case_handling.reopenable_fields(case)}
    unknown = sorted(set(fields) - reopenable)
    if unknown:
        raise _invalid({"fields": f"Not fields the applicant can change: {', '.join(unknown)}."})
    errors = await case_handling.supplement_request(
        case, None, text, due_date, list(dict.fromkeys(fields)), case["version"], via=_via(client)
    )
    if errors:
        raise _invalid(errors)
    return {"reference": reference, "due_date": due_date.isoformat(), "fields": list(dict.fromkeys(fields))}


async def decide(client: Client, reference: str, outcome: str, text: str) -> dict:
    """The officers' rules (services.case_handling.decision): the decision closes the case."""
    _printable(text=text)
    case = await _case(client, reference)
    _open_case(case)
    _within("text", text)
    errors = await case_handling.decision(case, None, outcome, text, case["version"], via=_via(client))
    if errors:
        raise _invalid(errors)
    return {"reference": reference, "outcome": outcome}


async def add_note(client: Client, reference: str, body: str) -> dict:
    """An internal note (services.case_handling.note), by the system: never shown to the resident, nor by GET."""
    _printable(body=body)
    case = await _case(client, reference)
    _within("body", body)
    errors = await case_handling.note(case, None, body, [], via_client=client.name)
    if errors:
        raise _invalid(errors)
    return {"reference": reference}


MAX_SYSTEM, MAX_EXTERNAL_ID = 100, 200


def _system(system: str) -> str:
    system = system.strip()
    if not 1 <= len(system) <= MAX_SYSTEM:
        raise _invalid({"system": f"The system's name must be 1 to {MAX_SYSTEM} characters."})
    return system


async def set_external_id(client: Client, reference: str, system: str, external_id: str) -> dict:
    """The case's id in the client's `system` (one per client and system; setting it again replaces it)."""
    _printable(system=system, id=external_id)
    case = await _case(client, reference)
    system, external_id = _system(system), external_id.strip()
    if not 1 <= len(external_id) <= MAX_EXTERNAL_ID:
        raise _invalid({"id": f"The id must be 1 to {MAX_EXTERNAL_ID} characters."})
    await api.set_external_id(case["id"], client.id, system, external_id, clock.now())
    return {"reference": reference, "system": system, "id": external_id}


async def confirm_delivery(client: Client, reference: str, system: str | None) -> dict:
    """The client has received the case; the first confirmation's time and system stand (a repeat changes
    nothing). `system` defaults to the client's name."""
    _printable(system=system)
    case = await _case(client, reference)
    delivery = await api.confirm_delivery(
        case["id"], client.id, _system(system) if system is not None else client.name, clock.now()
    )
    return {"reference": reference, "system": delivery["system"], "delivered_at": delivery["delivered_at"].isoformat()}
