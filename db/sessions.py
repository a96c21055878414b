"""Logins: sessions (server-side, in the database so every process sees them) and BankID logins in progress."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.accounts import UserAccount
from db.engine import fetch


class UserSession(Table, tablename="user_session"):
    """A login. The cookie holds a random token; only its SHA-256 is stored, so a database copy opens no session."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    user = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=False)
    staff_role = Varchar(length=20, default="", help_text="The staff role at login; empty for residents.")
    staff_unit = Varchar(length=120, default="")
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    expires_at = Timestamptz(help_text="Absolute end, however active the user is.")
    flash = Varchar(length=500, default="", help_text="A one-time notice for the next page.")


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
    started_at = Timestamptz()
    status = Varchar(length=20, default="pending")
    hint_code = Varchar(length=50, default="")
    shown = Varchar(length=80, default="", help_text="The status last shown, so polls can answer 'no change'.")
    last_collect_at = Timestamptz(null=True, default=None)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


async def create_session(
    user_id: int, *, staff_role: str, staff_unit: str, now: datetime, max_age: timedelta, flash: str = ""
) -> str:
    """A new session with a new token (never reusing one from before the login: no fixation); returns the token."""
    token = new_token()
    await UserSession.insert(
        UserSession(
            token_hash=hash_token(token),
            user=user_id,
            staff_role=staff_role,
            staff_unit=staff_unit,
            created_at=now,
            last_seen_at=now,
            expires_at=now + max_age,
            flash=flash,
        )
    )
    return token


# Runs on every request of a logged-in user: plain SQL, since building Piccolo's joined select costs ~2 ms.
_SESSION_QUERY = (
    "SELECT s.id AS session_id, s.staff_role, s.staff_unit, s.last_seen_at, s.expires_at, s.flash, u.* "
    'FROM user_session s JOIN user_account u ON u.id = s."user" WHERE s.token_hash = {}'
)


async def find_session(token: str) -> dict | None:
    """The session (session_id, staff_role, staff_unit, last_seen_at, expires_at, flash) with every column of its
    user's account, or None."""
    rows = await fetch(_SESSION_QUERY, hash_token(token))
    return rows[0] if rows else None


def is_expired(session: dict, now: datetime, idle_timeout: timedelta) -> bool:
    return now >= session["expires_at"] or now >= session["last_seen_at"] + idle_timeout


async def touch_session(session_id: int, now: datetime) -> None:
    await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == session_id)


async def set_flash(session_id: int, message: str) -> None:
    await UserSession.update({UserSession.flash: message[:500]}).where(UserSession.id == session_id)


async def take_flash(session_id: int) -> None:
    await UserSession.update({UserSession.flash: ""}).where(UserSession.id == session_id)


async def end_session(session_id: int) -> None:
    await UserSession.delete().where(UserSession.id == session_id)


async def end_sessions_of(personal_number: str) -> int:
    """Log a person out everywhere (e.g. when removed from the staff register)."""
    user = await UserAccount.select(UserAccount.id).where(UserAccount.personal_number == personal_number).first()
    if user is None:
        return 0
    ended = await UserSession.delete().where(UserSession.user == user["id"]).returning(UserSession.id)
    return len(ended)


async def delete_expired_sessions(now: datetime, idle_timeout: timedelta) -> int:
    deleted = (
        await UserSession.delete()
        .where((UserSession.expires_at <= now) | (UserSession.last_seen_at <= now - idle_timeout))
        .returning(UserSession.id)
    )
    return len(deleted)


async def login_starts_since(client_key: str, since: datetime) -> int:
    return await BankIdOrder.count().where(
        (BankIdOrder.client_key == client_key) & (BankIdOrder.started_at >= since) & (BankIdOrder.purpose == "login")
    )


async def bankid_order_for(token: str) -> BankIdOrder | None:
    return await BankIdOrder.objects().where(BankIdOrder.token_hash == hash_token(token)).first()


async def delete_old_bankid_orders(before: datetime) -> int:
    """Orders are kept for the rate-limit window, then removed (BankID has long forgotten them by then)."""
    deleted = await BankIdOrder.delete().where(BankIdOrder.started_at < before).returning(BankIdOrder.id)
    return len(deleted)
