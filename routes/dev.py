"""Development tools under /_dev/ (dev mode only; production refuses to start with SIMULATORS on).

/_dev/bankid plays the BankID app for the simulator: it lists orders in progress and lets you identify or sign as a
test person, cancel as the user, let the order time out, or make the next API calls fail.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlsplit

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from core.identity_numbers import InvalidIdentityNumber, parse_personal_number
from integrations.bankid.simulator import BankIdSimulator, OrderUnavailable
from integrations.population_register.fixture import TEST_PERSONS
from services.auth import STATUS_PATH as LOGIN_STATUS_PATH
from web.auth import safe_next
from web.params import parse_int

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
INJECTABLE_ERRORS = {
    "alreadyInProgress": 400,
    "requestTimeout": 408,
    "tooManyRequests": 429,
    "internalError": 500,
    "maintenance": 503,
}


def _simulator(request: Request) -> BankIdSimulator:
    return request.app.state.bankid_simulator


@get("/_dev/bankid", name="dev_bankid")
async def bankid_app(request: Request, message: Annotated[str, QueryParameter(name="meddelande")] = "") -> Template:
    return Template(
        "dev/bankid_app.html",
        context={
            "orders": await _simulator(request).pending_orders(),
            "persons": TEST_PERSONS,
            "errors": INJECTABLE_ERRORS,
            "message": message,
            "focus_order": None,
            "return_to": "",
        },
    )


@get("/_dev/bankid/app", name="dev_bankid_autostart")
async def bankid_autostart(
    request: Request,
    token: Annotated[str, QueryParameter(name="autostarttoken")] = "",
    redirect: Annotated[str, QueryParameter(name="redirect")] = "",
) -> Template:
    """Where the autostart link leads in dev: as if the BankID app on this device had opened. `redirect` is the
    page to go back to when done (the status page of the login or signing that opened it)."""
    simulator = _simulator(request)
    order = await simulator.order_by_auto_start_token(token)
    if order is not None:
        order = await simulator.open(order.order_ref)
    return Template(
        "dev/bankid_app.html",
        context={
            "orders": [order] if order else [],
            "persons": TEST_PERSONS,
            "errors": INJECTABLE_ERRORS,
            "message": "" if order else _("No order in progress belongs to this link."),
            "focus_order": order.order_ref if order else None,
            "return_to": safe_next(redirect, default=""),
        },
    )


@post("/_dev/bankid/order/{order_ref:str}", name="dev_bankid_order")
async def bankid_order_action(
    request: Request, order_ref: FromPath[str], data: Annotated[dict[str, str], Form]
) -> Response:
    simulator = _simulator(request)
    order = await simulator.order(order_ref)
    if order is None:
        raise NotFoundException()
    action = data.get("action")
    if action == "approve":
        typed = data.get("personal_number_typed", "").strip()
        try:
            number = parse_personal_number(typed or data.get("personal_number", "")).value
        except InvalidIdentityNumber as error:
            return _back_with(error.message)
        person = next((p for p in TEST_PERSONS if p.personal_number == number), None)
        given, surname = (person.given_name, person.surname) if person else ("Test", "Testsson")
        try:
            await simulator.identify(order_ref, number, given, surname)
        except OrderUnavailable:
            return _back_with(_("The order is no longer in progress."))
        except ValueError:
            return _back_with(_("Only the person named in the order may complete it."))
    elif action in ("refuse", "expire"):
        try:
            await (simulator.refuse(order_ref) if action == "refuse" else simulator.expire(order_ref))
        except OrderUnavailable:
            return _back_with(_("The order is no longer in progress."))
    if data.get("from_autostart"):
        # The real app returns to the browser on its own; the simulator goes back to the page that opened it, by
        # path: on the address this page was reached at, whatever BASE_URL says (the CSP's form-action would block
        # a redirect to another origin, say a phone on the LAN reaching a BASE_URL of 127.0.0.1).
        target = urlsplit(order.return_url)._replace(scheme="", netloc="").geturl() if order.return_url else ""
        target = safe_next(target or data.get("return_to"), default=LOGIN_STATUS_PATH)
        return Redirect(target, status_code=HTTP_303_SEE_OTHER)
    return _back_with(_("Done."))


@post("/_dev/bankid/fel", name="dev_bankid_error")
async def bankid_inject_error(request: Request, data: Annotated[dict[str, str], Form]) -> Response:
    code = data.get("error_code", "")
    if code in INJECTABLE_ERRORS:
        count = parse_int(data.get("count") or "1", maximum=100) or 1
        await _simulator(request).inject_error(code, INJECTABLE_ERRORS[code], count=count)
    return _back_with(_("The next call answers %(code)s.") % {"code": code})


def _back_with(message: str) -> Redirect:
    return Redirect(f"/_dev/bankid?{urlencode({'meddelande': message})}", status_code=HTTP_303_SEE_OTHER)


route_handlers = [bankid_app, bankid_autostart, bankid_order_action, bankid_inject_error]
