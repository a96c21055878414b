"""The fixture population register: test persons, protected identities, people missing from the register."""

from __future__ import annotations

from datetime import date

import pytest

from core.identity_numbers import parse_personal_number
from integrations.population_register import Address, NoRegister, PersonRecord, PopulationRegister
from integrations.population_register.fixture import TEST_PERSONS, FixtureRegister, find_test_person


def test_every_test_person_has_a_valid_canonical_number():
    for person in TEST_PERSONS:
        parsed = parse_personal_number(person.personal_number)
        assert parsed.value == person.personal_number, person.name
    assert len({person.personal_number for person in TEST_PERSONS}) == len(TEST_PERSONS)


def test_test_persons_carry_a_role_to_show_in_the_simulator():
    for person in TEST_PERSONS:
        assert person.given_name and person.surname and str(person.role_hint)
    assert find_test_person("19811218-9876").role_hint == "sökande"  # translated when shown
    assert find_test_person("198807079895").in_register is False
    assert find_test_person("191212121212") is None


async def test_a_registered_person_has_name_address_and_last_change():
    register: PopulationRegister = FixtureRegister()
    erik = await register.lookup("198112189876")
    assert erik == PersonRecord(
        personal_number="198112189876",
        given_name="Erik",
        surname="Andersson",
        address=Address("", "Storgatan 12", "511 54", "Kinna"),
        protected=False,
        protection=None,
        changed_at=erik.changed_at,
    )
    assert isinstance(erik.changed_at, date)
    assert erik.address.lines == ("Storgatan 12", "511 54 Kinna")


async def test_the_andersson_family_shares_an_address():
    register = FixtureRegister()
    family = [
        await register.lookup(number) for number in ("198112189876", "198503129820", "201701012393", "201508229968")
    ]
    assert {person.address for person in family} == {Address("", "Storgatan 12", "511 54", "Kinna")}
    assert [parse_personal_number(person.personal_number).birth_date.year for person in family[2:]] == [2017, 2015]


async def test_a_coordination_number_holder_has_a_care_of_address():
    tomasz = await FixtureRegister().lookup("197010632391")
    assert parse_personal_number(tomasz.personal_number).is_coordination_number
    assert tomasz.address.lines == ("c/o Hotell Kinna", "Boråsvägen 1", "511 30 Kinna")


@pytest.mark.parametrize(
    ("number", "protection"),
    [("197205019834", "skyddad_folkbokforing"), ("196809149849", "sekretessmarkering")],
)
async def test_a_protected_person_comes_without_name_or_address(number, protection):
    record = await FixtureRegister().lookup(number)
    assert record.protected and record.protection == protection
    assert record.address is None and record.given_name == "" and record.surname == ""


async def test_no_protected_record_in_the_register_has_an_address():
    register = FixtureRegister()
    for person in TEST_PERSONS:
        record = await register.lookup(person.personal_number)
        assert (record is not None) == person.in_register
        if record is not None and record.protected:
            assert record.address is None


async def test_a_person_missing_from_the_register_is_none():
    register = FixtureRegister()
    assert await register.lookup("198807079895") is None
    assert register.lookup_count == 1


def test_a_protected_record_cannot_carry_an_address():
    with pytest.raises(ValueError):
        PersonRecord(
            "197205019834", "", "", Address("", "Gatan 1", "511 54", "Kinna"), True, "sekretessmarkering", None
        )
    with pytest.raises(ValueError):
        PersonRecord("197205019834", "Lars", "Nilsson", None, True, None, None)


async def test_a_record_can_change_between_lookups():
    register = FixtureRegister()
    sara = await register.lookup("199505199902")
    register.put(PersonRecord(sara.personal_number, "", "", None, True, "skyddad_folkbokforing", date(2026, 11, 1)))
    assert (await register.lookup("19950519-9902")).address is None
    register.remove("199505199902")
    assert await register.lookup("199505199902") is None


async def test_no_register_knows_nobody():
    register: PopulationRegister = NoRegister()
    assert await register.lookup("198112189876") is None
