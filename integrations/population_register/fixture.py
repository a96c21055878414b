"""A population register for development and tests: fictional test persons living in Marks kommun.

`TEST_PERSONS` also lists people who are not in the register, so the BankID simulator can offer every person a
tester may need. The numbers follow Skatteverket's rules (valid check digits) and belong to no real person we
know of; the names and streets are invented.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from babel.support import LazyProxy

from core.i18n import lazy_gettext as _
from core.identity_numbers import parse_personal_number
from integrations.population_register.model import Address, PersonRecord, Protection


@dataclass(frozen=True)
class TestPerson:
    """A person a tester can log in as. `role_hint` is a lazily translated text to show beside the name (it renders
    in the request's language; it equals its English message id, e.g. "applicant")."""

    __test__ = False  # not a pytest test class

    personal_number: str
    given_name: str
    surname: str
    role_hint: str | LazyProxy = field(compare=False, repr=False)
    in_register: bool = True

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.surname}"


TEST_PERSONS: tuple[TestPerson, ...] = (
    TestPerson("198112189876", "Erik", "Andersson", _("applicant")),
    TestPerson("198503129820", "Maria", "Andersson", _("co-applicant")),
    TestPerson("201701012393", "Elias", "Andersson", _("child")),
    TestPerson("201508229968", "Alva", "Andersson", _("child")),
    TestPerson("199908072391", "Johan", "Lindqvist", _("applicant")),
    TestPerson("199505199902", "Sara", "Ali", _("applicant")),
    TestPerson("197205019834", "Lars", "Nilsson", _("protected population registration")),
    TestPerson("196809149849", "Karin", "Johansson", _("confidentiality marking")),
    TestPerson("197010632391", "Tomasz", "Kowalski", _("coordination number")),
    TestPerson("198807079895", "Mikael", "Persson", _("not in the population register"), in_register=False),
    TestPerson("197606239866", "Eva", "Karlsson", _("case officer")),
    TestPerson("197911309917", "Anders", "Berg", _("case officer, another unit")),
    TestPerson("195504109884", "Birgitta", "Olsson", _("administrator")),
    TestPerson("197104183525", "Olof", "Ek", _("case officer, Eva's colleague")),
    TestPerson("198203152346", "Petra", "Holm", _("restricted case officer")),
    TestPerson("198809021465", "Ingrid", "Svensson", _("case officer for protected identities")),
)

_STORGATAN = Address("", "Storgatan 12", "511 54", "Kinna")
_ADDRESSES: dict[str, Address] = {
    "198112189876": _STORGATAN,
    "198503129820": _STORGATAN,
    "201701012393": _STORGATAN,
    "201508229968": _STORGATAN,
    "199908072391": Address("", "Varbergsvägen 3", "511 57", "Skene"),
    "199505199902": Address("", "Örbyvägen 20 lgh 1102", "511 61", "Örby"),
    "197010632391": Address("Hotell Kinna", "Boråsvägen 1", "511 30", "Kinna"),
    "197606239866": Address("", "Fritslavägen 8", "511 73", "Fritsla"),
    "197911309917": Address("", "Torggatan 2", "512 60", "Horred"),
    "195504109884": Address("", "Kyrkvägen 5", "511 58", "Skene"),
    "197104183525": Address("", "Storgatan 21", "511 54", "Kinna"),
    "198203152346": Address("", "Örbyvägen 3", "511 57", "Kinna"),
    "198809021465": Address("", "Skolgatan 9", "511 62", "Skene"),
}
_PROTECTION: dict[str, Protection] = {
    "197205019834": "skyddad_folkbokforing",
    "196809149849": "sekretessmarkering",
}
_CHANGED_AT: dict[str, date] = {
    "198112189876": date(2019, 6, 3),
    "198503129820": date(2019, 6, 3),
    "201701012393": date(2019, 6, 3),
    "201508229968": date(2019, 6, 3),
    "199908072391": date(2022, 9, 14),
    "199505199902": date(2024, 2, 1),
    "197205019834": date(2023, 11, 20),
    "196809149849": date(2021, 4, 8),
    "197010632391": date(2025, 8, 18),
    "197606239866": date(2012, 5, 30),
    "197911309917": date(2016, 10, 11),
    "195504109884": date(2008, 1, 15),
    "197104183525": date(2019, 4, 2),
    "198203152346": date(2021, 9, 14),
    "198809021465": date(2023, 2, 6),
}


def find_test_person(personal_number: str) -> TestPerson | None:
    """The test person with this number in any spelling; None for anyone else."""
    value = parse_personal_number(personal_number).value
    return next((person for person in TEST_PERSONS if person.personal_number == value), None)


def _record(person: TestPerson) -> PersonRecord:
    protection = _PROTECTION.get(person.personal_number)
    if protection is not None:
        # SPAR releases neither name nor address for a protected person.
        return PersonRecord(person.personal_number, "", "", None, True, protection, _CHANGED_AT[person.personal_number])
    return PersonRecord(
        personal_number=person.personal_number,
        given_name=person.given_name,
        surname=person.surname,
        address=_ADDRESSES[person.personal_number],
        protected=False,
        protection=None,
        changed_at=_CHANGED_AT[person.personal_number],
    )


FIXTURE_RECORDS: tuple[PersonRecord, ...] = tuple(_record(person) for person in TEST_PERSONS if person.in_register)


class FixtureRegister:
    """An in-memory PopulationRegister. Starts with the test persons; tests may `put` or `remove` records (for
    example to give someone protection between two logins). `lookup_count` counts lookups."""

    def __init__(self, records: Iterable[PersonRecord] = FIXTURE_RECORDS) -> None:
        self._records = {record.personal_number: record for record in records}
        self.lookup_count = 0

    async def lookup(self, personal_number: str) -> PersonRecord | None:
        self.lookup_count += 1
        return self._records.get(parse_personal_number(personal_number).value)

    def put(self, record: PersonRecord) -> None:
        self._records[record.personal_number] = record

    def remove(self, personal_number: str) -> None:
        self._records.pop(parse_personal_number(personal_number).value, None)
