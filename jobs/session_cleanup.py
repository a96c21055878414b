"""Removes expired sessions and BankID orders older than the rate-limit window."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.settings import Settings
from db import sessions


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    ended = await sessions.delete_expired_sessions(now, timedelta(minutes=settings.session_idle_minutes))
    orders = await sessions.delete_old_bankid_orders(now - timedelta(minutes=settings.login_rate_window_minutes))
    return {"sessions_deleted": ended, "bankid_orders_deleted": orders}
