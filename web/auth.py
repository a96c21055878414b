"""Who is asking: the session cookie, the current user, and the guards that say who may use a route.

Sessions live in the database (any process can serve any request). The middleware reads the cookie, loads the session
with its user and their staff register entry in one query, ends it when idle or too old (or, for staff, when their
access has ended), and records activity at most once a minute.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core import clock
from core.errors import Unavailable
from core.settings import Settings
from db import auth as sessions
from db.engine import is_unavailable
from db.staff import CASE_ROLES
from services import staff as staff_rules

ACTIVITY_RESOLUTION = timedelta(minutes=1)
NO_SESSION_PATHS = ("/static/", "/livez", "/healthz", "/_dev/bankid/rp/")
# Requests that must not count as activity (the idle-timeout warning polls through them).
PASSIVE_PATHS = ("/session/status",)


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The logged-in user of this request, with their account row (loaded with the session in one query)."""

    id: int
    session_id: int
    personal_number: str
    given_name: str
    surname: str
    protected_identity: bool
    in_register: bool
    staff_role: str
    staff_unit: str
    idle_deadline: datetime
    flash: str
    account: Mapping[str, Any]

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}".strip()

    @property
    def is_staff(self) -> bool:
        """Staff who handle cases (/handlaggare); an e-service editor is not one."""
        return self.staff_role in CASE_ROLES

    @property
    def is_admin(self) -> bool:
        return self.staff_role == "admin"


def session_cookie_name(settings: Settings) -> str:
    return "__Host-session" if settings.secure_cookies else "session"


def session_cookie(settings: Settings, token: str) -> Cookie:
    """HttpOnly, SameSite=Lax, Secure over https, and no Expires/Max-Age: it ends with the browser."""
    return Cookie(
        key=session_cookie_name(settings),
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def expired_cookie(settings: Settings, name: str | None = None, path: str = "/") -> Cookie:
    return Cookie(
        key=name or session_cookie_name(settings),
        value="",
        path=path,
        max_age=0,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def client_key(request: Request) -> str:
    """The client's IP address (behind TRUSTED_PROXIES, the one they forward) as a keyed hash: enough to rate-limit,
    useless to anyone reading the database."""
    return _keyed(request, request.client.host if request.client else "unknown")


def browser_key(request: Request) -> str:
    """The browser, by its CSRF cookie (every browser that can post a form has one), as a keyed hash."""
    return _keyed(request, request.cookies.get(request.app.csrf_config.cookie_name, ""))


def rate_keys(request: Request) -> tuple[str, str]:
    """The client address and the session (the login, or for a visitor without one the browser), as keyed hashes,
    for services.limits."""
    user = current_user(request)
    session = _keyed(request, f"session:{user.session_id}") if user else browser_key(request)
    return client_key(request), session


def _keyed(request: Request, value: str) -> str:
    secret = request.app.state.settings.secret_key
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


class SessionMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.cookie_name = session_cookie_name(settings).encode()
        self.idle_timeout = timedelta(minutes=settings.session_idle_minutes)
        self.clear_cookie = expired_cookie(settings).to_header(header="").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NO_SESSION_PATHS):
            await self.app(scope, receive, send)
            return
        scope["user"] = None
        token = self._token(scope)
        if token is None:
            await self.app(scope, receive, send)
            return
        try:
            user = await self._load(
                token,
                passive=scope["path"].startswith(PASSIVE_PATHS),
                consume_flash=scope["method"] == "GET" and not _has_header(scope, b"hx-request"),
            )
        except Exception as error:
            if not is_unavailable(error):
                raise
            # The database is out of reach: pages anyone may see (the catalogue) are served as to a visitor, and
            # those that need the login answer 503 (login_required); the cookie stays for when it is back.
            scope["session_unavailable"] = True
            await self.app(scope, receive, self._private_responses(send, clear_cookie=False))
            return
        scope["user"] = user
        await self.app(scope, receive, self._private_responses(send, clear_cookie=user is None))

    def _token(self, scope: Scope) -> str | None:
        for name, value in scope["headers"]:
            if name == b"cookie":
                for part in value.split(b";"):
                    key, _, cookie_value = part.strip().partition(b"=")
                    if key == self.cookie_name and cookie_value:
                        return cookie_value.decode("latin-1")
        return None

    async def _load(self, token: str, passive: bool, consume_flash: bool) -> CurrentUser | None:
        row = await sessions.find_session(token)
        now = clock.now()
        if row is None:
            return None
        if now >= row["expires_at"] or now >= row["last_seen_at"] + self.idle_timeout:
            await sessions.end_session(row["session_id"])
            return None
        if row["staff_role"] and (
            row["staff_member_id"] is None
            or not staff_rules.in_window(row["staff_valid_from"], row["staff_valid_to"], staff_rules.local_today())
        ):
            # A staff session whose access has ended (its validity window is over, or they left the register): it
            # ends here, and a new login gives what the register says now.
            await sessions.end_session(row["session_id"])
            return None
        last_seen = row["last_seen_at"]
        if not passive and now - last_seen >= ACTIVITY_RESOLUTION:
            await sessions.touch_session(row["session_id"], now)
            last_seen = now
        if consume_flash and row["flash"]:
            await sessions.take_flash(row["session_id"])  # shown on this page, and only here
        return CurrentUser(
            id=row["id"],
            session_id=row["session_id"],
            personal_number=row["personal_number"],
            given_name=row["given_name"],
            surname=row["surname"],
            protected_identity=bool(row["protected_identity"]),
            in_register=bool(row["in_register"]),
            staff_role=row["staff_role"],
            staff_unit=row["staff_unit"],
            idle_deadline=min(last_seen + self.idle_timeout, row["expires_at"]),
            flash=row["flash"],
            account=row,
        )

    def _private_responses(self, send: Send, clear_cookie: bool) -> Send:
        """Pages seen with a session are private: never stored by any cache. A dead session's cookie is removed."""

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"cache-control"]
                headers.append((b"cache-control", b"no-store"))
                if clear_cookie:
                    headers.append((b"set-cookie", self.clear_cookie))
                message["headers"] = headers
            await send(message)

        return wrapped


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope["headers"])


