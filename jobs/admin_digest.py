"""The administrators' daily digest of operational problems: when something is wrong (e-mail given up since the last
digest, a queue that does not move, failed or overdue jobs), one e-mail to every administrator with an e-mail address
on their account, through the outbox, listing the problems (no personal data) and linking to the operations page
(/admin/drift). Nothing is sent when all is well. Registered as a daily job: its lease makes it at most one a day."""

from __future__ import annotations

import logging
from datetime import timedelta

from core import clock
from core.settings import Settings
from db import jobs as job_leases
from db import notices, staff
from services import monitoring

log = logging.getLogger("eplatform.jobs")

NAME = "admin_digest"
DIGEST_PERIOD = timedelta(days=1)
PAGE = "/admin/drift"


async def run(settings: Settings) -> dict[str, int]:
    now = clock.now()
    since = await job_leases.last_finished(NAME) or now - DIGEST_PERIOD
    found = await monitoring.status(now, since, leave_out=NAME)
    if not found.problems:
        return {"problems": 0, "digests_sent": 0}
    recipients = await staff.admins_with_email()
    if not recipients:
        log.warning("admin_digest_without_recipients", extra={"problems": len(found.problems)})
    await notices.notify_admins_of_problems(recipients, found.problems, settings.base_url.rstrip("/") + PAGE, now)
    return {"problems": len(found.problems), "digests_sent": len(recipients)}
