"""Logging in and out: a BankID auth order (services/bankid.py) whose completion creates or refreshes the account
from the population register and starts a session; the login rate limit; logging out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core import clock
from core.i18n import gettext as _
from core.settings import Settings
from db import accounts, audit, staff
from db import auth as sessions
from db import bankid as orders
from db.accounts import UserAccount
from db.bankid import BankIdOrder
from integrations.bankid import BankIdClient, Completion
from integrations.company_register import CompanyRegister
from integrations.population_register import PersonRecord, PopulationRegister, RegisterUnavailable
from services import bankid
from services import staff as staff_rules
from services.organisations import drop_lapsed_representations

STATUS_PATH = "/logga-in/bankid/status"
REGISTER_MAX_AGE = timedelta(hours=24)


class TooManyLogins(Exception):
    """The client has started too many logins recently."""


@dataclass(frozen=True)
class LoggedIn:
    session_token: str
    next_url: str


async def start(
    client: BankIdClient,
    settings: Settings,
    requester: bankid.Requester,
    *,
    client_key: str,
    browser_key: str,
    same_device: bool,
    next_url: str,
    replacing: BankIdOrder | None = None,
) -> str:
    """Start a BankID login for this browser; returns the cookie token that binds the order to it. `client_key` and
    `browser_key` identify the client address and the browser for the rate limits (keyed hashes): a browser gets
    LOGIN_RATE_LIMIT starts, an address (a school, a library) the far larger LOGIN_RATE_LIMIT_PER_ADDRESS.
    `replacing` is the browser's earlier login order, cancelled at BankID (see services.bankid.start_order)."""
    window_start = clock.now() - timedelta(minutes=settings.login_rate_window_minutes)
    from_address, from_browser = await orders.login_starts_since(client_key, browser_key, window_start)
    if from_browser >= settings.login_rate_limit or from_address >= settings.login_rate_limit_per_address:
        await audit.record(
            "login.rate_limited", per="browser" if from_browser >= settings.login_rate_limit else "address"
        )
        raise TooManyLogins()
    return await bankid.start_order(
        client,
        settings,
        requester,
        purpose="login",
        same_device=same_device,
        next_url=next_url,
        client_key=client_key,
        browser_key=browser_key,
        return_path=STATUS_PATH,
        replacing=replacing,
    )


async def finish(
    settings: Settings,
    register: PopulationRegister,
    company_register: CompanyRegister,
    order: BankIdOrder,
    completion: Completion,
) -> LoggedIn:
    """BankID has identified the person: their account (created or refreshed) and a new session."""
    now = clock.now()
    account, created = await account_after_login(
        completion.personal_number, completion.given_name, completion.surname, register, now
    )
    await drop_lapsed_representations(account.id, account.personal_number, company_register)
    member = await staff.staff_member(account.personal_number)
    staff_role = staff_rules.session_role(member, staff_rules.local_today())
    flash = ""
    if account.register_failed_at == now and account.register_fetched_at is None:
        flash = _(
            "Your details could not be fetched from the population register (folkbokföringen) right now, so we only "
            "know your name from your e-ID. We try again the next time you log in."
        )
    elif account.register_failed_at == now:
        flash = _(
            "Your details could not be fetched from the population register (folkbokföringen) right now; "
            "we show the latest ones we know."
        )
    elif not account.in_register:
        flash = _("We could not find you in the population register, so we only know your name from BankID.")
    elif created:
        flash = _("Welcome! Your account has been created with your details from the population register.")
    token = await sessions.create_session(
        account.id,
        staff_role=staff_role,
        staff_unit=member.unit if staff_role else "",
        now=now,
        max_age=timedelta(hours=settings.session_max_hours),
        flash=flash,
    )
    await audit.record("login.succeeded", actor_id=account.id, method="bankid", staff=bool(staff_role), new=created)
    return LoggedIn(
        token, order.next_url or ("/handlaggare" if staff_rules.handles_cases(staff_role) else "/mina-sidor")
    )


async def stay_logged_in(session_id: int) -> None:
    """The user answered the idle-timeout warning: their session counts as active now."""
    await sessions.touch_session(session_id, clock.now())


async def log_out(user_id: int, session_id: int) -> None:
    await sessions.end_session(session_id)
    await audit.record("logout", actor_id=user_id)


async def account_after_login(
    personal_number: str, given_name: str, surname: str, register: PopulationRegister, now: datetime
) -> tuple[UserAccount, bool]:
    """The account of the person BankID has just identified: created on the first login, its register data
    refreshed when older than 24 hours. Returns (account, created). Only this person is looked up.

    When the register cannot answer (a timeout, an error), login goes on: the account keeps the data it had (a new
    one has the name BankID gave and counts as protected until the register says otherwise), `register_failed_at`
    says so, and the next login asks again."""
    account = await accounts.account_by_personal_number(personal_number)
    created = account is None
    if account is None:
        account = UserAccount(personal_number=personal_number, created_at=now)
    was_protected = account.protected_identity
    stale = account.register_fetched_at is None or now - account.register_fetched_at > REGISTER_MAX_AGE
    if stale:
        try:
            record = await register.lookup(personal_number)
        except RegisterUnavailable:
            account.register_failed_at = now
            if account.register_fetched_at is None:
                # Nothing is known yet, so nobody can tell whether the person's identity is protected: until the
                # register answers, treat it as protected (their cases only for staff with the permission, no
                # address kept), never the other way round.
                account.protected_identity = True
                _clear_address(account)
        else:
            apply_register_record(account, record, now)
    if not account.in_register or not (account.given_name or account.surname):
        # The register does not know the person, or releases no name (protected identity): take BankID's, which it
        # has just verified.
        account.given_name, account.surname = given_name, surname
    account.last_login_at = now
    # Cases keep the protection they were submitted with, and gain it when the person's identity becomes protected.
    await accounts.save(account, protect_cases=account.protected_identity and not was_protected and not created)
    return account, created


def apply_register_record(account: UserAccount, record: PersonRecord | None, now: datetime) -> None:
    """Copy what the register says; a protected person keeps no address at all, whatever was stored before."""
    account.register_fetched_at = now
    account.register_failed_at = None
    account.in_register = record is not None
    if record is None:
        account.protected_identity = False
        _clear_address(account)
        return
    if record.given_name or record.surname:
        account.given_name, account.surname = record.given_name, record.surname
    account.register_changed_at = record.changed_at
    account.protected_identity = record.protected
    if record.protected or record.address is None:
        _clear_address(account)
    else:
        address = record.address
        account.care_of, account.street = address.care_of, address.street
        account.postal_code, account.city = address.postal_code, address.city


def _clear_address(account: UserAccount) -> None:
    account.care_of = account.street = account.postal_code = account.city = ""
