"""A client for BankID's Relying Party API v6.0: auth, sign, collect and cancel over mutual TLS.

The same client talks to the simulator (integrations.bankid.simulator) in development and tests. Nothing here logs a
personal number: log lines carry the orderRef, the status and BankID's error code.
"""

from __future__ import annotations

import base64
import logging
import ssl
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from core.logging import without_numbers
from integrations.tls import ssl_context

logger = logging.getLogger(__name__)

# Limits of the v6.0 API, counted in characters of the base64 text.
USER_VISIBLE_DATA_MAX_LENGTH = 1500
USER_NON_VISIBLE_DATA_MAX_LENGTH = 1500
USER_AGENT_MAX_LENGTH = 256
USER_VISIBLE_DATA_FORMAT = "simpleMarkdownV1"

CollectStatus = Literal["pending", "failed", "complete"]

# errorCode for an error answer without BankID's JSON body (a proxy's page, an empty body), by HTTP status.
_ERROR_CODE_BY_STATUS = {
    400: "invalidParameters",
    401: "unauthorized",
    403: "unauthorized",
    404: "notFound",
    405: "methodNotAllowed",
    408: "requestTimeout",
    415: "unsupportedMediaType",
    429: "tooManyRequests",
    503: "maintenance",
}


class BankIdError(Exception):
    """BankID answered with an error, or could not be reached.

    `error_code` is BankID's errorCode (alreadyInProgress, invalidParameters, unauthorized, notFound,
    requestTimeout, tooManyRequests, internalError, maintenance, ...); when BankID could not be reached it is
    "requestTimeout" (no answer in time) or "internalError" (connection or TLS failure), with `http_status` 0.
    `rate_limit_reset` is the RateLimit-Reset header (seconds) of a 429 answer, when present.
    """

    def __init__(self, error_code: str, details: str, http_status: int, *, rate_limit_reset: int | None = None):
        super().__init__(f"{error_code} ({http_status}): {details}")
        self.error_code = error_code
        self.details = details
        self.http_status = http_status
        self.rate_limit_reset = rate_limit_reset


@dataclass(frozen=True)
class WebDevice:
    """The `web` device parameters of auth and sign: the user's browser, as our server sees it."""

    referring_domain: str
    user_agent: str
    device_identifier: str  # stable per browser and not personal, e.g. a hash of a long-lived cookie

    def as_json(self) -> dict[str, str]:
        return {
            "referringDomain": self.referring_domain,
            "userAgent": self.user_agent[:USER_AGENT_MAX_LENGTH],
            "deviceIdentifier": self.device_identifier,
        }


@dataclass(frozen=True)
class OrderStarted:
    order_ref: str
    auto_start_token: str
    qr_start_token: str
    qr_start_secret: str = field(repr=False)  # never leaves the server


@dataclass(frozen=True)
class Completion:
    """completionData of a completed order. `signature` (XML) and `ocsp_response` are base64 as BankID sent them;
    `raw` is the whole completionData. The repr leaves out personal data."""

    personal_number: str = field(repr=False)  # 12 digits
    name: str = field(repr=False)
    given_name: str = field(repr=False)
    surname: str = field(repr=False)
    ip_address: str = field(repr=False)
    uhi: str = field(repr=False)
    bankid_issue_date: str  # as BankID sends it, e.g. "2023-10-28"
    signature: str = field(repr=False)
    ocsp_response: str = field(repr=False)
    risk: str | None  # "low", "moderate" or "high"; only when returnRisk was asked for
    mrtd: bool | None  # stepUp.mrtd; only when requirement.mrtd was asked for
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True)
class CollectResult:
    """`status` is "pending", "failed" or "complete"; a status or hint code BankID adds later is kept as received."""

    order_ref: str
    status: CollectStatus | str
    hint_code: str | None
    completion: Completion | None

    @property
    def is_pending(self) -> bool:
        return self.status == "pending"

    @property
    def is_complete(self) -> bool:
        return self.status == "complete"

    @property
    def is_failed(self) -> bool:
        return self.status == "failed"


