"""A BankID order between our handlers and BankID, for logging in and for signing alike.

An order in progress is a BankIdOrder row bound to the browser by a cookie token (stored hashed). Collect is called
at most once a second per order, whoever polls; the result is kept on the row so every poll can answer from it. A
completed order is claimed exactly once, however many polls arrive at the same moment.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from core import clock
from core.settings import Settings
from core.tokens import hash_token, new_token
from db import audit
from db import bankid as orders
from db.bankid import BankIdOrder
from integrations.bankid import (
    BankIdClient,
    BankIdError,
    CollectResult,
    Completion,
    WebDevice,
    collect_message,
    error_message,
)
from integrations.bankid.qr import qr_content

COLLECT_INTERVAL = timedelta(seconds=1)
MOBILE_HINTS = ("Mobi", "Android", "iPhone", "iPad")


@dataclass(frozen=True)
class Requester:
    """The browser asking, as BankID wants to know it (its address, user agent and the site's host name)."""

    ip: str
    user_agent: str
    hostname: str

    @property
    def mobile(self) -> bool:
        return any(hint in self.user_agent for hint in MOBILE_HINTS)


@dataclass(frozen=True)
class OrderState:
    status: str  # pending | failed | complete
    message: str
    completion: Completion | None = None  # only for the one poll that claimed the completed order


async def start_order(
    bankid: BankIdClient,
    settings: Settings,
    requester: Requester,
    *,
    purpose: str,
    same_device: bool,
    next_url: str,
    client_key: str = "",
    browser_key: str = "",
    return_path: str,
    sign_text: str | None = None,
    sign_payload: bytes | None = None,
    personal_number: str | None = None,
    draft_public_id: str = "",
    digest: str = "",
    replacing: BankIdOrder | None = None,
) -> str:
    """Start an auth order (or a sign order when `sign_text` is given); returns the browser's cookie token.
    `replacing` is the order this browser started before for the same purpose (it went back and started again):
    it is cancelled at BankID first, so it does not stay open there (and BankID refuses a second order for a
    person who has one open)."""
    if replacing is not None and replacing.status == "pending":
        await cancel(bankid, replacing)
    token = new_token()
    common = {
        "return_url": f"{settings.base_url}{return_path}" if same_device and requester.mobile else None,
        "web": WebDevice(
            referring_domain=requester.hostname or "localhost",
            user_agent=requester.user_agent,
            device_identifier=hash_token(token),
        ),
        "requirement": {"personalNumber": personal_number} if personal_number else None,
    }
    if sign_text is None:
        order = await bankid.auth(requester.ip, **common)
    else:
        order = await bankid.sign(requester.ip, sign_text, user_non_visible_data=sign_payload, **common)
    await orders.add_order(
        BankIdOrder(
            token_hash=hash_token(token),
            purpose=purpose,
            draft_public_id=draft_public_id,
            digest=digest,
            order_ref=order.order_ref,
            auto_start_token=order.auto_start_token,
            qr_start_token=order.qr_start_token,
            qr_start_secret=order.qr_start_secret,
            same_device=same_device,
            next_url=next_url,
            client_key=client_key,
            browser_key=browser_key,
            started_at=clock.now(),
        )
    )
    return token


async def order_for(token: str | None, purpose: str) -> BankIdOrder | None:
    order = await orders.order_for(token) if token else None
    return order if order is not None and order.purpose == purpose else None


def qr_for(order: BankIdOrder) -> str:
    """The animated QR code's content for this second; the secret never leaves the server."""
    elapsed = int((clock.now() - order.started_at).total_seconds())
    return qr_content(order.qr_start_token, order.qr_start_secret, max(0, elapsed))


def autostart_url(settings: Settings, order: BankIdOrder, return_path: str) -> str:
    """The link that opens the BankID app on this device. The real app returns by itself on a phone (returnUrl)
    and stays put on a computer (redirect=null); the simulator's page, in the same tab, goes back to `return_path`
    (the page that follows the order) when its user is done."""
    if settings.uses_bankid_simulator:
        return "/_dev/bankid/app?" + urlencode({"autostarttoken": order.auto_start_token, "redirect": return_path})
    return f"bankid:///?autostarttoken={order.auto_start_token}&redirect=null"


async def poll(bankid: BankIdClient, requester: Requester, order: BankIdOrder) -> OrderState:
    """Where the order stands: collects from BankID when due. A completed order is claimed by one poll only, which
    gets the completion data; the row keeps no secret after that."""
    now = clock.now()
    if order.status == "pending" and (order.last_collect_at is None or now - order.last_collect_at >= COLLECT_INTERVAL):
        try:
            result = await bankid.collect(order.order_ref)
        except BankIdError as error:
            await _fail(order, f"error:{error.error_code}")
            return OrderState("failed", error_message(error))
        if result.status == "complete" and result.completion is not None:
            claimed = await orders.claim_completion(order.id)
            order.status = "complete"
            return OrderState("complete", "", result.completion if claimed else None)
        order.status = "failed" if result.status == "failed" else "pending"
        order.hint_code = result.hint_code or ""
        order.last_collect_at = now
        await orders.save_progress(order)
        if order.status == "failed":
            await audit.record(f"{order.purpose}.failed", hint=order.hint_code)
    return OrderState(order.status, message_for(requester, order))


# How long a poll that finds the order completed by another poll waits for that poll to say where the user goes.
HANDLED_WAIT = timedelta(seconds=5)
HANDLED_WAIT_STEP = 0.1  # seconds


async def handled(order: BankIdOrder, next_url: str) -> None:
    """The one poll that claimed the completed order has recorded what it means: every other poll follows it."""
    order.next_url = next_url
    await orders.set_next_url(order.id, next_url)


async def wait_until_handled(token: str | None, purpose: str) -> str:
    """Where the poll that claimed this completed sign order sends the user, once it has said (polls cross: a second
    tab, or a poll that came while the first was recording the signature); "" if it has not said within
    HANDLED_WAIT. (A sign order's next_url stays empty until then; a login's is where the login returns to.)"""
    deadline = asyncio.get_running_loop().time() + HANDLED_WAIT.total_seconds()
    while True:
        order = await order_for(token, purpose)
        if order is None or order.next_url or asyncio.get_running_loop().time() >= deadline:
            return order.next_url if order is not None else ""
        await asyncio.sleep(HANDLED_WAIT_STEP)


def message_for(requester: Requester, order: BankIdOrder) -> str:
    if order.status == "failed" and order.hint_code.startswith("error:"):
        return error_message(BankIdError(order.hint_code.removeprefix("error:"), "", 0))
    result = CollectResult(
        order_ref=order.order_ref,
        status=order.status,  # type: ignore[arg-type]
        hint_code=order.hint_code or None,
        completion=None,
    )
    return collect_message(result, qr=not order.same_device, same_device_mobile=requester.mobile)


async def _fail(order: BankIdOrder, hint_code: str) -> None:
    order.status, order.hint_code = "failed", hint_code
    await orders.save_progress(order)
    await audit.record(f"{order.purpose}.failed", error=hint_code.removeprefix("error:"))


async def cancel(bankid: BankIdClient, order: BankIdOrder) -> None:
    if order.status == "pending":
        with contextlib.suppress(BankIdError):  # the order may already be gone; it ends here either way
            await bankid.cancel(order.order_ref)
    await orders.mark_cancelled(order.id)
    await audit.record(f"{order.purpose}.cancelled")


def shown_key(order: BankIdOrder) -> str:
    return f"{order.status}:{order.hint_code}"


async def remember_shown(order: BankIdOrder) -> None:
    """Polls answer 'no change' (204) while what the page shows is still true."""
    order.shown = shown_key(order)
    await orders.save_shown(order)
