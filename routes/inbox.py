"""The officers' inbox (/handlaggare): tabs, filters, search, sorting, pages, and actions on several cases at once.
Live filtering with htmx; the same form works as a plain GET, and the address keeps the filter."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote_plus

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from db.inbox import SORTS, TAB_COUNT_CAP, TABS
from services import inbox
from services.case_handling import officer_of
from services.inbox import sort_label, tab_label
from web.auth import current_user, flash, staff_required
from web.htmx import VARY, wants_fragment
from web.pagination import parse_page_number
from web.params import parse_date, parse_int

INBOX = "/handlaggare"


@get(INBOX, name="staff_inbox", guards=[staff_required])
async def inbox_page(
    request: Request,
    tab: Annotated[str, QueryParameter(name="flik")] = "att-hantera",
    search: Annotated[str, QueryParameter(name="q")] = "",
    e_service: Annotated[str, QueryParameter(name="e-tjanst")] = "",
    status: Annotated[str, QueryParameter(name="status")] = "",
    assignee: Annotated[str, QueryParameter(name="handlaggare")] = "",
    received_from: Annotated[str, QueryParameter(name="fran")] = "",
    received_to: Annotated[str, QueryParameter(name="till")] = "",
    sort: Annotated[str, QueryParameter(name="sortering")] = "inkommen",
    page_number: Annotated[str, QueryParameter(name="sida")] = "1",
) -> Response:
    officer = await officer_of(current_user(request))
    selected = inbox.read_filter(
        tab=tab,
        e_service=parse_int(e_service),
        status=parse_int(status),
        assignee={"jag": officer.account_id, "ingen": 0}.get(assignee, parse_int(assignee)),
        received_from=parse_date(received_from),
        received_to=parse_date(received_to),
        search=search,
        sort=sort,
    )
    choices = await inbox.choices(officer)
    page, counts = await inbox.inbox_page(officer, choices, selected, parse_page_number(page_number))
    raw = {
        "flik": selected.tab,
        "q": search.strip(),
        "e-tjanst": e_service,
        "status": status,
        "handlaggare": assignee,
        "fran": received_from,
        "till": received_to,
        "sortering": selected.sort,
    }
    fragment = wants_fragment(request)
    urls = _Urls(raw)
    context = {
        "nav": "staff",
        "page": page,
        "counts": counts,
        "count_cap": TAB_COUNT_CAP,
        "tabs": [(name, tab_label(name)) for name in TABS],
        "sorts": [(name, sort_label(name)) for name in SORTS],
        "selected": selected,
        "raw": raw,
        "choices": choices,
        "me": officer.account_id,
        "inbox_url": urls,
        "page_url": lambda number: urls(sida=number),
        "fragment": fragment,
    }
    if fragment:
        headers = {**VARY, "HX-Push-Url": urls(sida=page.number)}
        return Template("inbox/_results.html", context=context, headers=headers)
    return Template("inbox/inbox.html", context=context, headers=VARY)


_URL_DEFAULTS = {"flik": "att-hantera", "sortering": "inkommen", "sida": 1}


class _Urls:
    """The inbox's address with some parameters changed (page 1 unless a page is given), empty ones and defaults
    left out; the request's values are encoded once (a page has some twenty links)."""

    def __init__(self, raw: dict) -> None:
        self.raw = {**raw, "sida": 1}
        self.encoded = {name: quote_plus(str(value)) for name, value in self.raw.items()}

    def __call__(self, **changes) -> str:
        query = []
        for name, value in self.raw.items():
            changed = name in changes
            if changed:
                value = changes[name]
            if value in ("", None) or value == _URL_DEFAULTS.get(name):
                continue
            query.append(f"{name}={quote_plus(str(value)) if changed else self.encoded[name]}")
        return f"{INBOX}?{'&'.join(query)}" if query else INBOX


@post(INBOX + "/massatgard", name="staff_bulk", guards=[staff_required])
async def bulk_action(request: Request) -> Response:
    """Take, assign or change the status of the cases ticked in the list, each at the version the list showed."""
    officer = await officer_of(current_user(request))
    form = await request.form()
    references = [str(value) for value in form.getall("arende", [])]
    versions = {reference: parse_int(form.get(f"version-{reference}")) for reference in references}
    outcome = await inbox.bulk(
        officer,
        action=str(form.get("atgard") or ""),
        references=[(reference, versions[reference]) for reference in references],
        assignee=parse_int(form.get("till-handlaggare")),
        status=parse_int(form.get("till-status")),
    )
    await flash(current_user(request), outcome)
    back = str(form.get("tillbaka") or INBOX)
    return Redirect(back if back.startswith(INBOX) else INBOX, status_code=HTTP_303_SEE_OTHER)


route_handlers = [inbox_page, bulk_action]
