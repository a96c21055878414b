"""Logging in: a BankID auth order (web/bankid_flow.py) whose completion creates or refreshes the account from the
population register and starts a session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from litestar import Request

from core import clock
from core.i18n import gettext as _
from db import accounts, audit, sessions
from db.sessions import BankIdOrder
from integrations.bankid import Completion
from web import bankid_flow
from web.auth import client_key

ORDER_COOKIE = "bankid_login"
ORDER_COOKIE_PATH = "/logga-in"
STATUS_PATH = "/logga-in/bankid/status"


class TooManyLogins(Exception):
    """The client has started too many logins recently."""


@dataclass(frozen=True)
class LoggedIn:
    session_token: str
    next_url: str


async def start(request: Request, *, same_device: bool, next_url: str) -> str:
    """Start a BankID login for this browser; returns the cookie token that binds the order to it."""
    settings = request.app.state.settings
    key = client_key(request)
    window_start = clock.now() - timedelta(minutes=settings.login_rate_window_minutes)
    if await sessions.login_starts_since(key, window_start) >= settings.login_rate_limit:
        await audit.record("login.rate_limited")
        raise TooManyLogins()
    return await bankid_flow.start_order(
        request,
        purpose="login",
        same_device=same_device,
        next_url=next_url,
        client_key=key,
        return_path=STATUS_PATH,
    )


async def finish(request: Request, order: BankIdOrder, completion: Completion) -> LoggedIn:
    """BankID has identified the person: their account (created or refreshed) and a new session."""
    settings = request.app.state.settings
    now = clock.now()
    account, created = await accounts.account_after_login(
        completion.personal_number, completion.given_name, completion.surname, request.app.state.register, now
    )
    await accounts.drop_lapsed_representations(account.id, account.personal_number, request.app.state.company_register)
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
    return LoggedIn(token, order.next_url or ("/handlaggare" if staff else "/mina-sidor"))
