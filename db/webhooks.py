"""The integration API's event log and webhooks: tables and queries. An event (`EVENT_TYPES`) is written in the same
transaction as the change that causes it (`record_event`), with one delivery per client that subscribed to webhooks
and may see the event's e-service; jobs/webhooks.py delivers them, and /api/v1/events reads the log.

Event ids come from a counter row that the writing transaction holds until it commits, so ids are committed in
their order: a reader that has seen event n never later finds a new event below n (a sequence would hand out ids
whose transactions commit out of order, and a reader paging by id would skip the slower one)."""

from __future__ import annotations

import json
from datetime import datetime

from piccolo.columns import JSON, BigInt, ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from db.engine import fetch, json_column, write_transaction

EVENT_TYPES = ("case.submitted", "case.supplemented", "message.received", "case.withdrawn", "case.deleted")
_API_CLIENT = LazyTableReference("ApiClient", module_path="db.api")


class ApiEvent(Table, tablename="api_event"):
    """Something that happened to a case, for the integration API. No personal data: the case's reference number,
    its e-service and ids (`data`)."""

    id = BigInt(primary_key=True, help_text="From api_event_counter: ids are committed in order.")
    type = Varchar(length=40)
    case_reference = Varchar(length=20)
    e_service = Varchar(length=80, index=True, help_text="The e-service's slug.")
    occurred_at = Timestamptz()
    data = JSON(default="{}")


class ApiEventCounter(Table, tablename="api_event_counter"):
    """One row: the last event id handed out."""

    id = Serial(primary_key=True)
    last = BigInt(default=0)


class WebhookSubscription(Table, tablename="webhook_subscription"):
    """Where a client wants its events, and the secret they are signed with (Standard Webhooks: `whsec_` and the
    base64 of random bytes). The platform must read the secret to sign, so it is kept as it is, like the rest of the
    database; it is shown once when set and never again (README: Webhooks)."""

    id = Serial(primary_key=True)
    client = ForeignKey(references=_API_CLIENT, on_delete=OnDelete.cascade, null=False, unique=True)
    url = Varchar(length=2000)
    secret = Varchar(length=100)
    created_at = Timestamptz()


class WebhookDelivery(Table, tablename="webhook_delivery"):
    """One event to one client. `next_attempt_at` is None once it is done: delivered, or given up (`failed_at`)."""

    id = Serial(primary_key=True)
    event = ForeignKey(references=ApiEvent, on_delete=OnDelete.cascade, null=False)
    client = ForeignKey(references=_API_CLIENT, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None, index=True)
    delivered_at = Timestamptz(null=True, default=None)
    failed_at = Timestamptz(null=True, default=None)
    last_status_code = Integer(null=True, default=None)
    last_error = Varchar(length=500, default="")


class WebhookAttempt(Table, tablename="webhook_attempt"):
    """The delivery log: one row per attempt, with the receiver's status code or the error, and the next attempt."""

    id = Serial(primary_key=True)
    delivery = ForeignKey(references=WebhookDelivery, on_delete=OnDelete.cascade, null=False, index=True)
    at = Timestamptz()
    status_code = Integer(null=True, default=None)
    error = Varchar(length=500, default="")
    next_attempt_at = Timestamptz(null=True, default=None)


# Writing events: call inside the transaction of the change (db/cases.py, db/messages.py, db/retention.py), as its
# last statement: the counter row stays locked until the transaction commits.


async def record_event(event_type: str, case_id: int, occurred_at: datetime, data: dict | None = None) -> None:
    """An event about the case `case_id`, and its deliveries."""
    rows = await fetch(
        "SELECT c.reference, e.slug FROM case_record c JOIN e_service e ON e.id = c.e_service WHERE c.id = {}", case_id
    )
    if rows:
        await record_events(event_type, [(rows[0]["reference"], rows[0]["slug"])], occurred_at, data)


async def record_events(
    event_type: str, cases: list[tuple[str, str]], occurred_at: datetime, data: dict | None = None
) -> None:
    """One event per case of `cases` (reference, e-service slug), and their deliveries."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    if not cases:
        return
    last = await _take_ids(len(cases))
    events = [
        ApiEvent(
            id=last - len(cases) + number,
            type=event_type,
            case_reference=reference,
            e_service=slug,
            occurred_at=occurred_at,
            data=json.dumps(data or {}),
        )
        for number, (reference, slug) in enumerate(cases, start=1)
    ]
    await ApiEvent.insert(*events)
    subscribers = await fetch(
        "SELECT s.client, c.e_services FROM webhook_subscription s JOIN api_client c ON c.id = s.client "
        "WHERE c.revoked_at IS NULL AND c.expires_at > {}",
        occurred_at,
    )
    deliveries = [
        WebhookDelivery(event=event.id, client=row["client"], created_at=occurred_at, next_attempt_at=occurred_at)
        for event in events
        for row in subscribers
        if event.e_service in json_column(row["e_services"], [])
    ]
    if deliveries:
        await WebhookDelivery.insert(*deliveries)


async def _take_ids(count: int) -> int:
    """Reserve `count` event ids; returns the last. The counter row is created when missing (after the highest id)."""
    for _attempt in range(2):
        rows = await fetch("UPDATE api_event_counter SET last = last + {} WHERE id = 1 RETURNING last", count)
        if rows:
            return int(rows[0]["last"])
        await fetch(
            "INSERT INTO api_event_counter (id, last) SELECT 1, COALESCE(MAX(id), 0) FROM api_event WHERE true "
            "ON CONFLICT (id) DO NOTHING"
        )
    raise RuntimeError("event counter could not be created")


# Reading events (/api/v1/events).


async def events_after(slugs: list[str], after: int, limit: int) -> list[dict]:
    """Events of the e-services `slugs` with an id above `after`, in id order."""
    if not slugs:
        return []
    marks = ", ".join("{}" for _ in slugs)
    rows = await fetch(
        "SELECT id, type, case_reference, e_service, occurred_at, data FROM api_event "  # noqa: S608
        f"WHERE id > {{}} AND e_service IN ({marks}) ORDER BY id LIMIT {int(limit)}",
        after,
        *slugs,
    )
    for row in rows:
        row["data"] = json_column(row["data"], {})
    return rows


async def delete_events_before(before: datetime) -> int:
    """The retention job: events (and their deliveries and log) older than `before`."""
    deleted = await ApiEvent.delete().where(ApiEvent.occurred_at < before).returning(ApiEvent.id)
    return len(deleted)


# Subscriptions.


async def set_subscription(client_id: int, url: str, secret: str, now: datetime) -> None:
    async with write_transaction():
        await WebhookSubscription.delete().where(WebhookSubscription.client == client_id)
        await WebhookSubscription.insert(WebhookSubscription(client=client_id, url=url, secret=secret, created_at=now))


async def remove_subscription(client_id: int) -> bool:
    deleted = (
        await WebhookSubscription.delete()
        .where(WebhookSubscription.client == client_id)
        .returning(WebhookSubscription.id)
    )
    return bool(deleted)


async def subscription(client_id: int) -> dict | None:
    """The client's webhook URL and when it was set (not the secret)."""
    rows = await fetch("SELECT url, created_at FROM webhook_subscription WHERE client = {}", client_id)
    return rows[0] if rows else None


