"""A CompanyRegister backed by the company information service the municipality subscribes to, over HTTPS.

Vendors of company information (Bolagsverket's own services, and the information brokers that resell them) each have
their own API, so the platform speaks one small JSON contract and a thin adapter in front of the vendor's API (or
the vendor itself) answers it. The contract (README.md, "Company register"):

    GET {COMPANY_REGISTER_URL}/organisations/{organisation_number}
        organisation_number: 10 digits, no dash
        200 {"organisation_number": "5592048176", "name": "Kinna Bygg & Fastighet AB", "active": true,
             "signatories": ["198112189876", "199908072391"]}
        404 the register does not know the organisation
    GET {COMPANY_REGISTER_URL}/persons/{personal_number}/signatory-rights
        personal_number: 12 digits
        200 {"organisations": [<an organisation as above>, ...]}  every organisation the person may sign for alone,
            inactive ones included; an empty list when none

`signatories` are the 12-digit personal identity numbers of the people who may sign for the organisation on their
own (firmatecknare var för sig); `active` is false for an organisation that is deregistered or being wound up.
Every request carries `Authorization: Bearer <COMPANY_REGISTER_TOKEN>` when a token is set, and the client
certificate when one is set (mutual TLS). Any other status, an answer that breaks the contract, no answer within the
timeout or a connection failure is CompanyRegisterUnavailable. Nothing here logs a personal number.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import httpx

from core.identity_numbers import parse_organisation_number, parse_personal_number
from core.logging import without_numbers
from integrations.company_register.model import CompanyRecord, CompanyRegisterUnavailable
from integrations.tls import ssl_context

logger = logging.getLogger(__name__)


class HttpCompanyRegister:
    available = True

    def __init__(
        self,
        base_url: str,
        *,
        token: str = "",
        client_cert: tuple[str, str] | None = None,
        ca_cert: str | None = None,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = True
        if client_cert is not None or ca_cert is not None:
            verify = ssl_context(client_cert, ca_cert)
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/") + "/",
            verify=verify,
            transport=transport,
            timeout=timeout,
            headers=headers,
            follow_redirects=False,
        )

    async def __aenter__(self) -> HttpCompanyRegister:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def lookup(self, organisation_number: str) -> CompanyRecord | None:
        number = parse_organisation_number(organisation_number).value
        data = await self._get(f"organisations/{number}", allow_not_found=True)
        if data is None:
            return None
        record = _record(data)
        if record.organisation_number != number:
            raise _logged(CompanyRegisterUnavailable("The company register answered about another organisation"))
        return record

    async def organisations_of(self, personal_number: str) -> list[CompanyRecord]:
        number = parse_personal_number(personal_number).value
        data = await self._get(f"persons/{number}/signatory-rights", allow_not_found=False)
        organisations = data.get("organisations") if isinstance(data, dict) else None
        if not isinstance(organisations, list):
            raise _logged(CompanyRegisterUnavailable("The company register's answer lacks organisations"))
        return sorted((_record(item) for item in organisations), key=lambda record: record.name)

    async def _get(self, path: str, *, allow_not_found: bool) -> Any:
        try:
            response = await self._http.get(path)
        except httpx.TimeoutException as error:
            raise _logged(CompanyRegisterUnavailable("The company register did not answer in time")) from error
        except httpx.HTTPError as error:
            details = f"Could not reach the company register: {type(error).__name__}: {error}"
            raise _logged(CompanyRegisterUnavailable(details)) from error
        if response.status_code == 404 and allow_not_found:
            return None
        if response.status_code != 200:
            raise _logged(CompanyRegisterUnavailable(f"The company register answered HTTP {response.status_code}"))
        try:
            return response.json()
        except ValueError:
            raise _logged(CompanyRegisterUnavailable("The company register's answer is not JSON")) from None


def _record(data: Any) -> CompanyRecord:
    try:
        signatories = data["signatories"]
        if (
            not isinstance(data["name"], str)
            or not isinstance(data["active"], bool)
            or not isinstance(signatories, list)
        ):
            raise TypeError
        return CompanyRecord(data["organisation_number"], data["name"], tuple(signatories), data["active"])
    except (KeyError, TypeError, ValueError):
        raise _logged(CompanyRegisterUnavailable("An organisation in the answer breaks the contract")) from None


def _logged(error: CompanyRegisterUnavailable) -> CompanyRegisterUnavailable:
    logger.warning("Company register lookup failed", extra={"error": without_numbers(str(error))})
    return error
