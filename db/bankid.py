"""BankID orders in progress (logins and signatures), each bound to the browser that started it by a cookie token
kept hashed. Table and queries; services/bankid.py runs the orders."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import Boolean, Serial, Timestamptz, Varchar
from piccolo.table import Table

from core.tokens import hash_token


class BankIdOrder(Table, tablename="bankid_order"):
    """A BankID order in progress (a login, or signing an application), bound to the browser that started it by a
    cookie token (stored hashed)."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    purpose = Varchar(length=10, default="login", help_text="login | sign")
    draft_public_id = Varchar(length=36, default="", help_text="Signing: the draft being signed.")
    digest = Varchar(length=64, default="", help_text="Signing: what the signer is signing.")
    order_ref = Varchar(length=64)
    auto_start_token = Varchar(length=64, default="")
    qr_start_token = Varchar(length=64, default="")
    qr_start_secret = Varchar(length=64, default="", secret=True)
    same_device = Boolean(default=False)
    next_url = Varchar(length=500, default="")
    client_key = Varchar(length=64, default="", help_text="HMAC of the client IP, for rate limiting.")
    browser_key = Varchar(length=64, default="", help_text="HMAC of the browser's CSRF cookie, for rate limiting.")
    started_at = Timestamptz()
    status = Varchar(length=20, default="pending")
    hint_code = Varchar(length=50, default="")
    shown = Varchar(length=80, default="", help_text="The status last shown, so polls can answer 'no change'.")
    last_collect_at = Timestamptz(null=True, default=None)


async def add_order(order: BankIdOrder) -> None:
    await BankIdOrder.insert(order)


async def order_for(token: str) -> BankIdOrder | None:
    return await BankIdOrder.objects().where(BankIdOrder.token_hash == hash_token(token)).first()


async def claim_completion(order_id: int) -> bool:
    """Mark a pending order complete and forget its QR secret; True for the one caller that did it."""
    claimed = (
        await BankIdOrder.update({BankIdOrder.status: "complete", BankIdOrder.qr_start_secret: ""})
        .where((BankIdOrder.id == order_id) & (BankIdOrder.status == "pending"))
        .returning(BankIdOrder.id)
    )
    return bool(claimed)


async def set_next_url(order_id: int, next_url: str) -> None:
    """Where the signer goes now that the completed order has been handled (the other polls follow)."""
    await BankIdOrder.update({BankIdOrder.next_url: next_url}).where(BankIdOrder.id == order_id)


async def save_progress(order: BankIdOrder) -> None:
    """Store the order's status, hint code and when it was last collected."""
    await order.save([BankIdOrder.status, BankIdOrder.hint_code, BankIdOrder.last_collect_at])


async def save_shown(order: BankIdOrder) -> None:
    await order.save([BankIdOrder.shown])


async def mark_cancelled(order_id: int) -> None:
    await BankIdOrder.update({BankIdOrder.status: "cancelled", BankIdOrder.qr_start_secret: ""}).where(
        BankIdOrder.id == order_id
    )


async def login_starts_since(client_key: str, browser_key: str, since: datetime) -> tuple[int, int]:
    """Login orders started since `since` from this client address, and from this browser (at any address)."""
    recent = (BankIdOrder.started_at >= since) & (BankIdOrder.purpose == "login")
    from_address = await BankIdOrder.count().where(recent & (BankIdOrder.client_key == client_key))
    from_browser = await BankIdOrder.count().where(recent & (BankIdOrder.browser_key == browser_key))
    return from_address, from_browser


async def delete_old_orders(before: datetime) -> int:
    """Orders are kept for the rate-limit window, then removed (BankID has long forgotten them by then)."""
    deleted = await BankIdOrder.delete().where(BankIdOrder.started_at < before).returning(BankIdOrder.id)
    return len(deleted)
