"""Ends co-signing whose time has run out: the application goes back to its applicant as a saved draft (every
signature void, as when a co-applicant declines), and the applicant gets a notice. The pages check the deadline
too; this job makes it happen when nobody opens the application."""

from __future__ import annotations

from core import clock
from core.settings import Settings
from db import cases


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    ended = 0
    for draft in await cases.past_signing_deadline(now):
        ended += await cases.end_cosigning(draft["id"], draft["owner"], now)
    return {"cosigning_ended": ended}
