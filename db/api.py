"""The integration API's tables and queries: API clients (a hashed token, the e-services and operations it may use,
an expiry), the answers kept for idempotency keys, and the case queries of /api/v1 (submitted cases of the client's
e-services only: drafts are never cases)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from db import audit, limits
from db.case_handling import CASE_VIEW_SQL, case_view_row
from db.engine import fetch, is_unique_violation, json_column, writes_in_with


class ApiClient(Table, tablename="api_client"):
    """A case-management system allowed to use /api/v1; the token itself is shown once and only its hash is kept."""

    id = Serial(primary_key=True)
    name = Varchar(length=100, unique=True)
    token_hash = Varchar(length=64, unique=True)
    e_services = JSON(default="[]", help_text="Slugs of the e-services whose cases it may see.")
    scopes = JSON(default="[]", help_text="Operations it may do: read, status, messages.")
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class ApiIdempotency(Table, tablename="api_idempotency"):
    """The first answer to a POST with an Idempotency-Key, per client; `claim` (client id and key) is unique, so two
    requests with the same key cannot both do the work."""

    id = Serial(primary_key=True)
    client = ForeignKey(references=ApiClient, on_delete=OnDelete.cascade, null=False)
    claim = Varchar(length=300, unique=True, help_text="client id:key")
    request_hash = Varchar(length=64, default="")
    status_code = Integer(default=0, help_text="0 while the first request is still being answered.")
    body = Text(default="")
    created_at = Timestamptz()


def _client_row(row: dict) -> dict:
    row["e_services"] = json_column(row["e_services"], [])
    row["scopes"] = json_column(row["scopes"], [])
    return row


async def create_client(
    name: str, token_hash: str, e_services: list[str], scopes: list[str], expires_at: datetime, now: datetime
) -> int | None:
    """The new client's id; None when another request took the name first."""
    try:
        rows = await ApiClient.insert(
            ApiClient(
                name=name,
                token_hash=token_hash,
                e_services=json.dumps(e_services),
                scopes=json.dumps(scopes),
                created_at=now,
                expires_at=expires_at,
            )
        ).returning(ApiClient.id)
    except Exception as error:
        if is_unique_violation(error):
            return None
        raise
    return rows[0]["id"]


async def revoke_client(name: str, now: datetime) -> int | None:
    """Revoke the client called `name`; its id, or None when there is none or it is already revoked."""
    updated = (
        await ApiClient.update({ApiClient.revoked_at: now})
        .where((ApiClient.name == name) & ApiClient.revoked_at.is_null())
        .returning(ApiClient.id)
    )
    return updated[0]["id"] if updated else None


async def revoke_client_by_id(client_id: int, now: datetime) -> bool:
    updated = (
        await ApiClient.update({ApiClient.revoked_at: now})
        .where((ApiClient.id == client_id) & ApiClient.revoked_at.is_null())
        .returning(ApiClient.id)
    )
    return bool(updated)


# Everything but the token's hash: lists and pages have no use for it.
_SHOWN = ApiClient.all_columns(exclude=[ApiClient.token_hash])


async def clients() -> list[dict]:
    return [_client_row(row) for row in await ApiClient.select(*_SHOWN).order_by(ApiClient.name)]


async def client(client_id: int) -> dict | None:
    row = await ApiClient.select(*_SHOWN).where(ApiClient.id == client_id).first()
    return _client_row(row) if row else None


async def client_by_token_hash(token_hash: str) -> dict | None:
    rows = await fetch(
        "SELECT id, name, e_services, scopes, expires_at, revoked_at FROM api_client WHERE token_hash = {}",
        token_hash,
    )
    return _client_row(rows[0]) if rows else None


async def client_for_call(
    token_hash: str,
    scope: str,
    now: datetime,
    *,
    window: tuple[str, datetime],
    rate_limit: int,
    action: str,
    target: str,
) -> dict | None:
    """The client with this token (None: no such token), and `hits`: its calls in the rate window
    (`window`: the window's number and end) counting this one, or None when the token is revoked or expired (not
    counted). When the client has `scope` and is within `rate_limit`, the call's audit entry is appended. Every API
    call starts here: on PostgreSQL it is one statement."""
    number, ends_at = window
    if not writes_in_with():
        client = await client_by_token_hash(token_hash)
        if client is None:
            return None
        client["hits"] = None
        if client["revoked_at"] is None and _aware(client["expires_at"]) > now:
            client["hits"] = await limits.hit(f"api:c:{client['id']}:{number}", ends_at)
            if client["hits"] <= rate_limit and scope in client["scopes"]:
                await audit.record(action, target=target, client=client["id"])
        return client
    rows = await fetch(
        "WITH c AS (SELECT id, name, e_services, scopes, expires_at, revoked_at FROM api_client "
        "WHERE token_hash = {}), "
        "hit AS (INSERT INTO rate_counter (key, window_ends_at, hits) "
        "SELECT 'api:c:' || c.id || ':' || {}, {}, 1 FROM c WHERE c.revoked_at IS NULL AND c.expires_at > {} "
        "ON CONFLICT (key) DO UPDATE SET hits = rate_counter.hits + 1 RETURNING hits), "
        "entry AS (INSERT INTO audit_entry (at, actor, action, target, details) "
        "SELECT {}, NULL, {}, {}, json_build_object('client', c.id) FROM c, hit "
        "WHERE hit.hits <= {} AND c.scopes::jsonb ? {}) "
        "SELECT c.*, (SELECT hits FROM hit) AS hits FROM c",
        token_hash,
        str(number),
        ends_at,
        now,
        now,
        action,
        target,
        rate_limit,
        scope,
    )
    return _client_row(rows[0]) if rows else None


