"""Removes expired sessions and login attempts older than the rate-limit window."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.settings import Settings
from db import sessions


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    ended = await sessions.delete_expired_sessions(now, timedelta(minutes=settings.session_idle_minutes))
    attempts = await sessions.delete_old_login_attempts(now - timedelta(minutes=settings.login_rate_window_minutes))
    return {"sessions_deleted": ended, "login_attempts_deleted": attempts}
