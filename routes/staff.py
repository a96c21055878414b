"""The case officers' views (handläggare). Every route needs a logged-in member of the staff register."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from web.auth import staff_required


@get("/handlaggare", name="staff_inbox", guards=[staff_required])
async def inbox(request: Request) -> Template:
    return Template("staff/inbox.html", context={"nav": "staff", "cases": []})


route_handlers = [inbox]
