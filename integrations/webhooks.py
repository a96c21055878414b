"""Webhooks as the Standard Webhooks specification (standardwebhooks.com) says: a secret `whsec_` + base64 of random
bytes, and each request signed with the headers `webhook-id` (the same on every retry), `webhook-timestamp` (Unix
seconds of the attempt) and `webhook-signature` = `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}` with
the secret's bytes (the standard library's hmac). `send` POSTs one signed message with httpx."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import httpx

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format, not a secret
SECRET_BYTES = 32  # the specification asks for 24 to 64
TIMEOUT_SECONDS = 10.0
USER_AGENT = "e-tjansteplattformen-webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key: the base64 after `whsec_`. ValueError when the secret is not of that form."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is whsec_ and base64") from None
    if not key:
        raise ValueError("a webhook secret may not be empty")
    return key


def signature(secret: str, message_id: str, timestamp: int, body: str) -> str:
    digest = hmac.new(secret_bytes(secret), f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: the receiver's status code, or the error that kept it from answering."""

    status_code: int | None
    error: str = ""

    @property
    def delivered(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


async def send(http: httpx.AsyncClient, url: str, secret: str, message_id: str, timestamp: int, body: str) -> Outcome:
    """POST `body` to `url`, signed; redirects are not followed (a 3xx is a failure, as the specification says)."""
    try:
        response = await http.post(
            url, content=body.encode(), headers=headers(secret, message_id, timestamp, body), follow_redirects=False
        )
    except httpx.TimeoutException as error:
        return Outcome(None, f"no answer within {http.timeout.read or TIMEOUT_SECONDS:g} s ({type(error).__name__})")
    except httpx.HTTPError as error:
        return Outcome(None, f"{type(error).__name__}: {error}"[:300])
    return Outcome(response.status_code, "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}")
