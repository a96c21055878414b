"""A SPAR Personsök simulator speaking the 2021.1 SOAP protocol over HTTP (`spar_api`), for tests and development.

It answers PersonSok questions by IdNummer from PersonRecords (the fixture's test persons unless told otherwise),
in the shape SPAR's schemas give: PersonId, Sekretessmarkering, SkyddadFolkbokforing, SenasteAndringSPAR, Namn and
Folkbokforingsadress/SvenskAdress with DatumFrom/DatumTill, and the UUID of the answer. For a protected person it
sends the flags and nothing else, as SPAR releases no name or address for them. A person it does not know gets an
answer without PersonsokningSvarspost. Serve it over mutual TLS (tests/integrations/tls.py) to test the client.

Ways to make it misbehave, for tests: `delay_seconds` answers late (a timeout at the client), `fault` answers every
question with a SOAP Fault, `exception` with an Undantag (SPAR's in-band error). A question it cannot read (not a
SOAP envelope, an IdNummer or customer number outside the schema's pattern) gets a soap:Client fault, as SPAR answers
an invalid question with a fault. [guess] The text of SPAR's real faults is not published; ours are plain English.
"""

from __future__ import annotations

import asyncio
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from defusedxml import ElementTree as SafeET
from litestar import Litestar, Request, Response, post

from integrations.population_register.fixture import FIXTURE_RECORDS
from integrations.population_register.model import PersonRecord
from integrations.population_register.spar import CUSTOMER_NUMBERS, ID_NUMBER, NS, q

UNTIL_FURTHER = "9999-12-31"  # DatumTill of what is valid now


@dataclass
class Question:
    """What the simulator was asked (tests check the client sends SPAR's identification)."""

    personal_number: str
    customer_number: str
    end_customer_number: str
    assignment_id: str
    end_user_id: str
    soap_action: str


@dataclass
class SparSimulator:
    records: dict[str, PersonRecord] = field(default_factory=dict)
    delay_seconds: float = 0.0
    fault: tuple[str, str] | None = None  # (faultcode, faultstring)
    exception: tuple[str, str] | None = None  # (Kod, Beskrivning) of an Undantag
    questions: list[Question] = field(default_factory=list)

    @classmethod
    def with_records(cls, records: Iterable[PersonRecord] = FIXTURE_RECORDS) -> SparSimulator:
        return cls(records={record.personal_number: record for record in records})

    def put(self, record: PersonRecord) -> None:
        self.records[record.personal_number] = record

    def reset(self) -> None:
        self.delay_seconds, self.fault, self.exception = 0.0, None, None
        self.questions.clear()

    async def answer(self, content: bytes, soap_action: str) -> tuple[int, bytes]:
        """(HTTP status, SOAP envelope) for a request body."""
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        try:
            question = _question(content, soap_action)
        except ValueError as error:
            return 500, fault_envelope("soapenv:Client", str(error))
        self.questions.append(question)
        if self.fault is not None:
            return 500, fault_envelope(*self.fault)
        return 200, answer_envelope(question.personal_number, self._posts(question.personal_number), self.exception)

    def _posts(self, personal_number: str) -> list[PersonRecord]:
        record = self.records.get(personal_number)
        return [record] if record is not None else []


def _question(content: bytes, soap_action: str) -> Question:
    try:
        root = SafeET.fromstring(content)
    except Exception:
        raise ValueError("The request is not well-formed XML") from None
    question = root.find("soap:Body/fraga:SPARPersonsokningFraga", NS)
    if root.tag != q("soap", "Envelope") or question is None:
        raise ValueError("The request has no SPARPersonsokningFraga in a SOAP body")

    def text(path: str) -> str:
        found = question.find(path, NS)
        return (found.text or "").strip() if found is not None else ""

    info = {
        name: text(f"iden:Identifieringsinformation/iden:{name}")
        for name in ("KundNrLeveransMottagare", "KundNrSlutkund", "UppdragId", "SlutAnvandarId")
    }
    for name in ("KundNrLeveransMottagare", "KundNrSlutkund"):
        if not info[name].isdigit() or int(info[name]) not in CUSTOMER_NUMBERS:
            raise ValueError(f"{name} is not a SPAR customer number")
    if not info["UppdragId"].isdigit() or not info["SlutAnvandarId"]:
        raise ValueError("UppdragId and SlutAnvandarId are required")
    personal_number = text("sok:PersonsokningFraga/person:IdNummer")
    if not ID_NUMBER.fullmatch(personal_number):
        raise ValueError("IdNummer does not match [1-9][0-9]{11}")
    return Question(
        personal_number,
        info["KundNrLeveransMottagare"],
        info["KundNrSlutkund"],
        info["UppdragId"],
        info["SlutAnvandarId"],
        soap_action,
    )


