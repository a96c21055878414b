"""Officers' daily summary by e-mail: the new cases of their units (for those who want them daily) and their own
cases nearing the end of a status's handling time (for those who want that). Counts only: a summary names no
person and no case."""

from __future__ import annotations

from datetime import timedelta

from core import clock
from core.settings import Settings
from db import case_handling, notices, staff

DUE_SOON = timedelta(days=2)
SUMMARY_PERIOD = timedelta(days=1)


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    sent, summarised = 0, []
    for officer in await staff.unit_officers_with_email(await staff.all_unit_ids()):
        since = officer["digest_sent_at"] or now - SUMMARY_PERIOD
        new_cases = due = 0
        if notices.wants(officer["notices"], "new_case") == notices.NEW_CASE_DAILY:
            new_cases = await case_handling.new_cases_in(officer["units"], since)
        if notices.wants(officer["notices"], "deadline"):
            due = await case_handling.due_soon(officer["account_id"], now + DUE_SOON)
        if new_cases or due:
            await notices.notify_daily_summary(officer["account_id"], officer["email"], new_cases, due, now)
            sent += 1
        summarised.append(officer["member_id"])
    await staff.digest_sent(summarised, now)
    return {"summaries_sent": sent}
