"""A BankID simulator speaking the RP API v6.0 over HTTP (`simulator_api`), for development and tests.

Orders live in a store: this process's memory (`MemoryStore`, for tests), or the database in the app
(db/bankid_simulator.py), so that every worker and machine of a dev installation sees the same orders. The relying
party (our BankIdClient) calls auth, sign, collect and cancel; the user's side is played by a test or by the dev
"BankID app" page through `open`, `choose_person`, `approve`, `refuse` and friends. Never mount it in production: it
completes an order for whoever the tester picks.

Differences from the real service, on purpose:
- `signature` is base64 of an XML document shaped like BankID's (a `bankIdSignedData` element with usrVisibleData
  and usrNonVisibleData exactly as the RP sent them, and srvInfo with the orderRef) but it is NOT signed; the
  `ocspResponse` is a base64 placeholder. Nothing can verify them.
- Time never passes by itself: expiry is worked out from the clock whenever the simulator is asked.

Choices where BankID's documentation leaves room: an unknown or forgotten orderRef is `invalidParameters` ("No such
order", as the v6 service answers, not AL's `notFound`); after the RP's cancel, collect answers failed/`cancelled`
until the order is forgotten, and cancelling a finished order is `invalidParameters`; a new order requiring a person
who already has a pending order is refused with `alreadyInProgress` and the pending one fails with `cancelled`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from litestar import Litestar, Request, Response, post
from litestar.exceptions import HTTPException

from core import clock
from core.identity_numbers import InvalidIdentityNumber, parse_personal_number
from integrations.bankid.client import (
    USER_AGENT_MAX_LENGTH,
    USER_NON_VISIBLE_DATA_MAX_LENGTH,
    USER_VISIBLE_DATA_FORMAT,
    USER_VISIBLE_DATA_MAX_LENGTH,
)

ORDER_TIMEOUT = timedelta(seconds=180)
COMPLETED_KEPT_FOR = timedelta(minutes=3)
FAILED_KEPT_FOR = timedelta(minutes=5)
XMLDSIG_NAMESPACE = "http://www.w3.org/2000/09/xmldsig#"
BANKID_SIGNATURE_NAMESPACE = "http://www.bankid.com/signature/v1.0.0/types"

OrderKind = Literal["auth", "sign"]
ET.register_namespace("", XMLDSIG_NAMESPACE)
ET.register_namespace("bankid", BANKID_SIGNATURE_NAMESPACE)
_ORDER_FIELDS = {
    "endUserIp",
    "requirement",
    "userVisibleData",
    "userVisibleDataFormat",
    "userNonVisibleData",
    "returnUrl",
    "returnRisk",
    "web",
    "app",
}
_REQUIREMENT_FIELDS = {"pinCode", "mrtd", "personalNumber", "certificatePolicies", "cardReader"}
_WEB_FIELDS = {"referringDomain", "userAgent", "deviceIdentifier"}
_APP_FIELDS = {"appIdentifier", "deviceOS", "deviceModelName", "deviceIdentifier"}


def _same(secret: str, given: str) -> bool:
    """A constant-time comparison that also takes text beyond ASCII (hmac.compare_digest raises TypeError on such
    str, and a token or QR code typed by anyone may hold any character)."""
    return hmac.compare_digest(secret.encode(), given.encode("utf-8", "surrogatepass"))


class RpError(Exception):
    """An error answer of the RP API: `{"errorCode": ..., "details": ...}` with an HTTP status."""

    def __init__(
        self, error_code: str, details: str, http_status: int = 400, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(f"{error_code}: {details}")
        self.error_code = error_code
        self.details = details
        self.http_status = http_status
        self.headers = dict(headers or {})


class OrderUnavailable(LookupError):
    """No such order, or it is no longer pending (finished, expired or forgotten)."""


@dataclass(frozen=True)
class SimulatedOrder:
    """What the dev "BankID app" page may see of an order. `state` is the hint code of a pending order
    (outstandingTransaction, started, userSign, ...), otherwise the status (complete or failed)."""

    order_ref: str
    kind: OrderKind
    created_at: datetime
    status: str
    hint_code: str | None
    user_visible_data: str | None  # decoded text
    user_visible_data_format: str | None
    required_personal_number: str | None
    chosen_personal_number: str | None
    return_url: str | None
    auto_start_token: str
    qr_start_token: str

    @property
    def state(self) -> str:
        return (self.hint_code or self.status) if self.status == "pending" else self.status


@dataclass
class _Person:
    personal_number: str
    given_name: str
    surname: str


@dataclass
class _Order:
    order_ref: str
    kind: OrderKind
    created_at: datetime
    end_user_ip: str
    requirement: dict[str, Any]
    user_visible_data: str | None  # base64, exactly as received
    user_visible_data_format: str | None
    user_non_visible_data: str | None  # base64, exactly as received
    return_url: str | None
    return_risk: bool
    auto_start_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    qr_start_token: str = field(default_factory=lambda: str(uuid.uuid4()))
    qr_start_secret: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "pending"
    hint_code: str | None = "outstandingTransaction"
    opened: bool = False
    person: _Person | None = None
    finished_at: datetime | None = None
    completion_data: dict[str, Any] | None = None

    @property
    def required_personal_number(self) -> str | None:
        return self.requirement.get("personalNumber")

    def involves(self, personal_number: str) -> bool:
        chosen = self.person.personal_number if self.person else None
        return personal_number in (self.required_personal_number, chosen)

    def dump(self) -> dict[str, Any]:
        data = asdict(self)
        for name in ("created_at", "finished_at"):
            data[name] = data[name].isoformat() if data[name] else None
        return data

    @classmethod
    def load(cls, data: dict[str, Any]) -> _Order:
        person = _Person(**data["person"]) if data.get("person") else None
        times = {
            name: datetime.fromisoformat(data[name]) if data.get(name) else None
            for name in ("created_at", "finished_at")
        }
        return cls(**{**data, **times, "person": person})


@dataclass
class _InjectedError:
    error: RpError
    remaining: int

    def dump(self) -> dict[str, Any]:
        error = self.error
        return {
            "error_code": error.error_code,
            "details": error.details,
            "http_status": error.http_status,
            "headers": error.headers,
            "remaining": self.remaining,
        }

    @classmethod
    def load(cls, data: dict[str, Any]) -> _InjectedError:
        error = RpError(data["error_code"], data["details"], data["http_status"], data["headers"])
        return cls(error, data["remaining"])


StoredData = dict[str, Any] | None  # JSON-compatible; None: nothing stored yet


class OrderStore(Protocol):
    """Where the simulator keeps its orders and injected errors between calls."""

    async def update(self, change: Callable[[StoredData], StoredData]) -> None:
        """Store what `change` makes of the stored data, nobody else reading or changing it meanwhile."""


class MemoryStore:
    """Orders in this process's memory (tests). Safe to use from several threads and event loops."""

    def __init__(self) -> None:
        self._data: StoredData = None
        self._lock = threading.Lock()

    async def update(self, change: Callable[[StoredData], StoredData]) -> None:
        with self._lock:
            self._data = change(self._data)


