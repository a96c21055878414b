"""Rate limits on what anyone can repeat: starting applications, uploading, writing messages, starting BankID
signing. Each action has a ceiling per client address (generous: a school or a library shares one) and a lower one
per session (the login, or for a visitor without one the browser), in fixed windows counted in the database
(db/limits.py), so every process and machine shares them. Over a ceiling the answer is a Swedish 429 with
Retry-After. Logins have their own limit (services/auth.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core import clock
from core.errors import TooMany
from core.i18n import gettext as _
from db import audit, limits


@dataclass(frozen=True)
class Limit:
    per_address: int
    per_session: int
    window: timedelta


LIMITS = {
    "application_start": Limit(per_address=300, per_session=30, window=timedelta(hours=1)),
    "upload": Limit(per_address=600, per_session=120, window=timedelta(hours=1)),
    "message": Limit(per_address=300, per_session=30, window=timedelta(hours=1)),
    "signing_start": Limit(per_address=300, per_session=20, window=timedelta(minutes=10)),
}
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def window(window: timedelta, now: datetime) -> tuple[int, datetime]:
    number = int((now - EPOCH) / window)
    return number, EPOCH + (number + 1) * window


async def check(action: str, address_key: str, session_key: str) -> None:
    """Count this attempt; TooMany when the address or the session is over its ceiling for `action`."""
    limit = LIMITS[action]
    now = clock.now()
    number, ends_at = window(limit.window, now)
    by_session = await limits.hit(f"{action}:s:{session_key}:{number}", ends_at)
    by_address = await limits.hit(f"{action}:a:{address_key}:{number}", ends_at)
    if by_session > limit.per_session or by_address > limit.per_address:
        per = "session" if by_session > limit.per_session else "address"
        await audit.record(f"rate_limited.{action}", per=per)
        raise TooMany(
            _("You have done this many times in a short while. Wait a moment and try again."),
            retry_after=max(1, int((ends_at - now).total_seconds())),
        )


async def first_today(action: str, subject_key: str) -> bool:
    """True the first time `subject_key` does `action` this day (for counts that should count visitors)."""
    number, ends_at = window(timedelta(days=1), clock.now())
    return await limits.hit(f"{action}:{subject_key}:{number}", ends_at) == 1