def _aware(value) -> datetime:
    if isinstance(value, str):  # SQLite, where a compound SELECT loses the column's type
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def service_slugs() -> set[str]:
    return {row["slug"] for row in await fetch("SELECT slug FROM e_service")}


async def service_titles() -> list[dict]:
    """Every e-service a client can be given (published or not), by title: slug and title."""
    return await fetch("SELECT slug, title FROM e_service ORDER BY title, slug")


# One e-service's cases (by its slug) with what a list item shows.
_LISTED = (
    "SELECT c.id, c.reference, c.received_at, c.status, CAST({} AS VARCHAR(100)) AS slug, s.alias AS status_alias, "
    "c.changed_at FROM case_record c LEFT JOIN case_status s ON s.id = c.status_id "
    "WHERE c.e_service = (SELECT id FROM e_service WHERE slug = {})"
)


async def list_cases(
    slugs: list[str],
    *,
    status_alias: str | None,
    changed_since: datetime | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[dict]:
    """Cases of the e-services `slugs`, oldest change first, by (changed_at, id) after the cursor `after`.

    One branch per e-service, each reading its first `limit` rows from the index (e_service, changed_at, id) from the
    cursor on, merged and cut to `limit`: a page costs the same wherever the cursor is and however many cases there
    are."""
    if not slugs:
        return []
    conditions, arguments = [], []
    if status_alias:
        conditions.append("s.alias = {}")
        arguments.append(status_alias)
    if changed_since is not None:
        conditions.append("c.changed_at >= {}")
        arguments.append(changed_since)
    if after is not None:
        conditions.append("(c.changed_at, c.id) > ({}, {})")
        arguments += list(after)
    where = "".join(f" AND {condition}" for condition in conditions)
    branch = f"{_LISTED}{where} ORDER BY c.changed_at, c.id LIMIT {int(limit)}"
    statement = " UNION ALL ".join(f"SELECT * FROM ({branch}) b{number}" for number in range(len(slugs)))  # noqa: S608
    rows = await fetch(
        f"SELECT * FROM ({statement}) t ORDER BY t.changed_at, t.id LIMIT {int(limit)}",  # noqa: S608
        *[argument for slug in slugs for argument in (slug, slug, *arguments)],
    )
    for row in rows:
        row["received_at"], row["changed_at"] = _aware(row["received_at"]), _aware(row["changed_at"])
    return rows


async def case_for_client(reference: str, slugs: list[str]) -> dict | None:
    """The case with this reference if it belongs to one of the e-services `slugs` (the shape of the officers' case
    view, so services.case_handling works on it); None otherwise, the same answer as no case."""
    if not slugs:
        return None
    rows = await fetch(
        f"{CASE_VIEW_SQL}WHERE c.reference = {{}} AND e.slug IN ({', '.join('{}' for _ in slugs)})",
        0,
        reference,
        *slugs,
    )
    return case_view_row(rows)


async def claim_key(client_id: int, key: str, request_hash: str, now: datetime) -> bool:
    """Take the key for this request; False when a request with it came first (one statement: atomic on both
    databases)."""
    rows = await fetch(
        "INSERT INTO api_idempotency (client, claim, request_hash, status_code, body, created_at) "
        "VALUES ({}, {}, {}, 0, '', {}) ON CONFLICT (claim) DO NOTHING RETURNING id",
        client_id,
        f"{client_id}:{key}",
        request_hash,
        now,
    )
    return bool(rows)


async def kept_answer(client_id: int, key: str) -> dict | None:
    rows = await fetch(
        "SELECT request_hash, status_code, body FROM api_idempotency WHERE claim = {}", f"{client_id}:{key}"
    )
    return rows[0] if rows else None


async def keep_answer(client_id: int, key: str, status_code: int, body: str) -> None:
    await ApiIdempotency.update({ApiIdempotency.status_code: status_code, ApiIdempotency.body: body}).where(
        ApiIdempotency.claim == f"{client_id}:{key}"
    )


async def release_key(client_id: int, key: str) -> None:
    """The request failed without effect: the key may be used again."""
    await ApiIdempotency.delete().where(ApiIdempotency.claim == f"{client_id}:{key}")


async def delete_keys_before(before: datetime) -> int:
    deleted = await ApiIdempotency.delete().where(ApiIdempotency.created_at < before).returning(ApiIdempotency.id)
    return len(deleted)
