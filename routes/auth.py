"""Login with BankID (QR on another device, or the app on this device), logout, and the idle-timeout warning."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode, urlparse

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from db import audit, sessions
from integrations.bankid import BankIdError, error_message
from integrations.bankid.qr import qr_svg
from web import login
from web.auth import current_user, expired_cookie, login_url, safe_next, session_cookie
from web.errors import UserFacingError
from web.htmx import wants_fragment

STATUS_URL = "/logga-in/bankid/status"
Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def _attempt_cookie(request: Request, token: str) -> Cookie:
    settings = request.app.state.settings
    return Cookie(
        key=login.ATTEMPT_COOKIE,
        value=token,
        path=login.ATTEMPT_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


async def _attempt(request: Request):
    token = request.cookies.get(login.ATTEMPT_COOKIE)
    return await sessions.login_attempt_for(token) if token else None


@get("/logga-in", name="login")
async def login_page(
    request: Request,
    next_path: Annotated[str, QueryParameter(name="next")] = "",
    cancelled: Annotated[str, QueryParameter(name="avbruten")] = "",
) -> Response:
    if current_user(request) is not None:
        return Redirect(safe_next(next_path), status_code=HTTP_303_SEE_OTHER)
    return Template(
        "auth/login.html", context={"next_path": safe_next(next_path, default=""), "cancelled": bool(cancelled)}
    )


@get("/logga-in/bankid", name="login_bankid")
async def bankid_choice(request: Request, next_path: Annotated[str, QueryParameter(name="next")] = "") -> Response:
    if current_user(request) is not None:
        return Redirect(safe_next(next_path), status_code=HTTP_303_SEE_OTHER)
    return Template("auth/bankid.html", context={"next_path": safe_next(next_path, default=""), "error": ""})


@post("/logga-in/bankid", name="login_bankid_start")
async def bankid_start(request: Request, data: Annotated[dict[str, str], Form]) -> Response:
    next_path = safe_next(data.get("next"), default="")
    try:
        token = await login.start(request, same_device=data.get("enhet") == "denna", next_url=next_path)
    except login.TooManyLogins:
        raise UserFacingError(
            429, _("You have tried to log in many times in a short while. Wait ten minutes and try again.")
        ) from None
    except BankIdError as error:
        context = {"next_path": next_path, "error": error_message(error)}
        return Template("auth/bankid.html", context=context, status_code=503)
    response = Redirect(STATUS_URL, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(_attempt_cookie(request, token))
    return response


@get(STATUS_URL, name="login_bankid_status")
async def bankid_status(request: Request) -> Response:
    attempt = await _attempt(request)
    if attempt is None or attempt.status in ("complete", "cancelled"):
        if current_user(request) is not None:
            return Redirect(safe_next(attempt.next_url if attempt else ""), status_code=HTTP_303_SEE_OTHER)
        return Redirect("/logga-in/bankid", status_code=HTTP_303_SEE_OTHER)
    state = await login.poll(request, attempt)
    if state.status == "complete":
        return _logged_in(request, state)
    if wants_fragment(request):
        if state.status != "pending":
            # The end of the road: the full page shows what happened and how to try again.
            return Response(content=b"", headers={"HX-Redirect": STATUS_URL})
        if attempt.shown == _shown_key(attempt):
            return Response(content=b"", status_code=204)  # nothing new: no swap, no repeated announcement
        await _remember_shown(attempt)
        return Template("auth/_bankid_status.html", context={"message": state.message})
    await _remember_shown(attempt)
    context = {
        "attempt": attempt,
        "state": state,
        "qr": qr_svg(login.qr_for(attempt)) if state.status == "pending" and not attempt.same_device else "",
        "autostart_url": login.autostart_url(request, attempt),
    }
    return Template("auth/bankid_status.html", context=context)


def _shown_key(attempt) -> str:
    return f"{attempt.status}:{attempt.hint_code}"


async def _remember_shown(attempt) -> None:
    attempt.shown = _shown_key(attempt)
    await attempt.save([type(attempt).shown])


def _logged_in(request: Request, state: login.LoginState) -> Response:
    target = safe_next(state.next_url)
    settings = request.app.state.settings
    if wants_fragment(request):
        response: Response = Response(content=b"", headers={"HX-Redirect": target})
    else:
        response = Redirect(target, status_code=HTTP_303_SEE_OTHER)
    if state.session_token:
        response.set_cookie(session_cookie(settings, state.session_token))
    response.set_cookie(expired_cookie(settings, login.ATTEMPT_COOKIE, login.ATTEMPT_COOKIE_PATH))
    return response


@get("/logga-in/bankid/qr", name="login_bankid_qr")
async def bankid_qr(request: Request) -> Response:
    attempt = await _attempt(request)
    if attempt is None or attempt.status != "pending" or attempt.same_device:
        return Response(content=b"", status_code=286)  # htmx: stop polling
    return Template("auth/_bankid_qr.html", context={"qr": qr_svg(login.qr_for(attempt))})


@post("/logga-in/bankid/avbryt", name="login_bankid_cancel")
async def bankid_cancel(request: Request) -> Response:
    attempt = await _attempt(request)
    next_path = ""
    if attempt is not None:
        next_path = attempt.next_url
        await login.cancel(request, attempt)
    target = "/logga-in?" + urlencode({"avbruten": "1", **({"next": next_path} if next_path else {})})
    response = Redirect(target, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(expired_cookie(request.app.state.settings, login.ATTEMPT_COOKIE, login.ATTEMPT_COOKIE_PATH))
    return response


@post("/logga-ut", name="logout")
async def logout(request: Request) -> Response:
    user = current_user(request)
    if user is not None:
        await sessions.end_session(user.session_id)
        await audit.record("logout", actor_id=user.id)
    response = Redirect("/utloggad", status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(expired_cookie(request.app.state.settings))
    return response


@get("/utloggad", name="logged_out")
async def logged_out() -> Template:
    return Template("auth/logged_out.html")


@get("/session/status", name="session_status")
async def session_status(request: Request) -> Template:
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
        },
    )


@post("/session/forlang", name="session_extend")
async def session_extend(request: Request) -> Template:
    user = current_user(request)
    if user is not None:
        await sessions.touch_session(user.session_id, clock.now())
    return Template(
        "layout/_session_timeout.html",
        context={
            "remaining": request.app.state.settings.session_idle_minutes * 60,
            "warn": False,
            "expired": user is None,
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
