"""Removes expired sessions and BankID orders older than the rate-limit window."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.settings import Settings
from db import auth as sessions
from db import bankid as orders


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    ended = await sessions.delete_expired_sessions(now, timedelta(minutes=settings.session_idle_minutes))
    deleted_orders = await orders.delete_old_orders(now - timedelta(minutes=settings.login_rate_window_minutes))
    return {"sessions_deleted": ended, "bankid_orders_deleted": deleted_orders}
