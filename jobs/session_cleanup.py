"""Removes expired sessions, BankID orders older than the rate-limit window, rate counters whose window has ended,
answers posted after a session ended that were held for a login that never came, and the integration API's
idempotency keys older than a day."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.settings import Settings
from db import auth as sessions
from db import bankid as orders
from db import limits
from services import api, applications


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    ended = await sessions.delete_expired_sessions(now, timedelta(minutes=settings.session_idle_minutes))
    deleted_orders = await orders.delete_old_orders(now - timedelta(minutes=settings.login_rate_window_minutes))
    held = await applications.forget_held()
    counters = await limits.delete_ended(now)
    keys = await api.forget_old_keys()
    return {
        "sessions_deleted": ended,
        "bankid_orders_deleted": deleted_orders,
        "held_answers_deleted": held,
        "rate_counters_deleted": counters,
        "idempotency_keys_deleted": keys,
    }
