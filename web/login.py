"""The BankID login flow between the HTTP handlers, the BankID client, the population register and sessions.

A login in progress is a LoginAttempt row bound to the browser by a cookie token. Collect is called at most once a
second per attempt, whoever polls; the result is kept on the row so every poll can answer from it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from litestar import Request

from core import clock
from core.i18n import gettext as _
from core.settings import Settings
from db import accounts, audit, sessions
from db.sessions import LoginAttempt
from integrations.bankid import BankIdClient, BankIdError, CollectResult, WebDevice, collect_message, error_message
from integrations.bankid.qr import qr_content
from web.auth import client_key

ATTEMPT_COOKIE = "bankid_login"
ATTEMPT_COOKIE_PATH = "/logga-in"
COLLECT_INTERVAL = timedelta(seconds=1)
MOBILE_HINTS = ("Mobi", "Android", "iPhone", "iPad")


class TooManyLogins(Exception):
    """The client has started too many logins recently."""


@dataclass(frozen=True)
class LoginState:
    status: str  # pending | failed | complete
    message: str
    session_token: str | None = None
    next_url: str = ""


def _bankid(request: Request) -> BankIdClient:
    return request.app.state.bankid


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def is_mobile(request: Request) -> bool:
    agent = request.headers.get("user-agent", "")
    return any(hint in agent for hint in MOBILE_HINTS)


async def start(request: Request, *, same_device: bool, next_url: str) -> str:
    """Start a BankID auth order for this browser; returns the cookie token that binds the attempt to it."""
    settings = _settings(request)
    key = client_key(request)
    now = clock.now()
    window_start = now - timedelta(minutes=settings.login_rate_window_minutes)
    if await sessions.login_starts_since(key, window_start) >= settings.login_rate_limit:
        await audit.record("login.rate_limited")
        raise TooManyLogins()
    token = sessions.new_token()
    order = await _bankid(request).auth(
        request.client.host if request.client else "127.0.0.1",
        return_url=f"{settings.base_url}/logga-in/bankid/status" if same_device and is_mobile(request) else None,
        web=WebDevice(
            referring_domain=request.url.hostname or "localhost",
            user_agent=request.headers.get("user-agent", ""),
            device_identifier=sessions.hash_token(token),
        ),
    )
    await LoginAttempt.insert(
        LoginAttempt(
            token_hash=sessions.hash_token(token),
            order_ref=order.order_ref,
            auto_start_token=order.auto_start_token,
            qr_start_token=order.qr_start_token,
            qr_start_secret=order.qr_start_secret,
            same_device=same_device,
            next_url=next_url,
            client_key=key,
            started_at=now,
        )
    )
    return token


def qr_for(attempt: LoginAttempt) -> str:
    """The animated QR code's content for this second; the secret never leaves the server."""
    elapsed = int((clock.now() - attempt.started_at).total_seconds())
    return qr_content(attempt.qr_start_token, attempt.qr_start_secret, max(0, elapsed))


def autostart_url(request: Request, attempt: LoginAttempt) -> str:
    if _settings(request).uses_bankid_simulator:
        return f"/_dev/bankid/app?autostarttoken={attempt.auto_start_token}"
    return f"bankid:///?autostarttoken={attempt.auto_start_token}&redirect=null"


async def poll(request: Request, attempt: LoginAttempt) -> LoginState:
    """Where the login stands: collects from BankID when due, finishes the login when the order is complete."""
    now = clock.now()
    if attempt.status == "pending" and (
        attempt.last_collect_at is None or now - attempt.last_collect_at >= COLLECT_INTERVAL
    ):
        try:
            result = await _bankid(request).collect(attempt.order_ref)
        except BankIdError as error:
            await _fail(attempt, error.error_code)
            return LoginState("failed", error_message(error))
        if result.status == "complete" and result.completion is not None:
            return await _finish(request, attempt, result)
        attempt.status = "failed" if result.status == "failed" else "pending"
        attempt.hint_code = result.hint_code or ""
        attempt.last_collect_at = now
        await attempt.save([LoginAttempt.status, LoginAttempt.hint_code, LoginAttempt.last_collect_at])
        if attempt.status == "failed":
            await audit.record("login.failed", hint=attempt.hint_code)
    return LoginState(attempt.status, _message(request, attempt))


def _message(request: Request, attempt: LoginAttempt) -> str:
    result = CollectResult(
        order_ref=attempt.order_ref,
        status=attempt.status,  # type: ignore[arg-type]
        hint_code=attempt.hint_code or None,
        completion=None,
    )
    if attempt.status == "failed" and attempt.hint_code.startswith("error:"):
        return error_message(BankIdError(attempt.hint_code.removeprefix("error:"), "", 0))
    return collect_message(result, qr=not attempt.same_device, same_device_mobile=is_mobile(request))


async def _fail(attempt: LoginAttempt, error_code: str) -> None:
    attempt.status, attempt.hint_code = "failed", f"error:{error_code}"
    await attempt.save([LoginAttempt.status, LoginAttempt.hint_code])
    await audit.record("login.failed", error=error_code)


async def _finish(request: Request, attempt: LoginAttempt, result: CollectResult) -> LoginState:
    settings = _settings(request)
    completion = result.completion
    now = clock.now()
    # Claim the completion once, however many polls arrive at the same moment. The row stays (without its secret)
    # until the rate-limit window has passed.
    claimed = (
        await LoginAttempt.update({LoginAttempt.status: "complete", LoginAttempt.qr_start_secret: ""})
        .where((LoginAttempt.id == attempt.id) & (LoginAttempt.status == "pending"))
        .returning(LoginAttempt.id)
    )
    if not claimed:
        return LoginState("complete", "", next_url=attempt.next_url)
    account, created = await accounts.account_after_login(
        completion.personal_number, completion.given_name, completion.surname, request.app.state.register, now
    )
    staff = await accounts.staff_member(account.personal_number)
    flash = ""
    if not account.in_register:
        flash = _("We could not find you in the population register, so we only know your name from BankID.")
    elif created:
        flash = _("Welcome! Your account has been created with your details from the population register.")
    token = await sessions.create_session(
        account.id,
        staff_role=staff.role if staff else "",
        staff_unit=staff.unit if staff else "",
        now=now,
        max_age=timedelta(hours=settings.session_max_hours),
        flash=flash,
    )
    await audit.record("login.succeeded", actor_id=account.id, method="bankid", staff=bool(staff), new=created)
    default = "/handlaggare" if staff else "/mina-sidor"
    return LoginState("complete", "", session_token=token, next_url=attempt.next_url or default)


async def cancel(request: Request, attempt: LoginAttempt) -> None:
    if attempt.status == "pending":
        with contextlib.suppress(BankIdError):  # the order may already be gone; the attempt ends here either way
            await _bankid(request).cancel(attempt.order_ref)
    await LoginAttempt.update({LoginAttempt.status: "cancelled", LoginAttempt.qr_start_secret: ""}).where(
        LoginAttempt.id == attempt.id
    )
    await audit.record("login.cancelled")
