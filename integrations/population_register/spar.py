"""A client for Skatteverket's SPAR Personsök program-program, version 2021.1: SOAP 1.1 over HTTPS with mutual TLS.

One question only: the person with this personal identity number (the one BankID has just identified, never a number
someone typed). The request and answer follow SPAR's published XML schemas (PersonsokningFraga.xsd and
PersonsokningSvar.xsd of version 2021.1, as in SPAR's own reference implementation): the request carries SPAR's
customer numbers, the assignment id and an end-user id, which SPAR writes to its logs.

What the answer means here:
- no PersonsokningSvarspost: the register does not know the person (None);
- Sekretessmarkering or SkyddadFolkbokforing JA: a protected person; whatever name or address the answer might carry
  is dropped at once (PersonRecord forbids an address for them), the name is taken from BankID;
- an Undantag (SPAR's in-band error, Kod and Beskrivning), a SOAP Fault, an HTTP error, no answer within the timeout,
  a connection or TLS failure, or an answer we cannot read: RegisterUnavailable. Login goes on without the register.

The same client talks to the simulator (integrations.population_register.spar_simulator) in tests. Nothing here logs
a personal number or anything else from the answer: log lines carry SPAR's fault or error codes and the HTTP status.
Answers are parsed with defusedxml (no DTDs, no entity expansion).
"""

from __future__ import annotations

import logging
import re
import ssl
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date

import httpx
from defusedxml import ElementTree as SafeET

from core import clock
from core.logging import without_numbers
from integrations.population_register.model import Address, PersonRecord, RegisterUnavailable
from integrations.tls import ssl_context

logger = logging.getLogger(__name__)