class BankIdSimulator:
    """BankID in a box. `store` keeps the orders (in memory unless given: the app keeps them in the database, so
    that every process sees the same orders); `now` is the clock; `order_timeout` how long an order may stay
    pending before it fails with expiredTransaction; `start_timeout`, when set, how long the app may take to open
    an order before it fails with startFailed (the real service: about 30 s for autostart). Each call is one
    operation on the stored orders, as if nobody else were calling meanwhile."""

    def __init__(
        self,
        *,
        store: OrderStore | None = None,
        now: Callable[[], datetime] = clock.now,
        order_timeout: timedelta = ORDER_TIMEOUT,
        start_timeout: timedelta | None = None,
    ) -> None:
        self.store = store or MemoryStore()
        self.now = now
        self.order_timeout = order_timeout
        self.start_timeout = start_timeout

    async def reset(self) -> None:
        """Forget every order and injected error (between tests)."""
        await self.store.update(lambda _data: None)

    # The relying party's side: what the HTTP API calls. Each takes the JSON body and returns the JSON answer.

    async def rp_auth(self, body: Any) -> dict[str, str]:
        return await self._apply(lambda book: book.start("auth", body))

    async def rp_sign(self, body: Any) -> dict[str, str]:
        return await self._apply(lambda book: book.start("sign", body))

    async def rp_collect(self, body: Any) -> dict[str, Any]:
        return await self._apply(lambda book: book.collect(body))

    async def rp_cancel(self, body: Any) -> dict[str, Any]:
        return await self._apply(lambda book: book.cancel(body))

    # The user's side: the BankID app.

    async def open(self, order_ref: str) -> SimulatedOrder:
        """The app opened the order (QR code scanned or autostart)."""
        return await self._apply(lambda book: book.open(order_ref))

    async def choose_person(
        self, order_ref: str, personal_number: str, given_name: str, surname: str
    ) -> SimulatedOrder:
        """The user picked the BankID of this person and is asked for the security code (opens the order if
        needed). Another pending order of the same person is cancelled, as the real app does."""
        return await self._apply(lambda book: book.choose_person(order_ref, personal_number, given_name, surname))

    async def approve(self, order_ref: str) -> SimulatedOrder:
        """The user entered the security code: the order completes."""
        return await self._apply(lambda book: book.approve(order_ref))

    async def identify(self, order_ref: str, personal_number: str, given_name: str, surname: str) -> SimulatedOrder:
        """Open, choose the person and approve, in one operation (what the dev app page does)."""

        def identify(book: _Book) -> SimulatedOrder:
            book.open(order_ref)
            book.choose_person(order_ref, personal_number, given_name, surname)
            return book.approve(order_ref)

        return await self._apply(identify)

    async def refuse(self, order_ref: str) -> SimulatedOrder:
        """The user pressed Cancel in the app."""
        return await self.fail(order_ref, "userCancel")

    async def expire(self, order_ref: str) -> SimulatedOrder:
        """The order timed out before the user finished."""
        return await self.fail(order_ref, "expiredTransaction")

    async def fail(self, order_ref: str, hint_code: str) -> SimulatedOrder:
        """Ends a pending order as failed with any hint code (certificateErr, startFailed, ...)."""
        return await self._apply(lambda book: book.fail(order_ref, hint_code))

    async def set_pending_hint(self, order_ref: str, hint_code: str) -> SimulatedOrder:
        """Shows any pending hint code (noClient, userMrtd, or one BankID has not invented yet)."""
        return await self._apply(lambda book: book.set_pending_hint(order_ref, hint_code))

    # Listings for the dev "BankID app" page.

    async def pending_orders(self) -> list[SimulatedOrder]:
        """Pending orders, newest first."""
        return await self._apply(lambda book: book.pending_orders())

    async def order(self, order_ref: str) -> SimulatedOrder | None:
        return await self._apply(lambda book: book.view(book.orders.get(order_ref)))

    async def order_by_auto_start_token(self, token: str) -> SimulatedOrder | None:
        return await self._apply(lambda book: book.find(lambda o: _same(o.auto_start_token, token)))

    async def order_by_qr_start_token(self, token: str) -> SimulatedOrder | None:
        return await self._apply(lambda book: book.find(lambda o: _same(o.qr_start_token, token)))

    async def order_by_qr_content(self, content: str) -> SimulatedOrder | None:
        """The order a scanned QR code belongs to, if its code is genuine (right token, time and HMAC)."""
        parts = content.split(".")
        if len(parts) != 4 or parts[0] != "bankid" or not parts[2].isdigit():
            return None
        _prefix, token, seconds, code = parts

        def matches(order: _Order) -> bool:
            expected = hmac.new(order.qr_start_secret.encode(), seconds.encode(), hashlib.sha256).hexdigest()
            return _same(order.qr_start_token, token) and _same(expected, code)

        return await self._apply(lambda book: book.find(matches))

    # Error injection.

    async def inject_error(
        self,
        error_code: str,
        http_status: int,
        count: int = 1,
        *,
        details: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """The next `count` RP calls (any endpoint) answer this error. A 429 gets RateLimit headers unless
        `headers` says otherwise."""
        if http_status == 429 and headers is None:
            headers = {"RateLimit-Limit": "100", "RateLimit-Remaining": "0", "RateLimit-Reset": "5"}
        error = RpError(error_code, details or f"Simulated {error_code}", http_status, headers)
        await self._apply(lambda book: book.injected.append(_InjectedError(error, count)))

    async def _apply(self, action: Callable[[_Book], Any]) -> Any:
        """One operation: the stored orders, brought up to date, changed by `action` and stored again (also when
        it answers with an error: a consumed injected error, or orders cancelled by alreadyInProgress)."""
        outcome: dict[str, Any] = {}

        def change(data: StoredData) -> StoredData:
            book = _Book(data, self.now, self.order_timeout, self.start_timeout)
            book.refresh()
            try:
                outcome["result"] = action(book)
            except (RpError, OrderUnavailable, ValueError) as error:
                outcome["error"] = error
            return book.dump()

        await self.store.update(change)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["result"]


class _Book:
    """The simulator's orders and injected errors during one operation, and what BankID does with them."""

    def __init__(
        self,
        data: StoredData,
        now: Callable[[], datetime],
        order_timeout: timedelta,
        start_timeout: timedelta | None,
    ) -> None:
        data = data or {}
        self.now = now
        self.order_timeout = order_timeout
        self.start_timeout = start_timeout
        self.orders: dict[str, _Order] = {order["order_ref"]: _Order.load(order) for order in data.get("orders", [])}
        self.injected: list[_InjectedError] = [_InjectedError.load(item) for item in data.get("injected", [])]

    def dump(self) -> dict[str, Any]:
        return {
            "orders": [order.dump() for order in self.orders.values()],
            "injected": [item.dump() for item in self.injected],
        }

    def start(self, kind: OrderKind, body: Any) -> dict[str, str]:
        self._raise_injected()
        fields = _validated_order_request(kind, body)
        now = self.now()
        required = fields["requirement"].get("personalNumber")
        if required is not None:
            running = [o for o in self.orders.values() if o.status == "pending" and o.involves(required)]
            if running:
                # The real service cancels both: the running order fails with `cancelled`, the new one is refused.
                for order in running:
                    self._fail(order, "cancelled", now)
                raise RpError("alreadyInProgress", "Order already in progress for pno")
        order = _Order(order_ref=str(uuid.uuid4()), kind=kind, created_at=now, **fields)
        self.orders[order.order_ref] = order
        return {
            "orderRef": order.order_ref,
            "autoStartToken": order.auto_start_token,
            "qrStartToken": order.qr_start_token,
            "qrStartSecret": order.qr_start_secret,
        }

    def collect(self, body: Any) -> dict[str, Any]:
        self._raise_injected()
        order = self._rp_order(body)
        answer: dict[str, Any] = {"orderRef": order.order_ref, "status": order.status}
        if order.status == "complete":
            answer["completionData"] = order.completion_data
        else:
            answer["hintCode"] = order.hint_code
        return answer

    def cancel(self, body: Any) -> dict[str, Any]:
        self._raise_injected()
        order = self._rp_order(body)
        if order.status != "pending":
            raise RpError("invalidParameters", "No such order")
        self._fail(order, "cancelled", self.now())
        return {}

    def open(self, order_ref: str) -> SimulatedOrder:
        order = self._pending(order_ref)
        order.opened = True
        if order.hint_code in ("outstandingTransaction", "noClient"):
            order.hint_code = "started"
        return _view(order)

    def choose_person(self, order_ref: str, personal_number: str, given_name: str, surname: str) -> SimulatedOrder:
        order = self._pending(order_ref)
        value = parse_personal_number(personal_number).value
        if order.required_personal_number not in (None, value):
            raise ValueError("This order may only be completed by the person the relying party required")
        now = self.now()
        for other in self.orders.values():
            if other is not order and other.status == "pending" and other.involves(value):
                self._fail(other, "cancelled", now)
        order.opened = True
        order.person = _Person(value, given_name, surname)
        order.hint_code = "userSign"
        return _view(order)

    def approve(self, order_ref: str) -> SimulatedOrder:
        order = self._pending(order_ref)
        if order.person is None:
            raise ValueError("Choose a person before approving the order")
        now = self.now()
        order.status, order.hint_code, order.finished_at = "complete", None, now
        order.completion_data = _completion_data(order, now)
        return _view(order)

    def fail(self, order_ref: str, hint_code: str) -> SimulatedOrder:
        order = self._pending(order_ref)
        self._fail(order, hint_code, self.now())
        return _view(order)

    def set_pending_hint(self, order_ref: str, hint_code: str) -> SimulatedOrder:
        order = self._pending(order_ref)
        order.hint_code = hint_code
        return _view(order)

    def pending_orders(self) -> list[SimulatedOrder]:
        pending = [order for order in self.orders.values() if order.status == "pending"]
        return [_view(order) for order in sorted(pending, key=lambda order: order.created_at, reverse=True)]

    def find(self, predicate: Callable[[_Order], bool]) -> SimulatedOrder | None:
        return self.view(next((order for order in self.orders.values() if predicate(order)), None))

    @staticmethod
    def view(order: _Order | None) -> SimulatedOrder | None:
        return _view(order) if order else None

    def refresh(self) -> None:
        """Applies the passage of time: pending orders fail when they time out, finished ones are forgotten."""
        now = self.now()
        for order in list(self.orders.values()):
            if order.status == "pending":
                deadline = order.created_at + self.order_timeout
                start_deadline = deadline
                if self.start_timeout is not None and not order.opened:
                    start_deadline = min(deadline, order.created_at + self.start_timeout)
                if now >= start_deadline and start_deadline < deadline:
                    self._fail(order, "startFailed", start_deadline)
                elif now >= deadline:
                    self._fail(order, "expiredTransaction", deadline)
            if order.finished_at is not None:
                kept_for = COMPLETED_KEPT_FOR if order.status == "complete" else FAILED_KEPT_FOR
                if now >= order.finished_at + kept_for:
                    del self.orders[order.order_ref]

    def _raise_injected(self) -> None:
        if self.injected:
            injected = self.injected[0]
            injected.remaining -= 1
            if injected.remaining <= 0:
                self.injected.pop(0)
            raise injected.error

    def _rp_order(self, body: Any) -> _Order:
        if not isinstance(body, dict) or set(body) != {"orderRef"} or not isinstance(body["orderRef"], str):
            raise RpError("invalidParameters", "Invalid orderRef")
        order = self.orders.get(body["orderRef"])
        if order is None:
            raise RpError("invalidParameters", "No such order")
        return order

    def _pending(self, order_ref: str) -> _Order:
        order = self.orders.get(order_ref)
        if order is None or order.status != "pending":
            raise OrderUnavailable(order_ref)
        return order

    @staticmethod
    def _fail(order: _Order, hint_code: str, at: datetime) -> None:
        order.status, order.hint_code, order.finished_at = "failed", hint_code, at


def _completion_data(order: _Order, now: datetime) -> dict[str, Any]:
    person = order.person
    assert person is not None
    data: dict[str, Any] = {
        "user": {
            "personalNumber": person.personal_number,
            "name": f"{person.given_name} {person.surname}",
            "givenName": person.given_name,
            "surname": person.surname,
        },
        "device": {"ipAddress": order.end_user_ip, "uhi": base64.b64encode(secrets.token_bytes(32)).decode()},
        "bankIdIssueDate": (now - timedelta(days=400)).date().isoformat(),
        "signature": base64.b64encode(_signature_xml(order, now)).decode("ascii"),
        "ocspResponse": base64.b64encode(f"SIMULATED OCSP RESPONSE {order.order_ref}".encode()).decode("ascii"),
    }
    if order.requirement.get("mrtd"):
        data["stepUp"] = {"mrtd": True}
    if order.return_risk:
        data["risk"] = "low"
    return data


def _view(order: _Order) -> SimulatedOrder:
    visible = None
    if order.user_visible_data is not None:
        visible = base64.b64decode(order.user_visible_data).decode("utf-8")
    return SimulatedOrder(
        order_ref=order.order_ref,
        kind=order.kind,
        created_at=order.created_at,
        status=order.status,
        hint_code=order.hint_code,
        user_visible_data=visible,
        user_visible_data_format=order.user_visible_data_format,
        required_personal_number=order.required_personal_number,
        chosen_personal_number=order.person.personal_number if order.person else None,
        return_url=order.return_url,
        auto_start_token=order.auto_start_token,
        qr_start_token=order.qr_start_token,
    )


def _signature_xml(order: _Order, now: datetime) -> bytes:
    """An XML document shaped like BankID's signature, without any real signature in it."""
    signature = ET.Element(f"{{{XMLDSIG_NAMESPACE}}}Signature")
    ET.SubElement(signature, f"{{{XMLDSIG_NAMESPACE}}}SignedInfo")
    ET.SubElement(signature, f"{{{XMLDSIG_NAMESPACE}}}SignatureValue").text = "U0lNVUxBVEVELU5PVC1TSUdORUQ="
    wrapper = ET.SubElement(signature, f"{{{XMLDSIG_NAMESPACE}}}Object")
    signed = ET.SubElement(wrapper, f"{{{BANKID_SIGNATURE_NAMESPACE}}}bankIdSignedData", {"Id": "bidSignedData"})
    if order.user_visible_data is not None:
        attributes = {"charset": "UTF-8", "visible": "wysiwys"}
        ET.SubElement(
            signed, f"{{{BANKID_SIGNATURE_NAMESPACE}}}usrVisibleData", attributes
        ).text = order.user_visible_data
    if order.user_non_visible_data is not None:
        ET.SubElement(signed, f"{{{BANKID_SIGNATURE_NAMESPACE}}}usrNonVisibleData").text = order.user_non_visible_data
    server = ET.SubElement(signed, f"{{{BANKID_SIGNATURE_NAMESPACE}}}srvInfo")
    ET.SubElement(server, f"{{{BANKID_SIGNATURE_NAMESPACE}}}name").text = "U2ltdWxhdGVkIFJQ"  # "Simulated RP"
    ET.SubElement(server, f"{{{BANKID_SIGNATURE_NAMESPACE}}}nonce").text = base64.b64encode(
        secrets.token_bytes(20)
    ).decode()
    ET.SubElement(server, f"{{{BANKID_SIGNATURE_NAMESPACE}}}orderRef").text = order.order_ref
    client = ET.SubElement(signed, f"{{{BANKID_SIGNATURE_NAMESPACE}}}clientInfo")
    ET.SubElement(client, f"{{{BANKID_SIGNATURE_NAMESPACE}}}funcId").text = (
        "Identification" if order.kind == "auth" else "Signing"
    )
    ET.SubElement(client, f"{{{BANKID_SIGNATURE_NAMESPACE}}}time").text = now.isoformat()
    ET.SubElement(client, f"{{{BANKID_SIGNATURE_NAMESPACE}}}simulated").text = "true"
    return ET.tostring(signature, encoding="utf-8", xml_declaration=True)


def _validated_order_request(kind: OrderKind, body: Any) -> dict[str, Any]:
    """The fields of an auth or sign request as _Order arguments; RpError(invalidParameters) for anything off."""
    if not isinstance(body, dict):
        raise RpError("invalidParameters", "Invalid request body")
    unknown = sorted(set(body) - _ORDER_FIELDS)
    if unknown:
        raise RpError("invalidParameters", f"Invalid parameter: {unknown[0]}")

    end_user_ip = body.get("endUserIp")
    try:
        ipaddress.ip_address(end_user_ip if isinstance(end_user_ip, str) else "")
    except ValueError:
        raise RpError("invalidParameters", "Incorrect endUserIp") from None

    requirement = body.get("requirement", {})
    _check_requirement(requirement)

    visible = body.get("userVisibleData")
    if visible is None and kind == "sign":
        raise RpError("invalidParameters", "Missing userVisibleData")
    if visible is not None:
        decoded = _base64(visible, USER_VISIBLE_DATA_MAX_LENGTH, "userVisibleData")
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            raise RpError("invalidParameters", "Invalid userVisibleData") from None
    visible_format = body.get("userVisibleDataFormat")
    if visible_format is not None and (visible_format != USER_VISIBLE_DATA_FORMAT or visible is None):
        raise RpError("invalidParameters", "Invalid userVisibleDataFormat")
    non_visible = body.get("userNonVisibleData")
    if non_visible is not None:
        _base64(non_visible, USER_NON_VISIBLE_DATA_MAX_LENGTH, "userNonVisibleData")

    return_url = body.get("returnUrl")
    if return_url is not None and (not isinstance(return_url, str) or not return_url):
        raise RpError("invalidParameters", "Invalid returnUrl")
    return_risk = body.get("returnRisk", False)
    if not isinstance(return_risk, bool):
        raise RpError("invalidParameters", "Invalid returnRisk")
    if "web" in body and "app" in body:
        raise RpError("invalidParameters", "Use either web or app, not both")
    _check_device(body.get("web"), _WEB_FIELDS, "web")
    _check_device(body.get("app"), _APP_FIELDS, "app")

    return {
        "end_user_ip": end_user_ip,
        "requirement": dict(requirement),
        "user_visible_data": visible,
        "user_visible_data_format": visible_format,
        "user_non_visible_data": non_visible,
        "return_url": return_url,
        "return_risk": return_risk,
    }


def _check_requirement(requirement: Any) -> None:
    if not isinstance(requirement, dict) or set(requirement) - _REQUIREMENT_FIELDS:
        raise RpError("invalidParameters", "Invalid requirement")
    for flag in ("pinCode", "mrtd"):
        if flag in requirement and not isinstance(requirement[flag], bool):
            raise RpError("invalidParameters", f"Invalid requirement.{flag}")
    if "personalNumber" in requirement:
        number = requirement["personalNumber"]
        try:
            valid = isinstance(number, str) and len(number) == 12 and parse_personal_number(number).value == number
        except InvalidIdentityNumber:
            valid = False
        if not valid:
            raise RpError("invalidParameters", "Incorrect personalNumber")
    policies = requirement.get("certificatePolicies", [])
    if not isinstance(policies, list) or not all(isinstance(policy, str) for policy in policies):
        raise RpError("invalidParameters", "Invalid requirement.certificatePolicies")
    if requirement.get("cardReader", "class1") not in ("class1", "class2"):
        raise RpError("invalidParameters", "Invalid requirement.cardReader")


def _check_device(device: Any, allowed: set[str], name: str) -> None:
    if device is None:
        return
    if not isinstance(device, dict) or set(device) - allowed or not all(isinstance(v, str) for v in device.values()):
        raise RpError("invalidParameters", f"Invalid {name}")
    if len(device.get("userAgent", "")) > USER_AGENT_MAX_LENGTH:
        raise RpError("invalidParameters", f"Invalid {name}.userAgent")


def _base64(value: Any, limit: int, name: str) -> bytes:
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise RpError("invalidParameters", f"Invalid {name}")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise RpError("invalidParameters", f"Invalid {name}") from None


# The HTTP API.

_ERROR_CODE_BY_STATUS = {404: "notFound", 405: "methodNotAllowed", 415: "unsupportedMediaType"}


def _json(status: int, content: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        content=json.dumps(content, ensure_ascii=False).encode("utf-8"),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


def _error(error: RpError) -> Response:
    return _json(error.http_status, {"errorCode": error.error_code, "details": error.details}, error.headers)


def _http_exception(_request: Request, exc: HTTPException) -> Response:
    code = _ERROR_CODE_BY_STATUS.get(
        exc.status_code, "internalError" if exc.status_code >= 500 else "invalidParameters"
    )
    headers = {"Allow": exc.headers["Allow"]} if exc.headers and "Allow" in exc.headers else None
    return _error(RpError(code, exc.detail, exc.status_code, headers))


def _unexpected(_request: Request, _exc: Exception) -> Response:
    return _error(RpError("internalError", "Internal error in the BankID simulator", 500))


def simulator_api(simulator: BankIdSimulator) -> Litestar:
    """An ASGI app serving POST /auth, /sign, /collect and /cancel relative to where it is mounted (the real
    service's paths under /rp/v6.0/), with BankID's JSON bodies and error answers."""

    async def answer(request: Request, operation: Callable[[Any], Awaitable[dict[str, Any]]]) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            return _error(RpError("unsupportedMediaType", "Content-Type must be application/json", 415))
        try:
            body = json.loads(await request.body())
        except ValueError:
            return _error(RpError("invalidParameters", "Invalid JSON in request body"))
        try:
            return _json(200, await operation(body))
        except RpError as error:
            return _error(error)

    @post("/auth", status_code=200)
    async def auth(request: Request) -> Response:
        return await answer(request, simulator.rp_auth)

    @post("/sign", status_code=200)
    async def sign(request: Request) -> Response:
        return await answer(request, simulator.rp_sign)

    @post("/collect", status_code=200)
    async def collect(request: Request) -> Response:
        return await answer(request, simulator.rp_collect)

    @post("/cancel", status_code=200)
    async def cancel(request: Request) -> Response:
        return await answer(request, simulator.rp_cancel)

    return Litestar(
        route_handlers=[auth, sign, collect, cancel],
        exception_handlers={HTTPException: _http_exception, Exception: _unexpected},
        openapi_config=None,
        logging_config=None,
        debug=False,
    )
