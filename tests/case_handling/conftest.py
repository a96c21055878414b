"""A municipality with two units: Bygga, bo och miljö handles building permits, Barn och utbildning school matters.
Case officers of both, a restricted officer, one allowed to handle protected identities, and an administrator;
residents with cases (one with protected identity)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core import clock
from db.cases import CaseRecord
from tests.factories import make_case, make_officer, make_service_with_form, make_unit, make_user

ERIK, MARIA, SARA, LARS = "198112189876", "198503129820", "199505199902", "197205019834"
EVA, OLOF, PETRA, INGRID, ANDERS, BIRGITTA = (
    "197606239866",
    "197104183525",
    "198203152346",
    "198809021465",
    "197911309917",
    "195504109884",
)
BYGGA, BARN = "Bygga, bo och miljö", "Barn och utbildning"


@dataclass
class Office:
    cases: dict[str, CaseRecord]  # "erik", "protected", "school"
    accounts: dict[str, int]  # by personal number
    services: dict[str, int]


@pytest.fixture
async def office(db) -> Office:
    bygga, barn = await make_unit(BYGGA), await make_unit(BARN)
    bygglov = await make_service_with_form(slug="bygglov", title="Ansökan om bygglov", unit=bygga)
    skola = await make_service_with_form(slug="skolskjuts", title="Skolskjuts", unit=barn)
    accounts = {}
    for number, unit, role, protected in (
        (EVA, BYGGA, "officer", False),
        (OLOF, BYGGA, "officer", False),
        (PETRA, BYGGA, "restricted_officer", False),
        (INGRID, BYGGA, "officer", True),
        (ANDERS, BARN, "officer", False),
        (BIRGITTA, "Kommunledningskontoret", "admin", False),
    ):
        accounts[number] = (await make_officer(number, unit, role=role, may_see_protected=protected)).id
    for number, given, surname in ((ERIK, "Erik", "Andersson"), (SARA, "Sara", "Ali"), (LARS, "Lars", "Nilsson")):
        accounts[number] = (await make_user(number, given, surname)).id
    now = clock.now()
    cases = {
        "erik": await make_case(bygglov, accounts[ERIK], received_at=now, search_text="198112189876 erik andersson"),
        "protected": await make_case(bygglov, accounts[LARS], protected=True, received_at=now),
        "school": await make_case(skola, accounts[SARA], received_at=now),
    }
    return Office(cases, accounts, {"bygglov": bygglov.id, "skolskjuts": skola.id})
