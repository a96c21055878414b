"""Swedish identity numbers: personnummer, samordningsnummer and organisationsnummer.

Parse what people type into one canonical form (12 digits for persons, 10 for organisations); the rest of the code
never imports python-stdnum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from stdnum import luhn
from stdnum.se import orgnr

from core import clock
from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _

COORDINATION_DAY_OFFSET = 60
# Nobody alive is older; also catches a mistyped century in the 12-digit form, which the check digit does not cover.
MAX_AGE_YEARS = 120
# Optional century, YYMMDD, optional '-' or '+', NNNC. Dashes pasted from word processors count as '-'.
_PERSONAL_NUMBER = re.compile(r"(?P<century>\d{2})?(?P<date>\d{6})(?P<separator>[-+]?)(?P<serial>\d{4})", re.ASCII)
_ORGANISATION_NUMBER = re.compile(r"(?:16)?(?P<first>\d{6})-?(?P<last>\d{4})", re.ASCII)
_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-"})


class InvalidIdentityNumber(ValueError):
    """The text is not a valid identity number. `message` is a translated sentence for the user; `reason` is one of
    'format', 'check_digit', 'date', 'future', 'too_old', 'coordination_number' or 'organisation_group' for code."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class PersonalNumber:
    """A personnummer or samordningsnummer, always 12 digits YYYYMMDDNNNC (a samordningsnummer keeps day + 60)."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) != 12 or not self.value.isascii() or not self.value.isdigit():
            raise ValueError("PersonalNumber.value must be 12 digits; use parse_personal_number() for user input")

    @property
    def is_coordination_number(self) -> bool:
        return int(self.value[6:8]) > COORDINATION_DAY_OFFSET

    @property
    def birth_date(self) -> date:
        day = int(self.value[6:8])
        if self.is_coordination_number:
            day -= COORDINATION_DAY_OFFSET
        return date(int(self.value[:4]), int(self.value[4:6]), day)

    @property
    def formatted(self) -> str:
        return f"{self.value[:8]}-{self.value[8:]}"

    def __str__(self) -> str:
        return self.formatted


@dataclass(frozen=True)
class OrganisationNumber:
    """An organisationsnummer, always 10 digits."""

    value: str

    def __post_init__(self) -> None:
        if len(self.value) != 10 or not self.value.isascii() or not self.value.isdigit():
            raise ValueError("OrganisationNumber.value must be 10 digits; use parse_organisation_number() for input")

    @property
    def formatted(self) -> str:
        return f"{self.value[:6]}-{self.value[6:]}"

    def __str__(self) -> str:
        return self.formatted


def parse_personal_number(text: str, *, today: date | None = None, allow_coordination: bool = True) -> PersonalNumber:
    """Accepts YYYYMMDD-NNNC, YYYYMMDDNNNC, YYMMDD-NNNC, YYMMDD+NNNC and YYMMDDNNNC, with surrounding spaces.

    A 10-digit number gets the most recent century that puts the birth date not in the future; '+' means the
    person is 100 or older (turns 100 this year or earlier). A 12-digit number carries its own century.
    """
    today = today or clock.now().astimezone(LOCAL_TIMEZONE).date()
    match = _PERSONAL_NUMBER.fullmatch(text.strip().translate(_DASHES)) if isinstance(text, str) else None
    if match is None:
        raise _personal_format_error()
    yymmdd, serial = match["date"], match["serial"]
    month, day_field = int(yymmdd[2:4]), int(yymmdd[4:6])
    coordination = day_field > COORDINATION_DAY_OFFSET
    day = day_field - COORDINATION_DAY_OFFSET if coordination else day_field

    if match["century"] is not None:
        birth_date = _date_or_none(int(match["century"] + yymmdd[:2]), month, day)
        if birth_date is None:
            raise _date_error()
    else:
        birth_date = _most_recent_birth_date(int(yymmdd[:2]), month, day, today, centenarian=match["separator"] == "+")

    if not luhn.is_valid(yymmdd + serial):
        raise InvalidIdentityNumber("check_digit", _("The personal identity number is not valid: check the last digit"))
    if birth_date > today:
        raise InvalidIdentityNumber(
            "future", _("The personal identity number is not valid: the date of birth is in the future")
        )
    if birth_date.year < today.year - MAX_AGE_YEARS:
        raise InvalidIdentityNumber("too_old", _("The personal identity number is not valid: check the year of birth"))
    if coordination and not allow_coordination:
        raise InvalidIdentityNumber(
            "coordination_number", _("Enter a personal identity number: a coordination number cannot be used here")
        )
    return PersonalNumber(f"{birth_date.year:04d}{yymmdd[2:]}{serial}")


def parse_organisation_number(text: str) -> OrganisationNumber:
    """Accepts NNNNNN-NNNN and NNNNNNNNNN, also with the '16' prefix of the 12-digit form, with surrounding spaces."""
    match = _ORGANISATION_NUMBER.fullmatch(text.strip().translate(_DASHES)) if isinstance(text, str) else None
    if match is None:
        raise InvalidIdentityNumber("format", _("Enter an organisation number with 10 digits, for example 212000-0142"))
    digits = match["first"] + match["last"]
    if int(digits[2]) < 2:
        raise InvalidIdentityNumber(
            "organisation_group", _("The organisation number is not valid: the third digit must be 2 or higher")
        )
    if not orgnr.is_valid(digits):
        raise InvalidIdentityNumber("check_digit", _("The organisation number is not valid: check the last digit"))
    return OrganisationNumber(digits)


def _most_recent_birth_date(yy: int, month: int, day: int, today: date, *, centenarian: bool) -> date:
    latest_year = today.year - 100 if centenarian else today.year
    year = latest_year - (latest_year - yy) % 100
    # Try the most recent matching century first; the previous one wins when the date would be in the future or
    # does not exist in that year (29 February).
    for candidate in (year, year - 100):
        birth_date = _date_or_none(candidate, month, day)
        if birth_date is not None and birth_date <= today:
            return birth_date
    raise _date_error()


def _date_or_none(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _personal_format_error() -> InvalidIdentityNumber:
    return InvalidIdentityNumber(
        "format", _("Enter a personal identity number with 12 digits, for example 19811218-9876")
    )


def _date_error() -> InvalidIdentityNumber:
    return InvalidIdentityNumber(
        "date", _("The personal identity number is not valid: the date of birth does not exist")
    )
