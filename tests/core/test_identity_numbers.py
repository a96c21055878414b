"""Personnummer, samordningsnummer and organisationsnummer: every accepted spelling, every way to get one wrong."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import clock
from core.i18n import LOCAL_TIMEZONE
from core.identity_numbers import (
    InvalidIdentityNumber,
    OrganisationNumber,
    PersonalNumber,
    parse_organisation_number,
    parse_personal_number,
)

TODAY = date(2026, 11, 27)


def luhn_digit(digits: str) -> str:
    """The check digit, written independently of the code under test."""
    total = 0
    for index, char in enumerate(digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return str((10 - total % 10) % 10)


def personal_number(birth: date, serial: int, *, coordination: bool = False) -> str:
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth:%y%m}{day:02d}{serial:03d}"
    return f"{birth.year // 100:02d}{nine}{luhn_digit(nine)}"


birth_dates = st.dates(min_value=date(TODAY.year - 120, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=999)


@st.composite
def valid_numbers(draw) -> str:
    return personal_number(draw(birth_dates), draw(serials), coordination=draw(st.booleans()))


def spellings(value: str, today: date = TODAY) -> list[str]:
    """Every way a person may write this 12-digit number that must give it back."""
    year = int(value[:4])
    separator = "+" if year <= today.year - 100 else "-"
    written = [value, f"{value[:8]}-{value[8:]}", f"{value[2:8]}{separator}{value[8:]}"]
    if separator == "-":
        written.append(value[2:])
    return written + [f"  {text} " for text in written] + [f"{value[:8]}\u2013{value[8:]}"]


def reason(text: str, **kwargs) -> str:
    with pytest.raises(InvalidIdentityNumber) as caught:
        parse_personal_number(text, today=kwargs.pop("today", TODAY), **kwargs)
    return caught.value.reason


def test_the_reference_examples_are_valid():
    erik = parse_personal_number("811218-9876", today=TODAY)
    assert erik == PersonalNumber("198112189876")
    assert erik.formatted == str(erik) == "19811218-9876"
    assert erik.birth_date == date(1981, 12, 18) and not erik.is_coordination_number

    coordination = parse_personal_number("701063-2391", today=TODAY)
    assert coordination.value == "197010632391"
    assert coordination.is_coordination_number and coordination.birth_date == date(1970, 10, 3)


@given(valid_numbers())
def test_valid_numbers_round_trip_through_every_accepted_spelling(value):
    for text in spellings(value):
        parsed = parse_personal_number(text, today=TODAY)
        assert parsed.value == value, text
        assert parse_personal_number(parsed.formatted, today=TODAY) == parsed


@given(valid_numbers(), st.data())
def test_any_single_digit_change_is_rejected(value, data):
    position = data.draw(st.integers(min_value=0, max_value=11))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != value[position]]))
    changed = value[:position] + digit + value[position + 1 :]
    with pytest.raises(InvalidIdentityNumber):
        parse_personal_number(changed, today=TODAY)


@given(st.dates(min_value=date(TODAY.year - 120, 1, 1), max_value=TODAY), serials)
def test_coordination_numbers_are_accepted_unless_the_caller_says_no(birth, serial):
    value = personal_number(birth, serial, coordination=True)
    parsed = parse_personal_number(value, today=TODAY)
    assert parsed.is_coordination_number and parsed.birth_date == birth
    assert reason(value, allow_coordination=False) == "coordination_number"
    assert not parse_personal_number(
        personal_number(birth, serial), today=TODAY, allow_coordination=False
    ).is_coordination_number


def test_plus_means_a_hundred_years_or_more():
    born_1925 = personal_number(date(1925, 3, 14), 123)[2:]
    assert parse_personal_number(f"{born_1925[:6]}+{born_1925[6:]}", today=TODAY).value == "19" + born_1925
    # Without '+' the same digits belong to a child born in 2025.
    assert parse_personal_number(f"{born_1925[:6]}-{born_1925[6:]}", today=TODAY).value == "20" + born_1925
    assert parse_personal_number(born_1925, today=TODAY).value == "20" + born_1925


def test_a_ten_digit_number_gets_the_most_recent_century_that_is_not_in_the_future():
    later_this_year = personal_number(date(1926, 12, 24), 42)[2:]  # 24 Dec 2026 has not come yet
    assert parse_personal_number(later_this_year, today=TODAY).birth_date == date(1926, 12, 24)
    earlier_this_year = personal_number(date(2026, 1, 2), 42)[2:]
    assert parse_personal_number(earlier_this_year, today=TODAY).birth_date == date(2026, 1, 2)
    leap_day = personal_number(date(2000, 2, 29), 42)[2:]
    assert parse_personal_number(leap_day, today=TODAY).birth_date == date(2000, 2, 29)
    no_leap_day = "010229" + leap_day[6:]  # neither 2001 nor 1901 had a 29 February
    assert reason(no_leap_day) == "date"


def test_a_birth_date_in_the_future_is_rejected():
    tomorrow = TODAY + timedelta(days=1)
    assert reason(personal_number(tomorrow, 1), today=TODAY) == "future"
    assert parse_personal_number(personal_number(TODAY, 1), today=TODAY).birth_date == TODAY


def test_today_defaults_to_the_date_in_stockholm_by_the_project_clock():
    local_today = clock.now().astimezone(LOCAL_TIMEZONE).date()
    assert parse_personal_number(personal_number(local_today, 5)).birth_date == local_today
    with pytest.raises(InvalidIdentityNumber):
        parse_personal_number(personal_number(local_today + timedelta(days=1), 5))
    with clock.travel(timedelta(days=2)):
        assert parse_personal_number(personal_number(local_today + timedelta(days=1), 5))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "format"),
        ("811218-987", "format"),
        ("811218-98765", "format"),
        ("8112189876x", "format"),
        ("81121B-9876", "format"),
        ("811218 9876", "format"),
        ("\u0668\u0661\u0661\u0662\u0661\u0668-9876", "format"),  # Arabic-Indic digits
        ("811218--9876", "format"),
        ("19811218-98760", "format"),
        ("811218-9875", "check_digit"),
        ("811318-9876", "date"),  # month 13
        ("810231-9876", "date"),  # 31 February
        ("701060-2391", "date"),  # samordningsnummer with day 0
        ("701092-2391", "date"),  # samordningsnummer with day 32
        ("18811218-9876", "too_old"),
        ("20811218-9876", "future"),
    ],
)
def test_invalid_personal_numbers_say_what_is_wrong(text, expected):
    assert reason(text) == expected


def test_each_kind_of_mistake_has_its_own_message():
    messages = {}
    for text in ("81121", "811218-9875", "811318-9876", "20811218-9876", "18811218-9876"):
        with pytest.raises(InvalidIdentityNumber) as caught:
            parse_personal_number(text, today=TODAY)
        assert str(caught.value) == caught.value.message and caught.value.message
        messages[caught.value.reason] = caught.value.message
    assert len(set(messages.values())) == len(messages) == 5
    assert "19811218-9876" in messages["format"]


def test_a_personal_number_is_twelve_digits():
    with pytest.raises(ValueError):
        PersonalNumber("8112189876")


@st.composite
def organisation_numbers(draw) -> str:
    nine = draw(st.from_regex(r"[0-9]{2}[2-9][0-9]{6}", fullmatch=True))
    return nine + luhn_digit(nine)


def test_the_reference_organisation_number_is_valid():
    number = parse_organisation_number("212000-0142")
    assert number == OrganisationNumber("2120000142") and number.formatted == str(number) == "212000-0142"


@given(organisation_numbers())
def test_organisation_numbers_round_trip_through_every_accepted_spelling(value):
    for text in (value, f"{value[:6]}-{value[6:]}", f"16{value}", f"16{value[:6]}-{value[6:]}", f" {value} "):
        assert parse_organisation_number(text).value == value, text


@given(organisation_numbers(), st.data())
def test_any_single_digit_change_of_an_organisation_number_is_rejected(value, data):
    position = data.draw(st.integers(min_value=0, max_value=9))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != value[position]]))
    with pytest.raises(InvalidIdentityNumber):
        parse_organisation_number(value[:position] + digit + value[position + 1 :])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("212000-014", "format"),
        ("17212000-0142", "format"),
        ("212000-0142x", "format"),
        ("212000-0143", "check_digit"),
        ("811218-9876", "organisation_group"),  # a personnummer: the third digit is a month's first digit
    ],
)
def test_invalid_organisation_numbers_say_what_is_wrong(text, expected):
    with pytest.raises(InvalidIdentityNumber) as caught:
        parse_organisation_number(text)
    assert caught.value.reason == expected and caught.value.message