SOAP_ACTION = "http://skatteverket.se/spar/personsok/2021.1/PersonsokService/Personsok"
_SPAR = "http://statenspersonadressregister.se/schema"
NS = {
    "soap": "http://schemas.xmlsoap.org/soap/envelope/",
    "fraga": f"{_SPAR}/personsok/2021.1/personsokningfraga",
    "svar": f"{_SPAR}/personsok/2021.1/personsokningsvar",
    "iden": f"{_SPAR}/komponent/metadata/identifieringsinformationWs-1.1",
    "sok": f"{_SPAR}/komponent/sok/personsokningsokparametrar-1.1",
    "person": f"{_SPAR}/komponent/person/person-1.2",
    "skydd": f"{_SPAR}/komponent/person/skyddadepersonuppgifter-1.1",
    "namn": f"{_SPAR}/komponent/person/namn/namn-1.0",
    "namnelement": f"{_SPAR}/komponent/person/namn/deladenamnelement-1.0",
    "fba": f"{_SPAR}/komponent/person/adress/folkbokforingsadress-1.1",
    "adress": f"{_SPAR}/komponent/person/adress/deladeadresselement-1.1",
    "datumtid": f"{_SPAR}/komponent/generellt/datumtid-1.1",
    "undantag": f"{_SPAR}/komponent/sok/undantag-1.0",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(f"spar-{_prefix}" if _prefix != "soap" else "soapenv", _uri)

ID_NUMBER = re.compile(r"[1-9][0-9]{11}")  # IdNummerTYPE of Person-1.2.xsd
CUSTOMER_NUMBERS = range(500001, 600000)  # KundNrTYPE of DeladeMetaElement-1.0.xsd
END_USER_ID_MAX_LENGTH = 256  # SlutAnvandarIdTYPE


def q(prefix: str, name: str) -> str:
    """The qualified name {namespace}name that ElementTree uses."""
    return f"{{{NS[prefix]}}}{name}"


class SparError(RegisterUnavailable):
    """SPAR answered, but with an error: `code` is the SOAP faultcode ("soap:Client", "soap:Server", ...), SPAR's
    Undantag Kod, or "HTTP <status>"; `details` its text. Neither ever carries a personal number we sent."""

    def __init__(self, code: str, details: str) -> None:
        super().__init__(f"SPAR error {code}: {details}")
        self.code = code
        self.details = details


@dataclass(frozen=True)
class SparIdentity:
    """The Identifieringsinformation of every request. `customer_number` is KundNrLeveransMottagare (the customer
    who owns the organisation certificate), `end_customer_number` KundNrSlutkund (the customer allowed to ask),
    `assignment_id` UppdragId (given by SPAR), `end_user_id` SlutAnvandarId (written to SPAR's logs; a fixed name
    of the platform's login lookups, `SPAR_END_USER_ID`: it is the person logging in who asks, not a staff member)."""

    customer_number: int
    end_customer_number: int
    assignment_id: int
    end_user_id: str

    def __post_init__(self) -> None:
        if self.customer_number not in CUSTOMER_NUMBERS or self.end_customer_number not in CUSTOMER_NUMBERS:
            raise ValueError("SPAR customer numbers are 500001-599999")
        if self.assignment_id < 1:
            raise ValueError("SPAR's assignment id (UppdragId) is a positive number")
        if not 1 <= len(self.end_user_id) <= END_USER_ID_MAX_LENGTH:
            raise ValueError(f"SPAR's end-user id is 1-{END_USER_ID_MAX_LENGTH} characters")


def request_envelope(identity: SparIdentity, personal_number: str) -> bytes:
    """The SOAP envelope of a PersonSok question by IdNummer."""
    envelope = ET.Element(q("soap", "Envelope"))
    ET.SubElement(envelope, q("soap", "Header"))
    body = ET.SubElement(envelope, q("soap", "Body"))
    question = ET.SubElement(body, q("fraga", "SPARPersonsokningFraga"))
    info = ET.SubElement(question, q("iden", "Identifieringsinformation"))
    for name, value in (
        ("KundNrLeveransMottagare", str(identity.customer_number)),
        ("KundNrSlutkund", str(identity.end_customer_number)),
        ("UppdragId", str(identity.assignment_id)),
        ("SlutAnvandarId", identity.end_user_id),
    ):
        ET.SubElement(info, q("iden", name)).text = value
    search = ET.SubElement(question, q("sok", "PersonsokningFraga"))
    ET.SubElement(search, q("person", "IdNummer")).text = personal_number
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


class SparClient:
    """A PopulationRegister backed by SPAR. `url` is the service address, e.g. SPAR's customer test environment
    https://kt-ext-ws.statenspersonadressregister.se/2021.1/; `client_cert` (certificate file, key file) in PEM is
    the organisation certificate; `ca_cert` the CA that signed SPAR's server certificate (PEM). `timeout` is the
    most a login waits for SPAR (seconds, per connect/read/write)."""

    def __init__(
        self,
        url: str,
        identity: SparIdentity,
        *,
        client_cert: tuple[str, str] | None = None,
        ca_cert: str | None = None,
        client_key_password: str | None = None,
        timeout: float = 5.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        verify: ssl.SSLContext | bool = True
        if client_cert is not None or ca_cert is not None:
            verify = ssl_context(client_cert, ca_cert, client_key_password)
        self._url = url
        self._identity = identity
        self._http = httpx.AsyncClient(
            verify=verify,
            transport=transport,
            timeout=timeout,
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{SOAP_ACTION}"'},
            follow_redirects=False,
        )
        self.lookup_count = 0

    async def __aenter__(self) -> SparClient:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def lookup(self, personal_number: str) -> PersonRecord | None:
        if not ID_NUMBER.fullmatch(personal_number):
            raise ValueError("SPAR is asked by a 12-digit personal identity number")
        self.lookup_count += 1
        try:
            response = await self._http.post(self._url, content=request_envelope(self._identity, personal_number))
        except httpx.TimeoutException as error:
            raise _logged(RegisterUnavailable("SPAR did not answer in time")) from error
        except httpx.HTTPError as error:
            raise _logged(RegisterUnavailable(f"Could not reach SPAR: {type(error).__name__}: {error}")) from error
        try:
            return parse_answer(response.status_code, response.content, personal_number, clock.now().date())
        except RegisterUnavailable as error:
            raise _logged(error) from None


def _logged(error: RegisterUnavailable) -> RegisterUnavailable:
    logger.warning("SPAR lookup failed", extra={"error": without_numbers(str(error))})
    return error


def parse_answer(status: int, content: bytes, personal_number: str, today: date) -> PersonRecord | None:
    """The PersonRecord in SPAR's answer to a question about `personal_number`; None when SPAR knows nobody by that
    number. Raises RegisterUnavailable (SparError for SPAR's own errors) for anything else."""
    try:
        root = SafeET.fromstring(content)
    except Exception as error:  # defusedxml's refusals and ParseError alike: nothing we can use
        details = f"HTTP {status}, an answer that is not XML ({type(error).__name__})"
        raise RegisterUnavailable(f"SPAR answered with something we cannot read: {details}") from None
    body = root.find("soap:Body", NS) if root.tag == q("soap", "Envelope") else None
    if body is None:
        raise RegisterUnavailable(f"SPAR's answer (HTTP {status}) is not a SOAP envelope")
    fault = body.find("soap:Fault", NS)
    if fault is not None:
        raise SparError(_text(fault, "faultcode") or "soap:Server", _text(fault, "faultstring"))
    if status != 200:
        raise SparError(f"HTTP {status}", "an error status without a SOAP fault")
    answer = body.find("svar:SPARPersonsokningSvar", NS)
    if answer is None:
        raise RegisterUnavailable("SPAR's answer lacks SPARPersonsokningSvar")
    exception = answer.find("undantag:Undantag", NS)
    if exception is not None:
        raise SparError(_text(exception, "undantag:Kod"), _text(exception, "undantag:Beskrivning"))
    posts = answer.findall("svar:PersonsokningSvarspost", NS)
    if not posts:
        return None
    matching = [post for post in posts if _text(post, "person:PersonId/person:IdNummer") == personal_number]
    if len(matching) != 1 or len(posts) != 1:
        raise RegisterUnavailable(f"SPAR answered a question about one person with {len(posts)} other records")
    return _record(matching[0], personal_number, today)


def _record(post: ET.Element, personal_number: str, today: date) -> PersonRecord:
    confidential = _yes(post, "skydd:Sekretessmarkering")
    protected_registration = _yes(post, "skydd:SkyddadFolkbokforing")
    changed_at = _date(_text(post, "person:SenasteAndringSPAR"))
    if protected_registration or confidential:
        # Whatever else the answer holds about a protected person is dropped here and never stored.
        protection = "skyddad_folkbokforing" if protected_registration else "sekretessmarkering"
        return PersonRecord(personal_number, "", "", None, True, protection, changed_at)
    name = _current(post.findall("namn:Namn", NS), today)
    given_name = surname = ""
    if name is not None:
        given_name = _text(name, "namnelement:Fornamn")
        surname = " ".join(
            part for part in (_text(name, "namnelement:Mellannamn"), _text(name, "namnelement:Efternamn")) if part
        )
    address = _current(post.findall("fba:Folkbokforingsadress/adress:SvenskAdress", NS), today)
    return PersonRecord(
        personal_number=personal_number,
        given_name=given_name,
        surname=surname,
        address=_address(address) if address is not None else None,
        protected=False,
        protection=None,
        changed_at=changed_at,
    )


def _address(element: ET.Element) -> Address | None:
    lines = [_text(element, "adress:Utdelningsadress1"), _text(element, "adress:Utdelningsadress2")]
    street = ", ".join(line for line in lines if line)
    postal_code = _text(element, "adress:PostNr")
    if not street and not postal_code:
        return None
    if len(postal_code) == 5 and postal_code.isdigit():
        postal_code = f"{postal_code[:3]} {postal_code[3:]}"
    return Address(_text(element, "adress:CareOf"), street, postal_code, _text(element, "adress:Postort"))


def _current(elements: list[ET.Element], today: date) -> ET.Element | None:
    """The element valid today by its DatumFrom/DatumTill (SPAR sends history too); without dates, the last one."""
    for element in elements:
        start = _date(_text(element, "datumtid:DatumFrom")) or date.min
        end = _date(_text(element, "datumtid:DatumTill")) or date.max
        if start <= today <= end:
            return element
    undated = [element for element in elements if element.find("datumtid:DatumFrom", NS) is None]
    return undated[-1] if undated else None


def _yes(element: ET.Element, path: str) -> bool:
    value = _text(element, path)
    if value not in ("JA", "NEJ"):
        # Both flags are required in the schema: an answer without them cannot tell a protected person apart.
        raise RegisterUnavailable(f"SPAR's answer has no JA/NEJ in {path.split(':')[-1]}")
    return value == "JA"


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        raise RegisterUnavailable("SPAR's answer has a date we cannot read") from None


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None else ""
