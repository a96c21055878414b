"""The integration API's events and webhooks: a client's webhook (a URL and a Standard Webhooks secret, set by an
operator: cli/api_clients.py, /admin), its delivery log, the event feed /api/v1/events, and the one shape of an
event that both give. Events are written by the changes themselves (db/webhooks.py); jobs/webhooks.py delivers."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import urlsplit

from core import clock
from core.i18n import N_
from core.i18n import gettext as _
from db import api, audit, webhooks
from integrations.webhooks import new_secret
from services.api import MAX_PAGE, Client, Problem

EVENT_TYPES = webhooks.EVENT_TYPES
MAX_URL = 2000
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
MAX_EVENT_ID = 2**63 - 1  # the column is a BIGINT
DeliveryState = Literal["queued", "retrying", "delivered", "failed"]


# The shape of an event, in a webhook's body and in /api/v1/events alike.


def encode_event_id(number: int) -> str:
    """An event's public id: opaque, and the cursor that /api/v1/events?after= takes."""
    return base64.urlsafe_b64encode(f"event:{number}".encode()).decode().rstrip("=")


def decode_event_id(value: str) -> int:
    try:
        text = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "event" or not (number.isascii() and number.isdecimal()) or int(number) > MAX_EVENT_ID:
            raise ValueError(text)
        return int(number)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise Problem(400, "Bad Request", "The cursor is not valid.") from None


def _aware(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def event_payload(row: dict) -> dict:
    """`{"id", "type", "timestamp", "data": {"reference", "e_service", ...}}` (Standard Webhooks' type, timestamp
    and data); `row` is an api_event row (or a due delivery's, whose event id is `event_id`)."""
    return {
        "id": encode_event_id(row.get("event_id", row["id"])),
        "type": row["type"],
        "timestamp": _aware(row["occurred_at"]).isoformat(),
        "data": {"reference": row["case_reference"], "e_service": row["e_service"], **row["data"]},
    }


def event_body(row: dict) -> str:
    """The exact text a webhook sends and signs."""
    return json.dumps(event_payload(row), separators=(",", ":"), ensure_ascii=False)


# /api/v1/events


async def list_events(client: Client, *, after: str | None, limit: int) -> dict:
    """The client's events (of its e-services only) after the cursor, oldest first. `next_cursor` is the last
    event's id (or the cursor given, when nothing came since): asking again with it gives what happened since."""
    if not 1 <= limit <= MAX_PAGE:
        raise Problem(400, "Bad Request", f"limit must be 1 to {MAX_PAGE}.")
    position = decode_event_id(after) if after else 0
    rows = await webhooks.events_after(list(client.e_services), position, limit)
    items = [event_payload(row) for row in rows]
    return {"items": items, "next_cursor": items[-1]["id"] if items else after}


# Webhook subscriptions (operators: cli/api_clients.py and /admin).


class InvalidWebhook(ValueError):
    """What is wrong with a webhook: an English message id with its values. The command line prints it as it is;
    /admin shows it translated beside the address field."""

    def __init__(self, message: str, **values) -> None:
        self.message, self.values = message, values
        super().__init__(message % values)

    def translated(self) -> str:
        return _(self.message) % self.values


def check_url(url: str, *, allow_local_http: bool = False) -> str:
    """The URL if webhooks may go there: https, or (with `allow_local_http`: dev mode and tests) http to this
    machine. InvalidWebhook says what is wrong."""
    url = url.strip()
    if not url:
        raise InvalidWebhook(N_("Enter the address the events are sent to."))
    if len(url) > MAX_URL:
        raise InvalidWebhook(N_("The address may be at most %(max)d characters."), max=MAX_URL)
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        raise InvalidWebhook(N_("The address is not valid.")) from None
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.username or parts.password:
        raise InvalidWebhook(N_("The address must be like https://host/path, without a user name or password."))
    if parts.scheme == "http" and not (allow_local_http and _is_local(parts.hostname)):
        raise InvalidWebhook(N_("The address must start with https:// (http:// only to this machine, in dev mode)."))
    return url


def _is_local(host: str) -> bool:
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _client_row(name: str) -> dict:
    row = next((client for client in await api.clients() if client["name"] == name), None)
    if row is None:
        raise InvalidWebhook(N_("No such client."))
    return row


async def set_webhook(client: str, url: str, *, allow_local_http: bool = False, actor_id: int | None = None) -> str:
    """Send the client's events to `url` from now on, signed with a new secret; returns the secret (shown once: the
    operator hands it to the receiver). Setting it again replaces the URL and the secret (rotation): deliveries not
    yet made go to the new URL, signed with the new secret. InvalidWebhook says what is wrong. `actor_id`: the
    administrator (none from the command line)."""
    url = check_url(url, allow_local_http=allow_local_http)
    row = await _client_row(client)
    if row["revoked_at"] is not None:
        raise InvalidWebhook(N_("The client is revoked: it gets no webhooks."))
    secret = new_secret()
    await webhooks.set_subscription(row["id"], url, secret, clock.now())
    await audit.record("api_client.webhook_set", actor_id=actor_id, target=f"api_client:{row['id']}")
    return secret


async def remove_webhook(client: str, *, actor_id: int | None = None) -> bool:
    """No more webhooks for the client (deliveries not yet made are given up); False when it had none."""
    row = await _client_row(client)
    removed = await webhooks.remove_subscription(row["id"])
    if removed:
        await audit.record("api_client.webhook_removed", actor_id=actor_id, target=f"api_client:{row['id']}")
    return removed


async def webhook(client: str) -> dict | None:
    """`{"url", "created_at"}` of the client's webhook, or None; never the secret."""
    return await webhooks.subscription((await _client_row(client))["id"])


def delivery_state_labels() -> dict[str, str]:
    return {
        "queued": _("Waiting to be sent"),
        "retrying": _("Failed, will be tried again"),
        "delivered": _("Delivered"),
        "failed": _("Failed, given up"),
    }


def delivery_state(row: dict) -> DeliveryState:
    if row["delivered_at"] is not None:
        return "delivered"
    if row["failed_at"] is not None:
        return "failed"
    return "retrying" if row["attempts"] else "queued"


async def deliveries(client: str, limit: int = 50) -> list[dict]:
    """The client's newest deliveries, newest first: the event (`event_id`, `type`, `reference`, `e_service`), its
    `state` (queued, retrying, delivered, failed), `attempts`, `next_attempt_at`, the last status code or error, and
    `attempt_log`: every attempt's time, status code or error, and the next attempt it scheduled."""
    rows = await webhooks.deliveries_of((await _client_row(client))["id"], limit)
    return [
        {
            "id": row["id"],
            "event_id": encode_event_id(row["event_id"]),
            "type": row["type"],
            "reference": row["case_reference"],
            "e_service": row["e_service"],
            "created_at": _aware(row["created_at"]),
            "state": delivery_state(row),
            "attempts": row["attempts"],
            "next_attempt_at": _aware(row["next_attempt_at"]) if row["next_attempt_at"] else None,
            "delivered_at": _aware(row["delivered_at"]) if row["delivered_at"] else None,
            "last_status_code": row["last_status_code"],
            "last_error": row["last_error"],
            "attempt_log": [
                {
                    "at": _aware(attempt["at"]),
                    "status_code": attempt["status_code"],
                    "error": attempt["error"],
                    "next_attempt_at": _aware(attempt["next_attempt_at"]) if attempt["next_attempt_at"] else None,
                }
                for attempt in row["attempt_log"]
            ],
        }
        for row in rows
    ]
