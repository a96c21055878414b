"""Login with BankID (QR on another device, or the app on this device), logout, and the idle-timeout warning."""

from __future__ import annotations

import re
from typing import Annotated
from urllib.parse import urlencode, urlparse

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from integrations.bankid import BankIdError, error_message
from routes import bankid
from routes.bankid import BankIdPage, bankid_status_response, finished_response, order_cookie, qr_response
from services import auth
from services.bankid import order_for
from web.auth import browser_key, client_key, current_user, expired_cookie, login_url, safe_next, session_cookie
from web.errors import UserFacingError

STATUS_URL = auth.STATUS_PATH
ORDER_COOKIE = "bankid_login"
ORDER_COOKIE_PATH = "/logga-in"
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


async def _attempt(request: Request):
    return await order_for(request.cookies.get(ORDER_COOKIE), "login")


@get("/logga-in", name="login")
async def login_page(
    request: Request,
    next_path: Annotated[str, QueryParameter(name="next")] = "",
    cancelled: Annotated[str, QueryParameter(name="avbruten")] = "",
    logged_out: Annotated[str, QueryParameter(name="utloggad")] = "",
) -> Response:
    if current_user(request) is not None:
        return Redirect(safe_next(next_path), status_code=HTTP_303_SEE_OTHER)
    context = {
        "next_path": safe_next(next_path, default=""),
        "cancelled": bool(cancelled),
        "logged_out": bool(logged_out),
    }
    return Template("auth/login.html", context=context)


@get("/logga-in/bankid", name="login_bankid")
async def bankid_choice(request: Request, next_path: Annotated[str, QueryParameter(name="next")] = "") -> Response:
    if current_user(request) is not None:
        return Redirect(safe_next(next_path), status_code=HTTP_303_SEE_OTHER)
    return Template("auth/bankid.html", context={"next_path": safe_next(next_path, default=""), "error": ""})


@post("/logga-in/bankid", name="login_bankid_start")
async def bankid_start(request: Request, data: Annotated[dict[str, str], Form]) -> Response:
    next_path = safe_next(data.get("next"), default="")
    try:
        token = await auth.start(
            bankid.client(request),
            request.app.state.settings,
            bankid.requester(request),
            client_key=client_key(request),
            browser_key=browser_key(request),
            same_device=data.get("enhet") == "denna",
            next_url=next_path,
            replacing=await _attempt(request),
        )
    except auth.TooManyLogins:
        raise UserFacingError(
            429, _("You have tried to log in many times in a short while. Wait ten minutes and try again.")
        ) from None
    except BankIdError as error:
        context = {"next_path": next_path, "error": error_message(error)}
        return Template("auth/bankid.html", context=context, status_code=503)
    response = Redirect(STATUS_URL, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(order_cookie(request.app.state.settings, ORDER_COOKIE, token, ORDER_COOKIE_PATH))
    return response


@get(STATUS_URL, name="login_bankid_status")
async def bankid_status(request: Request) -> Response:
    attempt = await _attempt(request)
    if attempt is None or attempt.status in ("complete", "cancelled"):
        if current_user(request) is not None:
            return Redirect(safe_next(attempt.next_url if attempt else ""), status_code=HTTP_303_SEE_OTHER)
        return Redirect("/logga-in/bankid", status_code=HTTP_303_SEE_OTHER)
    state = await bankid.poll(request, attempt)
    if state.status == "complete":
        logged_in = None
        if state.completion:
            app_state = request.app.state
            logged_in = await auth.finish(
                app_state.settings, app_state.register, app_state.company_register, attempt, state.completion
            )
        return _logged_in(request, logged_in, attempt.next_url)
    page = BankIdPage(
        title=_("Log in with BankID"),
        failed_title=_("The login did not go through"),
        status_url=STATUS_URL,
        qr_url="/logga-in/bankid/qr",
        cancel_url="/logga-in/bankid/avbryt",
        retry_url="/logga-in/bankid",
        choose_url="/logga-in/bankid" + (f"?{urlencode({'next': attempt.next_url})}" if attempt.next_url else ""),
        retry_fields={"next": attempt.next_url, "enhet": "denna" if attempt.same_device else "annan"},
    )
    return await bankid_status_response(request, attempt, state, page)


def _logged_in(request: Request, logged_in: auth.LoggedIn | None, next_url: str) -> Response:
    """Another poll may have claimed the completion a moment earlier: its response set the cookie; follow along."""
    target = safe_next(logged_in.next_url if logged_in else next_url)
    settings = request.app.state.settings
    response = finished_response(request, target)
    if logged_in is not None:
        response.set_cookie(session_cookie(settings, logged_in.session_token))
    response.set_cookie(expired_cookie(settings, ORDER_COOKIE, ORDER_COOKIE_PATH))
    return response


@get("/logga-in/bankid/qr", name="login_bankid_qr")
async def bankid_qr(request: Request) -> Response:
    return qr_response(await _attempt(request))


@post("/logga-in/bankid/avbryt", name="login_bankid_cancel")
async def bankid_cancel(request: Request) -> Response:
    attempt = await _attempt(request)
    next_path = ""
    if attempt is not None:
        next_path = attempt.next_url
        await bankid.cancel(request, attempt)
    target = "/logga-in?" + urlencode({"avbruten": "1", **({"next": next_path} if next_path else {})})
    response = Redirect(target, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(expired_cookie(request.app.state.settings, ORDER_COOKIE, ORDER_COOKIE_PATH))
    return response


@post("/logga-ut", name="logout")
async def logout(request: Request) -> Response:
    user = current_user(request)
    if user is not None:
        await auth.log_out(user.id, user.session_id)
    response = Redirect("/utloggad", status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(expired_cookie(request.app.state.settings))
    return response


@get("/utloggad", name="logged_out")
async def logged_out() -> Template:
    return Template("auth/logged_out.html")


# `?formular=`: the id of a form on the page that holds what the user typed (see layout/_session_timeout.html).
KEEP_FORM = re.compile(r"[a-z][a-z0-9-]{0,39}")


def _keep_form(value: str) -> str:
    return value if KEEP_FORM.fullmatch(value) else ""


@get("/session/status", name="session_status")
async def session_status(request: Request, keep_form: Annotated[str, QueryParameter(name="formular")] = "") -> Template:
    """Polled by the page shortly before the idle timeout; does not itself count as activity."""
    user = current_user(request)
    settings = request.app.state.settings
    remaining = (user.idle_deadline - clock.now()).total_seconds() if user else 0
    # After the timeout, "log in again" brings the user back to the page they were on.
    current_page = urlparse(request.headers.get("HX-Current-URL", "")).path
    return Template(
        "layout/_session_timeout.html",
        context={
            "remaining": max(0, int(remaining)),
            "warn": 0 < remaining <= settings.session_warning_seconds,
            "expired": user is None,
            "login_again_url": login_url(safe_next(current_page)),
            "keep_form": _keep_form(keep_form),
        },
    )


@post("/session/forlang", name="session_extend")
async def session_extend(request: Request, keep_form: Annotated[str, QueryParameter(name="formular")] = "") -> Template:
    user = current_user(request)
    if user is not None:
        await auth.stay_logged_in(user.session_id)
    return Template(
        "layout/_session_timeout.html",
        context={
            "remaining": request.app.state.settings.session_idle_minutes * 60,
            "warn": False,
            "expired": user is None,
            "keep_form": _keep_form(keep_form),
        },
    )


route_handlers = [
    login_page,
    bankid_choice,
    bankid_start,
    bankid_status,
    bankid_qr,
    bankid_cancel,
    logout,
    logged_out,
    session_status,
    session_extend,
]