class BankIdClient:
    """`base_url` ends with the API version, e.g. https://appapi2.test.bankid.com/rp/v6.0/. `client_cert` is
    (certificate file, key file) in PEM; `ca_cert` BankID's root certificate (PEM). `transport` replaces the
    network, e.g. httpx.ASGITransport(app=simulator_api(simulator)) in tests."""

    def __init__(
        self,
        base_url: str,
        *,
        client_cert: tuple[str, str] | None = None,
        ca_cert: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        client_key_password: str | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = True
        if client_cert is not None or ca_cert is not None:
            verify = ssl_context(client_cert, ca_cert, client_key_password)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            verify=verify,
            transport=transport,
            timeout=timeout,
            headers={"Accept": "application/json"},
            follow_redirects=False,
        )

    async def __aenter__(self) -> BankIdClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def auth(
        self,
        end_user_ip: str,
        *,
        requirement: dict[str, Any] | None = None,
        user_visible_data: str | None = None,
        user_non_visible_data: bytes | None = None,
        return_url: str | None = None,
        return_risk: bool | None = None,
        web: WebDevice | None = None,
    ) -> OrderStarted:
        body = _order_body(
            end_user_ip, requirement, user_visible_data, user_non_visible_data, return_url, return_risk, web
        )
        return _order_started(await self._post("auth", body), "auth")

    async def sign(
        self,
        end_user_ip: str,
        user_visible_data: str,
        *,
        user_non_visible_data: bytes | None = None,
        requirement: dict[str, Any] | None = None,
        return_url: str | None = None,
        return_risk: bool | None = None,
        web: WebDevice | None = None,
    ) -> OrderStarted:
        if not user_visible_data:
            raise ValueError("sign needs user_visible_data: the text the user signs")
        body = _order_body(
            end_user_ip, requirement, user_visible_data, user_non_visible_data, return_url, return_risk, web
        )
        return _order_started(await self._post("sign", body), "sign")

    async def collect(self, order_ref: str) -> CollectResult:
        result = _collect_result(await self._post("collect", {"orderRef": order_ref}))
        logger.debug(
            "BankID collect",
            extra={"order_ref": result.order_ref, "status": result.status, "hint_code": result.hint_code},
        )
        return result

    async def cancel(self, order_ref: str) -> None:
        await self._post("cancel", {"orderRef": order_ref})
        logger.info("BankID order cancelled", extra={"order_ref": order_ref})

    async def _post(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(endpoint, json=body)
        except httpx.TimeoutException as error:
            raise self._logged(BankIdError("requestTimeout", "BankID did not answer in time", 0), endpoint) from error
        except httpx.HTTPError as error:
            details = f"Could not reach BankID: {type(error).__name__}: {error}"
            raise self._logged(BankIdError("internalError", details, 0), endpoint) from error
        if response.status_code >= 400:
            raise self._logged(_error_from(response), endpoint)
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            error = BankIdError("internalError", "BankID answered with something other than a JSON object", 200)
            raise self._logged(error, endpoint)
        return data

    @staticmethod
    def _logged(error: BankIdError, endpoint: str) -> BankIdError:
        logger.warning(
            "BankID error",
            extra={
                "endpoint": endpoint,
                "error_code": error.error_code,
                "http_status": error.http_status,
                "details": without_numbers(error.details),
            },
        )
        return error


def _base64_within(data: bytes, limit: int, name: str) -> str:
    encoded = base64.b64encode(data).decode("ascii")
    if not 1 <= len(encoded) <= limit:
        raise ValueError(f"{name} must be 1-{limit} characters after base64 encoding, not {len(encoded)}")
    return encoded


def _order_body(
    end_user_ip: str,
    requirement: dict[str, Any] | None,
    user_visible_data: str | None,
    user_non_visible_data: bytes | None,
    return_url: str | None,
    return_risk: bool | None,
    web: WebDevice | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"endUserIp": end_user_ip}
    if requirement:
        body["requirement"] = requirement
    if user_visible_data is not None:
        body["userVisibleData"] = _base64_within(
            user_visible_data.encode("utf-8"), USER_VISIBLE_DATA_MAX_LENGTH, "userVisibleData"
        )
        body["userVisibleDataFormat"] = USER_VISIBLE_DATA_FORMAT
    if user_non_visible_data is not None:
        body["userNonVisibleData"] = _base64_within(
            user_non_visible_data, USER_NON_VISIBLE_DATA_MAX_LENGTH, "userNonVisibleData"
        )
    if return_url is not None:
        body["returnUrl"] = return_url
    if return_risk is not None:
        body["returnRisk"] = return_risk
    if web is not None:
        body["web"] = web.as_json()
    return body


def _order_started(data: dict[str, Any], kind: str) -> OrderStarted:
    try:
        started = OrderStarted(
            order_ref=_text(data, "orderRef"),
            auto_start_token=_text(data, "autoStartToken"),
            qr_start_token=_text(data, "qrStartToken"),
            qr_start_secret=_text(data, "qrStartSecret"),
        )
    except KeyError as missing:
        raise BankIdError("internalError", f"BankID's {kind} answer lacks {missing.args[0]}", 200) from None
    logger.info("BankID order started", extra={"order_ref": started.order_ref, "kind": kind})
    return started


def _collect_result(data: dict[str, Any]) -> CollectResult:
    try:
        order_ref, status = _text(data, "orderRef"), _text(data, "status")
    except KeyError as missing:
        raise BankIdError("internalError", f"BankID's collect answer lacks {missing.args[0]}", 200) from None
    hint_code = data.get("hintCode") if isinstance(data.get("hintCode"), str) else None
    completion = None
    if status == "complete":
        completion = _completion(data.get("completionData"))
        logger.info("BankID order complete", extra={"order_ref": order_ref})
    return CollectResult(order_ref=order_ref, status=status, hint_code=hint_code, completion=completion)


def _completion(data: Any) -> Completion:
    if not isinstance(data, dict):
        raise BankIdError("internalError", "BankID's complete answer lacks completionData", 200)
    user = data.get("user") if isinstance(data.get("user"), dict) else {}
    device = data.get("device") if isinstance(data.get("device"), dict) else {}
    step_up = data.get("stepUp") if isinstance(data.get("stepUp"), dict) else {}
    try:
        personal_number = _text(user, "personalNumber")
        signature, ocsp_response = _text(data, "signature"), _text(data, "ocspResponse")
    except KeyError as missing:
        raise BankIdError("internalError", f"BankID's completionData lacks {missing.args[0]}", 200) from None
    mrtd = step_up.get("mrtd")
    risk = data.get("risk")
    return Completion(
        personal_number=personal_number,
        name=str(user.get("name", "")),
        given_name=str(user.get("givenName", "")),
        surname=str(user.get("surname", "")),
        ip_address=str(device.get("ipAddress", "")),
        uhi=str(device.get("uhi", "")),
        bankid_issue_date=str(data.get("bankIdIssueDate", "")),
        signature=signature,
        ocsp_response=ocsp_response,
        risk=risk if isinstance(risk, str) else None,
        mrtd=mrtd if isinstance(mrtd, bool) else None,
        raw=data,
    )


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise KeyError(key)
    return value


def _error_from(response: httpx.Response) -> BankIdError:
    status = response.status_code
    try:
        data = response.json()
    except ValueError:
        data = None
    if isinstance(data, dict) and isinstance(data.get("errorCode"), str):
        error_code, details = data["errorCode"], str(data.get("details", ""))
    else:
        error_code = _ERROR_CODE_BY_STATUS.get(status, "internalError" if status >= 500 else "invalidParameters")
        details = f"HTTP {status} without BankID's error body"
    return BankIdError(error_code, details, status, rate_limit_reset=_seconds(response.headers.get("RateLimit-Reset")))


def _seconds(value: str | None) -> int | None:
    try:
        return max(0, round(float(value))) if value is not None else None
    except (ValueError, OverflowError):
        return None
