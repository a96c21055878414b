"""A company register for development and tests: fictitious organisations in Marks kommun whose signatories are
the test persons of the population register fixture.

The organisation numbers have valid check digits and the names are invented; any likeness to a real organisation
is a coincidence.
"""

from __future__ import annotations

from collections.abc import Iterable

from core.identity_numbers import parse_organisation_number, parse_personal_number
from integrations.company_register.model import CompanyRecord

ERIK_ANDERSSON = "198112189876"
MARIA_ANDERSSON = "198503129820"
JOHAN_LINDQVIST = "199908072391"
SARA_ALI = "199505199902"

FIXTURE_COMPANIES: tuple[CompanyRecord, ...] = (
    # Aktiebolag: two signatories, either may sign alone.
    CompanyRecord("5592048176", "Kinna Bygg & Fastighet AB", (ERIK_ANDERSSON, JOHAN_LINDQVIST), active=True),
    CompanyRecord("5593881260", "Restaurang Viskan AB", (SARA_ALI,), active=True),
    # Ideell förening (8-series number).
    CompanyRecord("8024473194", "Skene IF", (MARIA_ANDERSSON, ERIK_ANDERSSON), active=True),
    # Deregistered: Erik is still listed, but nobody may act for it.
    CompanyRecord("5566104286", "Fritsla Måleri AB", (ERIK_ANDERSSON,), active=False),
    # Signed for by people who are not test persons: no tester can act for it.
    CompanyRecord("5567183420", "Örby Snickeri AB", ("196703154325", "197408223183"), active=True),
)


class FixtureCompanyRegister:
    """An in-memory CompanyRegister. Accepts numbers in any spelling the parsers accept; an invalid number raises
    InvalidIdentityNumber, like the parsers. Tests may `put` or `remove` records (a signatory leaves the board, a
    company is deregistered)."""

    available = True

    def __init__(self, records: Iterable[CompanyRecord] = FIXTURE_COMPANIES) -> None:
        self._records = {record.organisation_number: record for record in records}

    async def lookup(self, organisation_number: str) -> CompanyRecord | None:
        return self._records.get(parse_organisation_number(organisation_number).value)

    async def organisations_of(self, personal_number: str) -> list[CompanyRecord]:
        number = parse_personal_number(personal_number).value
        return sorted((r for r in self._records.values() if number in r.signatories), key=lambda r: r.name)

    def put(self, record: CompanyRecord) -> None:
        self._records[record.organisation_number] = record

    def remove(self, organisation_number: str) -> None:
        self._records.pop(parse_organisation_number(organisation_number).value, None)