class LoginRequired(HTTPException):
    """Raised by guards for anonymous users; answered with a redirect to the login page, which returns to
    `next_path` (by default the address asked for). `keep_form`: the id of a form on the page that holds what the
    user typed; an htmx request is then answered with "you have been logged out" and a button that posts that form
    (whose handler keeps it over the login), rather than by leaving the page."""

    status_code = 401

    def __init__(self, *, next_path: str | None = None, keep_form: str = "") -> None:
        super().__init__()
        self.next_path = next_path
        self.keep_form = keep_form


def login_url(next_path: str, *, logged_out: bool = False) -> str:
    """The login page, returning to `next_path`; `logged_out`: it says that the session ended and that what the
    user had written is kept."""
    return f"/logga-in?next={quote(next_path, safe='/')}" + ("&utloggad=1" if logged_out else "")


# Guards are async: Litestar runs a sync guard in a worker thread, a hop that costs more than the check.


async def login_required(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        if connection.scope.get("session_unavailable"):
            raise Unavailable()
        raise LoginRequired()


async def staff_required(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    await login_required(connection, handler)
    if not current_user(connection).is_staff:
        raise PermissionDeniedException()


async def admin_required(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Staff with the administrator role (/admin); anyone else logged in gets 403, as non-staff do at /handlaggare."""
    await login_required(connection, handler)
    if not current_user(connection).is_admin:
        raise PermissionDeniedException()


# The longest address a login returns to (what db.bankid.BankIdOrder.next_url holds); a longer one is no address of
# ours anyway.
MAX_NEXT_LENGTH = 500


def safe_next(target: str | None, default: str = "/mina-sidor") -> str:
    """Only a local path may follow a login: '/x' yes; '//evil', 'https://evil', '/\\evil' no."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if len(target) > MAX_NEXT_LENGTH:
        return default
    if any(ord(char) < 32 for char in target):
        return default
    return target


async def flash(user: CurrentUser, message: str) -> None:
    """A one-time notice shown on the user's next page."""
    await sessions.set_flash(user.session_id, message)
