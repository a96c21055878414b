"""The administrators' area (/admin): a start page; the audit log (/admin/logg) with search, pages, CSV export and
a random sample for the periodic log review (live filtering with htmx; the same form works as a plain GET); the
integration API's clients (/admin/api-klienter: list, create with the token shown once, revoke after a
confirmation; the rules are services/api.py's, shared with cli/api_clients.py) and each client's webhook (an address,
a secret shown once, the delivery log: services/webhooks.py); the operations status (/admin/drift:
the outbox, the scheduled jobs and what is wrong, from services/monitoring.py)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from services import admin, monitoring, webhooks
from services import api as api_clients
from web.auth import admin_required, current_user, flash
from web.htmx import VARY, wants_fragment
from web.pagination import parse_page_number
from web.params import database_id, parse_date, parse_int

START = "/admin"
LOG = "/admin/logg"
SAMPLE = "/admin/logg/stickprov"
CLIENTS = "/admin/api-klienter"
NEW_CLIENT = CLIENTS + "/ny"
CLIENT = CLIENTS + "/{client_id:str}"
REVOKE = CLIENT + "/aterkalla"
WEBHOOK = CLIENT + "/webhook"
REMOVE_WEBHOOK = WEBHOOK + "/ta-bort"
DELIVERIES_SHOWN = 20
OPERATIONS = "/admin/drift"

Text = Annotated[str, QueryParameter()]


@get(START, name="admin_start", guards=[admin_required])
async def start_page() -> Template:
    return Template("admin/start.html", context={"nav": "admin"})


@get(OPERATIONS, name="admin_operations", guards=[admin_required])
async def operations_page() -> Template:
    now = clock.now()
    context = {
        "nav": "admin",
        "status": await monitoring.status(now),
        "checked_at": now,
        "duration": monitoring.duration_text,
    }
    return Template("admin/operations.html", context=context, headers={"Cache-Control": "no-store"})


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


# API clients of the integration API.


async def _clients_context(**context) -> dict:
    """What the clients' pages show beside `context`: e-service titles by slug and the scopes' labels."""
    titles = {service["slug"]: service["title"] for service in await api_clients.service_choices()}
    return {"nav": "admin", "titles": titles, "scope_labels": api_clients.scope_labels(), **context}


@get(CLIENTS, name="admin_api_clients", guards=[admin_required])
async def clients_page() -> Template:
    return Template("admin/api_clients.html", context=await _clients_context(clients=await api_clients.clients()))


async def _new_client_page(values: dict, errors: dict[str, str], *, status_code: int = 200) -> Template:
    context = {
        "nav": "admin",
        "values": values,
        "errors": errors,
        "services": await api_clients.service_choices(),
        "scope_labels": api_clients.scope_labels(),
    }
    return Template("admin/api_client_new.html", context=context, status_code=status_code)


@get(NEW_CLIENT, name="admin_api_client_new", guards=[admin_required])
async def new_client_page() -> Template:
    return await _new_client_page({"name": "", "e_services": [], "scopes": [], "expires": ""}, {})


@post(NEW_CLIENT, name="admin_api_client_create", guards=[admin_required])
async def create_client(request: Request) -> Template:
    """The token is in this answer only: never in an address, a log or the database (which keeps its hash), and no
    cache may keep the page."""
    form = await request.form()
    values = {
        "name": str(form.get("name") or ""),
        "e_services": [str(value) for value in form.getall("e_services", [])],
        "scopes": [str(value) for value in form.getall("scopes", [])],
        "expires": str(form.get("expires") or "").strip(),
    }
    try:
        client_id, token = await api_clients.new_client(
            values["name"],
            values["e_services"],
            values["scopes"],
            parse_date(values["expires"]),
            actor_id=current_user(request).id,
        )
    except api_clients.InvalidClient as invalid:
        errors = invalid.translated()
        ordered = {field: errors[field] for field in ("name", "e_services", "scopes", "expires") if field in errors}
        return await _new_client_page(values, ordered, status_code=400)
    context = await _clients_context(client=await api_clients.client(client_id), token=token)
    return Template(
        "admin/api_client_created.html", context=context, status_code=201, headers={"Cache-Control": "no-store"}
    )


async def _client_or_404(client_id: str) -> dict:
    client = await api_clients.client(database_id(client_id))
    if client is None:
        raise NotFoundException()
    return client


async def _client_page(client: dict, url: str = "", errors: dict[str, str] | None = None) -> Template:
    webhook = await webhooks.webhook(client["name"])
    context = await _clients_context(
        client=client,
        webhook=webhook,
        deliveries=await webhooks.deliveries(client["name"], DELIVERIES_SHOWN),
        delivery_states=webhooks.delivery_state_labels(),
        webhook_values={"url": url if errors else (webhook["url"] if webhook else "")},
        webhook_errors=errors or {},
    )
    return Template("admin/api_client.html", context=context, status_code=400 if errors else 200)


@get(CLIENT, name="admin_api_client", guards=[admin_required])
async def client_page(client_id: FromPath[str]) -> Template:
    return await _client_page(await _client_or_404(client_id))


@get(REVOKE, name="admin_api_client_revoke_confirm", guards=[admin_required])
async def revoke_confirm_page(client_id: FromPath[str]) -> Response:
    client = await _client_or_404(client_id)
    if client["state"] == "revoked":
        return Redirect(f"{CLIENTS}/{client['id']}", status_code=HTTP_303_SEE_OTHER)
    return Template("admin/api_client_revoke.html", context={"nav": "admin", "client": client})


@post(REVOKE, name="admin_api_client_revoke", guards=[admin_required])
async def revoke_client(request: Request, client_id: FromPath[str]) -> Redirect:
    client = await _client_or_404(client_id)
    user = current_user(request)
    if await api_clients.revoke_client_by_id(client["id"], actor_id=user.id):
        await flash(user, _("The API client %(name)s has been revoked: its token no longer works.") % client)
    return Redirect(f"{CLIENTS}/{client['id']}", status_code=HTTP_303_SEE_OTHER)


@post(WEBHOOK, name="admin_api_client_webhook", guards=[admin_required])
async def set_webhook(request: Request, client_id: FromPath[str]) -> Template:
    """The secret is in this answer only (the platform keeps it to sign, and shows it nowhere else); no cache may
    keep the page."""
    client = await _client_or_404(client_id)
    url = str((await request.form()).get("url") or "")
    try:
        secret = await webhooks.set_webhook(
            client["name"],
            url,
            allow_local_http=not request.app.state.settings.is_production,
            actor_id=current_user(request).id,
        )
    except webhooks.InvalidWebhook as invalid:
        return await _client_page(client, url, {"url": invalid.translated()})
    context = {"nav": "admin", "client": client, "secret": secret, "webhook": await webhooks.webhook(client["name"])}
    return Template("admin/api_client_webhook_set.html", context=context, headers={"Cache-Control": "no-store"})


@post(REMOVE_WEBHOOK, name="admin_api_client_webhook_remove", guards=[admin_required])
async def remove_webhook(request: Request, client_id: FromPath[str]) -> Redirect:
    client = await _client_or_404(client_id)
    user = current_user(request)
    if await webhooks.remove_webhook(client["name"], actor_id=user.id):
        await flash(user, _("The webhook of %(name)s has been removed: no more events are sent to it.") % client)
    return Redirect(f"{CLIENTS}/{client['id']}", status_code=HTTP_303_SEE_OTHER)


route_handlers = [
    start_page,
    operations_page,
    log_page,
    log_export,
    sample_page,
    clients_page,
    new_client_page,
    create_client,
    client_page,
    revoke_confirm_page,
    revoke_client,
    set_webhook,
    remove_webhook,
]
