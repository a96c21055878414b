"""Ends co-signing whose time has run out: the application goes back to its applicant as a saved draft (every
signature void, as when a co-applicant declines), and the applicant gets a notice. The pages check the deadline
too; this job makes it happen when nobody opens the application."""

from __future__ import annotations

from core.settings import Settings
from services import signing


async def run(settings: Settings) -> dict[str, int]:
    return {"cosigning_ended": await signing.end_overdue_cosigning()}