# Delivering (jobs/webhooks.py holds the rules: batches, backoff, giving up).


async def due_deliveries(now: datetime, limit: int) -> list[dict]:
    """Deliveries whose next attempt is due, oldest event first, with the event, where to send it and how to sign
    it (`url` and `secret` None when the client no longer subscribes), and whether the client is still valid."""
    rows = await fetch(
        "SELECT d.id, d.client, d.attempts, e.id AS event_id, e.type, e.case_reference, e.e_service, "  # noqa: S608
        "e.occurred_at, e.data, s.url, s.secret, "
        "CASE WHEN c.revoked_at IS NULL AND c.expires_at > {} THEN 1 ELSE 0 END AS valid "
        "FROM webhook_delivery d JOIN api_event e ON e.id = d.event JOIN api_client c ON c.id = d.client "
        "LEFT JOIN webhook_subscription s ON s.client = d.client "
        f"WHERE d.next_attempt_at <= {{}} ORDER BY e.id, d.id LIMIT {int(limit)}",
        now,
        now,
    )
    for row in rows:
        row["data"] = json_column(row["data"], {})
        row["valid"] = bool(row["valid"])
    return rows


async def record_attempt(
    delivery_id: int,
    at: datetime,
    *,
    attempts: int,
    status_code: int | None,
    error: str,
    delivered: bool,
    next_attempt_at: datetime | None,
) -> None:
    """The attempt's log row and the delivery's new state, together. Neither delivered nor to be tried again
    (`next_attempt_at` None): given up."""
    async with write_transaction():
        await WebhookAttempt.insert(
            WebhookAttempt(
                delivery=delivery_id, at=at, status_code=status_code, error=error, next_attempt_at=next_attempt_at
            )
        )
        await WebhookDelivery.update(
            {
                WebhookDelivery.attempts: attempts,
                WebhookDelivery.next_attempt_at: next_attempt_at,
                WebhookDelivery.delivered_at: at if delivered else None,
                WebhookDelivery.failed_at: None if delivered or next_attempt_at else at,
                WebhookDelivery.last_status_code: status_code,
                WebhookDelivery.last_error: error,
            }
        ).where(WebhookDelivery.id == delivery_id)


async def deliveries_of(client_id: int, limit: int) -> list[dict]:
    """The client's newest deliveries, newest first, each with its attempts (oldest first)."""
    rows = await fetch(
        "SELECT d.id, d.created_at, d.attempts, d.next_attempt_at, d.delivered_at, d.failed_at, "  # noqa: S608
        "d.last_status_code, "
        "d.last_error, e.id AS event_id, e.type, e.case_reference, e.e_service "
        "FROM webhook_delivery d JOIN api_event e ON e.id = d.event "
        f"WHERE d.client = {{}} ORDER BY d.id DESC LIMIT {int(limit)}",
        client_id,
    )
    if not rows:
        return rows
    marks = ", ".join("{}" for _ in rows)
    attempts = await fetch(
        "SELECT delivery, at, status_code, error, next_attempt_at FROM webhook_attempt "  # noqa: S608
        f"WHERE delivery IN ({marks}) ORDER BY id",
        *[row["id"] for row in rows],
    )
    by_delivery: dict[int, list[dict]] = {}
    for attempt in attempts:
        by_delivery.setdefault(attempt.pop("delivery"), []).append(attempt)
    for row in rows:
        row["attempt_log"] = by_delivery.get(row["id"], [])
    return rows


async def delivery_counts() -> dict[str, int]:
    """For monitoring: deliveries waiting (never tried, or to be retried), and given up."""
    rows = await fetch(
        "SELECT SUM(CASE WHEN next_attempt_at IS NOT NULL AND attempts = 0 THEN 1 ELSE 0 END) AS queued, "
        "SUM(CASE WHEN next_attempt_at IS NOT NULL AND attempts > 0 THEN 1 ELSE 0 END) AS retrying, "
        "SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END) AS failed FROM webhook_delivery"
    )
    return {name: int(rows[0][name] or 0) for name in ("queued", "retrying", "failed")}
