"""The fixture company register: valid numbers, signatories who are test persons, lookups by any spelling."""

from __future__ import annotations

import pytest

from core.identity_numbers import InvalidIdentityNumber, parse_organisation_number, parse_personal_number
from integrations.company_register import CompanyRecord, CompanyRegister, NoCompanyRegister
from integrations.company_register.fixture import FIXTURE_COMPANIES, FixtureCompanyRegister
from integrations.population_register.fixture import find_test_person

ERIK, MARIA, JOHAN, SARA = "198112189876", "198503129820", "199908072391", "199505199902"


def test_every_organisation_number_and_signatory_is_valid_and_canonical():
    for company in FIXTURE_COMPANIES:
        assert parse_organisation_number(company.organisation_number).value == company.organisation_number
        for signatory in company.signatories:
            assert parse_personal_number(signatory).value == signatory, company.name
    numbers = [company.organisation_number for company in FIXTURE_COMPANIES]
    assert len(set(numbers)) == len(numbers)


def test_the_fixture_covers_the_cases_a_tester_needs():
    by_name = {company.name: company for company in FIXTURE_COMPANIES}
    assert by_name["Kinna Bygg & Fastighet AB"].organisation_number.startswith("5")
    assert by_name["Skene IF"].organisation_number.startswith("8"), "an ideell förening"
    assert any(not company.active for company in FIXTURE_COMPANIES)
    outsiders = [c for c in FIXTURE_COMPANIES if not any(find_test_person(n) for n in c.signatories)]
    assert outsiders and all(company.signatories for company in outsiders)


async def test_a_company_is_found_by_its_number_in_any_spelling():
    register: CompanyRegister = FixtureCompanyRegister()
    company = await register.lookup("559204-8176")
    assert company == CompanyRecord("5592048176", "Kinna Bygg & Fastighet AB", (ERIK, JOHAN), active=True)
    assert await register.lookup("165592048176") == company
    assert await register.lookup("5592048176") == company


async def test_an_unknown_organisation_is_none_and_a_mistyped_one_is_an_error():
    register = FixtureCompanyRegister()
    assert await register.lookup("212000-0142") is None
    with pytest.raises(InvalidIdentityNumber):
        await register.lookup("559204-8177")


async def test_organisations_of_lists_where_the_person_is_a_signatory_by_name():
    register = FixtureCompanyRegister()
    assert [c.name for c in await register.organisations_of(ERIK)] == [
        "Fritsla Måleri AB",
        "Kinna Bygg & Fastighet AB",
        "Skene IF",
    ]
    assert [c.name for c in await register.organisations_of("19950519-9902")] == ["Restaurang Viskan AB"]
    assert [c.name for c in await register.organisations_of(MARIA)] == ["Skene IF"]
    assert [c.name for c in await register.organisations_of(JOHAN)] == ["Kinna Bygg & Fastighet AB"]
    assert await register.organisations_of("201701012393") == []


async def test_only_a_signatory_of_an_active_organisation_may_sign_for_it():
    register = FixtureCompanyRegister()
    deregistered = await register.lookup("556610-4286")
    assert not deregistered.active and ERIK in deregistered.signatories and not deregistered.may_sign(ERIK)
    viskan = await register.lookup("559388-1260")
    assert viskan.may_sign(SARA) and not viskan.may_sign(ERIK)


async def test_tests_can_change_the_register():
    register = FixtureCompanyRegister()
    register.put(CompanyRecord("5592048176", "Kinna Bygg & Fastighet AB", (JOHAN,), active=True))
    assert [c.name for c in await register.organisations_of(ERIK)] == ["Fritsla Måleri AB", "Skene IF"]
    register.remove("559388-1260")
    assert await register.lookup("5593881260") is None
    assert await FixtureCompanyRegister().lookup("5593881260") is not None, "each register has its own records"


def test_a_record_refuses_numbers_that_are_not_canonical():
    with pytest.raises(ValueError):
        CompanyRecord("559204-8176", "X AB", (), active=True)
    with pytest.raises(ValueError):
        CompanyRecord("5592048176", "X AB", ("19811218-9876",), active=True)
    with pytest.raises(ValueError):
        CompanyRecord("5592048176", "X AB", [ERIK], active=True)  # type: ignore[arg-type]


async def test_without_an_agreement_the_register_knows_nobody():
    register: CompanyRegister = NoCompanyRegister()
    assert await register.lookup("5592048176") is None
    assert await register.organisations_of(ERIK) == []
