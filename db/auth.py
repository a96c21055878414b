"""Logins: sessions, server-side in the database so every process sees them. Table and queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from piccolo.columns import ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from core.tokens import hash_token, new_token
from db.accounts import UserAccount
from db.engine import date_column, fetch


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
# The staff register's row comes along (by its unique personal number), so that a staff session whose access has
# ended (removed, or outside its validity window) is noticed on the same query.
_SESSION_QUERY = (
    "SELECT s.id AS session_id, s.staff_role, s.staff_unit, s.last_seen_at, s.expires_at, s.flash, "
    "m.id AS staff_member_id, m.valid_from AS staff_valid_from, m.valid_to AS staff_valid_to, u.* "
    'FROM user_session s JOIN user_account u ON u.id = s."user" '
    "LEFT JOIN staff_member m ON m.personal_number = u.personal_number WHERE s.token_hash = {}"
)


async def find_session(token: str) -> dict | None:
    """The session (session_id, staff_role, staff_unit, last_seen_at, expires_at, flash), the user's staff register
    entry if any (staff_member_id, staff_valid_from, staff_valid_to: None when not in it) and every column of the
    user's account, or None."""
    rows = await fetch(_SESSION_QUERY, hash_token(token))
    if not rows:
        return None
    row = rows[0]
    row["staff_valid_from"] = date_column(row["staff_valid_from"])
    row["staff_valid_to"] = date_column(row["staff_valid_to"])
    return row


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
