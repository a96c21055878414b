"""Ends co-signing whose time has run out: the application goes back to its applicant as a saved draft (every
signature void, as when a co-applicant declines), and the applicant gets a notice. The pages check the deadline
too; this job makes it happen when nobody opens the application."""

from __future__ import annotations

from core import clock
from core.i18n import gettext as _
from core.settings import Settings
from db import cases


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    late = await cases.past_signing_deadline(now)
    for draft in late:
        await cases.return_to_applicant(draft["id"], _("The time for your co-applicants to sign ran out."))
        await cases.notify_applicant_cosigning_ended(draft["owner"], now)
    return {"cosigning_ended": len(late)}
