"""The pages of a BankID order in progress, shared by logging in (routes/auth.py) and signing (routes/signing.py):
status (polled by htmx every 2 s, reloaded by itself without JavaScript), the animated QR code, and the end of the
order. No addresses of its own: the two areas' handlers answer with these."""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.settings import Settings
from integrations.bankid import BankIdClient
from integrations.bankid.qr import qr_svg
from services import bankid
from services.bankid import BankIdOrder
from web.htmx import wants_fragment

HTMX_STOP_POLLING = 286


@dataclass(frozen=True)
class BankIdPage:
    """What differs between the login's and the signing's status pages."""

    title: str
    failed_title: str
    status_url: str
    qr_url: str
    cancel_url: str
    retry_url: str
    choose_url: str
    retry_fields: dict[str, str] = field(default_factory=dict)
    lead: str = ""


def client(request: Request) -> BankIdClient:
    return request.app.state.bankid


def requester(request: Request) -> bankid.Requester:
    return bankid.Requester(
        ip=request.client.host if request.client else "127.0.0.1",
        user_agent=request.headers.get("user-agent", ""),
        hostname=request.url.hostname or "localhost",
    )


async def start_order(request: Request, **order) -> str:
    """Start a BankID order for this browser (see services.bankid.start_order); returns its cookie token."""
    return await bankid.start_order(client(request), request.app.state.settings, requester(request), **order)


async def poll(request: Request, order: BankIdOrder) -> bankid.OrderState:
    return await bankid.poll(client(request), requester(request), order)


async def cancel(request: Request, order: BankIdOrder) -> None:
    await bankid.cancel(client(request), order)


def order_cookie(settings: Settings, name: str, token: str, path: str) -> Cookie:
    return Cookie(key=name, value=token, path=path, httponly=True, samesite="lax", secure=settings.secure_cookies)


async def bankid_status_response(
    request: Request, order: BankIdOrder, state: bankid.OrderState, page: BankIdPage
) -> Response:
    if wants_fragment(request):
        if state.status != "pending":
            # The end of the road: the full page shows what happened and how to try again.
            return Response(content=b"", headers={"HX-Redirect": page.status_url})
        if order.shown == bankid.shown_key(order):
            return Response(content=b"", status_code=204)  # nothing new: no swap, no repeated announcement
        await bankid.remember_shown(order)
        return Template("bankid/_status.html", context={"message": state.message})
    await bankid.remember_shown(order)
    pending = state.status == "pending"
    context = {
        "order": order,
        "state": state,
        "page": page,
        "qr": qr_svg(bankid.qr_for(order)) if pending and not order.same_device else "",
        "autostart_url": bankid.autostart_url(request.app.state.settings, order, page.status_url),
    }
    return Template("bankid/status.html", context=context)


def qr_response(order: BankIdOrder | None) -> Response:
    if order is None or order.status != "pending" or order.same_device:
        return Response(content=b"", status_code=HTMX_STOP_POLLING)
    return Template("bankid/_qr.html", context={"qr": qr_svg(bankid.qr_for(order))})


def finished_response(request: Request, target: str) -> Response:
    if wants_fragment(request):
        return Response(content=b"", headers={"HX-Redirect": target})
    return Redirect(target, status_code=HTTP_303_SEE_OTHER)


route_handlers: list = []