def _envelope() -> tuple[ET.Element, ET.Element]:
    envelope = ET.Element(q("soap", "Envelope"))
    return envelope, ET.SubElement(envelope, q("soap", "Body"))


def fault_envelope(code: str, message: str) -> bytes:
    envelope, body = _envelope()
    fault = ET.SubElement(body, q("soap", "Fault"))
    ET.SubElement(fault, "faultcode").text = code
    ET.SubElement(fault, "faultstring").text = message
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def answer_envelope(personal_number: str, records: list[PersonRecord], exception: tuple[str, str] | None) -> bytes:
    envelope, body = _envelope()
    answer = ET.SubElement(body, q("svar", "SPARPersonsokningSvar"))
    search = ET.SubElement(answer, q("sok", "PersonsokningFraga"))
    ET.SubElement(search, q("person", "IdNummer")).text = personal_number
    if exception is not None:
        undantag = ET.SubElement(answer, q("undantag", "Undantag"))
        ET.SubElement(undantag, q("undantag", "Kod")).text = exception[0]
        ET.SubElement(undantag, q("undantag", "Beskrivning")).text = exception[1]
    else:
        for record in records:
            _post(ET.SubElement(answer, q("svar", "PersonsokningSvarspost")), record)
    ET.SubElement(answer, q("svar", "UUID")).text = str(uuid.uuid4())
    return ET.tostring(envelope, encoding="utf-8", xml_declaration=True)


def _post(post_element: ET.Element, record: PersonRecord) -> None:
    def add(parent: ET.Element, prefix: str, name: str, value: str | None = None) -> ET.Element:
        child = ET.SubElement(parent, q(prefix, name))
        if value is not None:
            child.text = value
        return child

    person_id = add(post_element, "person", "PersonId")
    add(person_id, "person", "IdNummer", record.personal_number)
    coordination = int(record.personal_number[6:8]) > 60
    add(person_id, "person", "Typ", "SAMORDNINGSNUMMER" if coordination else "PERSONNUMMER")
    since = (record.changed_at or date(2000, 1, 1)).isoformat()
    # SPAR sets Sekretessmarkering itself when a person has skyddad folkbokföring but no marking.
    add(post_element, "skydd", "Sekretessmarkering", "JA" if record.protected else "NEJ")
    if record.protected:
        add(post_element, "skydd", "SekretessDatum", since)
    protected_registration = record.protection == "skyddad_folkbokforing"
    add(post_element, "skydd", "SkyddadFolkbokforing", "JA" if protected_registration else "NEJ")
    if protected_registration:
        add(post_element, "skydd", "SkyddadFolkbokforingDatum", since)
    if record.changed_at is not None:
        add(post_element, "person", "SenasteAndringSPAR", record.changed_at.isoformat())
    if record.protected:
        return
    name = add(post_element, "namn", "Namn")
    add(name, "datumtid", "DatumFrom", since)
    add(name, "datumtid", "DatumTill", UNTIL_FURTHER)
    add(name, "namnelement", "Aviseringsnamn", f"{record.surname}, {record.given_name}"[:36])
    add(name, "namnelement", "Fornamn", record.given_name)
    add(name, "namnelement", "Tilltalsnamn", "10")
    add(name, "namnelement", "Efternamn", record.surname)
    if record.address is not None:
        swedish = add(add(post_element, "fba", "Folkbokforingsadress"), "adress", "SvenskAdress")
        add(swedish, "datumtid", "DatumFrom", since)
        add(swedish, "datumtid", "DatumTill", UNTIL_FURTHER)
        if record.address.care_of:
            add(swedish, "adress", "CareOf", record.address.care_of)
        add(swedish, "adress", "Utdelningsadress2", record.address.street)
        add(swedish, "adress", "PostNr", record.address.postal_code.replace(" ", ""))
        add(swedish, "adress", "Postort", record.address.city.upper())


def spar_api(simulator: SparSimulator) -> Litestar:
    """The simulator as an ASGI app: POST / with a SOAP envelope, as SPAR's https://.../2021.1/ address takes it."""

    @post("/", status_code=200)
    async def personsok(request: Request) -> Response:
        status, content = await simulator.answer(await request.body(), request.headers.get("soapaction", ""))
        return Response(content, status_code=status, media_type="text/xml; charset=utf-8")

    return Litestar(route_handlers=[personsok], openapi_config=None, logging_config=None, debug=False)
