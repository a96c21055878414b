"""The administrators' area (/admin): a start page and the audit log (/admin/logg) with search, pages, CSV export and
a random sample for the periodic log review. Live filtering with htmx; the same form works as a plain GET."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get
from litestar.params import QueryParameter
from litestar.response import Template

from core import clock
from services import admin
from web.auth import admin_required, current_user
from web.htmx import VARY, wants_fragment
from web.pagination import parse_page_number
from web.params import parse_date, parse_int

START = "/admin"
LOG = "/admin/logg"
SAMPLE = "/admin/logg/stickprov"

Text = Annotated[str, QueryParameter()]


@get(START, name="admin_start", guards=[admin_required])
async def start_page() -> Template:
    return Template("admin/start.html", context={"nav": "admin"})


def _filter_and_raw(fran: str, till: str, personal: str, arende: str, handelse: str):
    selected = admin.read_filter(
        date_from=parse_date(fran), date_to=parse_date(till), staff=personal, case_reference=arende, action=handelse
    )
    raw = {"fran": fran, "till": till, "personal": personal.strip(), "arende": arende.strip(), "handelse": handelse}
    return selected, raw


def _url(path: str, raw: dict, **changes) -> str:
    query = {name: value for name, value in {**raw, **changes}.items() if value not in ("", None, 1)}
    return f"{path}?{urlencode(query)}" if query else path


@get(LOG, name="admin_log", guards=[admin_required])
async def log_page(
    request: Request,
    fran: Text = "",
    till: Text = "",
    personal: Text = "",
    arende: Text = "",
    handelse: Text = "",
    sida: Text = "1",
) -> Response:
    selected, raw = _filter_and_raw(fran, till, personal, arende, handelse)
    page = await admin.log_page(current_user(request).id, selected, parse_page_number(sida))
    fragment = wants_fragment(request)
    context = {
        "nav": "admin",
        "page": page,
        "raw": raw,
        "actions": admin.action_choices(),
        "labels": admin.action_labels(),
        "page_url": lambda number: _url(LOG, raw, sida=number),
        "export_url": _url(LOG + "/export.csv", raw),
        "sample_url": _url(SAMPLE, raw),
        "fragment": fragment,
    }
    if fragment:
        return Template(
            "admin/_log_results.html",
            context=context,
            headers={**VARY, "HX-Push-Url": _url(LOG, raw, sida=page.number)},
        )
    return Template("admin/log.html", context=context, headers=VARY)


def _csv_response(content: str, name: str) -> Response:
    filename = f"{name}-{clock.now().strftime('%Y%m%d-%H%M%S')}.csv"
    return Response(
        content=content.encode(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@get(LOG + "/export.csv", name="admin_log_export", guards=[admin_required])
async def log_export(
    request: Request, fran: Text = "", till: Text = "", personal: Text = "", arende: Text = "", handelse: Text = ""
) -> Response:
    selected, _raw = _filter_and_raw(fran, till, personal, arende, handelse)
    return _csv_response(await admin.export(current_user(request).id, selected), "granskningslogg")


@get(SAMPLE, name="admin_log_sample", guards=[admin_required])
async def sample_page(
    request: Request,
    fran: Text = "",
    till: Text = "",
    personal: Text = "",
    arende: Text = "",
    handelse: Text = "",
    antal: Text = "",
    urval: Text = "",
    format: Annotated[str, QueryParameter(name="format")] = "",
) -> Response:
    """N entries of the search drawn at random. `urval` (the draw's seed) draws the same entries again: the page's
    CSV link carries it, so the download holds the entries shown; without it, a new draw."""
    selected, raw = _filter_and_raw(fran, till, personal, arende, handelse)
    size = admin.parse_sample_size(parse_int(antal))
    seed = parse_int(urval)
    seed = admin.new_seed() if seed is None else seed
    user_id = current_user(request).id
    if format == "csv":
        rows = await admin.sample(user_id, selected, size, seed, export=True)
        return _csv_response(admin.to_csv(rows), "stickprov")
    rows = await admin.sample(user_id, selected, size, seed)
    raw = {**raw, "antal": str(size), "urval": str(seed)}
    context = {
        "nav": "admin",
        "rows": rows,
        "raw": raw,
        "size": size,
        "sample_max": admin.SAMPLE_MAX,
        "actions": admin.action_choices(),
        "labels": admin.action_labels(),
        "export_url": _url(SAMPLE, raw, format="csv"),
    }
    return Template("admin/sample.html", context=context)


route_handlers = [start_page, log_page, log_export, sample_page]
