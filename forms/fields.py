"""Reading and checking one field's answer from a posted form, per field type.

`read(field, form)` returns what to store (exactly what the user typed when it is wrong, so nothing is lost) and
`check(field, value, ctx)` returns the error message, or None. Nothing from the browser is trusted: hidden fields,
option values and limits are all checked here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from core.i18n import format_number
from core.i18n import gettext as _
from core.identity_numbers import (
    InvalidIdentityNumber,
    parse_organisation_number,
    parse_personal_number,
)
from forms.definition import Field
from forms.validators import FieldError, email_address, phone_number

FormData = Mapping[str, Sequence[str]]
DEFAULT_MAX_COAPPLICANTS = 3
ADDRESS_PARTS = ("care_of", "street", "postal_code", "city")
POSTAL_CODE = re.compile(r"^\d{3} ?\d{2}$")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Anything longer than this in any input is cut before it is stored: a form is not a file store.
MAX_INPUT_LENGTH = 10_000


@dataclass(frozen=True)
class Context:
    """What checks need besides the answer: the date today and who is applying."""

    today: date
    own_personal_number: str | None = None


def input_id(field: Field, part: str | int | None = None) -> str:
    """The id of the (first) input of a field, for labels and for the error summary's links."""
    if field.type == "address":
        return f"{field.id}__{part or 'street'}"
    if field.type == "coapplicants":
        return f"{field.id}__{part or 1}"
    if field.type in ("radio", "checkboxes", "yesno"):
        return f"{field.id}-{part or 1}"
    return field.id


def coapplicant_slots(field: Field) -> int:
    return field.max_items or DEFAULT_MAX_COAPPLICANTS


def _first(form: FormData, name: str) -> str:
    values = form.get(name) or [""]
    return str(values[0])[:MAX_INPUT_LENGTH]


def read(field: Field, form: FormData) -> Any:
    """The answer as posted, in the shape it is stored in."""
    if field.type == "checkboxes":
        return [str(value)[:200] for value in form.get(field.id, []) if value][:50]
    if field.type == "address":
        return {part: _first(form, f"{field.id}__{part}").strip() for part in ADDRESS_PARTS}
    if field.type == "coapplicants":
        numbers = (_first(form, f"{field.id}__{n}").strip() for n in range(1, coapplicant_slots(field) + 1))
        return [number for number in numbers if number]
    if field.type in ("file", "info"):
        return None  # files arrive by upload; information has no answer
    value = _first(form, field.id)
    return value if field.type == "textarea" else value.strip()


def is_empty(value: Any) -> bool:
    if isinstance(value, Mapping):
        return not any(value.get(part) for part in ADDRESS_PARTS)
    if isinstance(value, str):
        return not value.strip()  # a long text keeps its line breaks, but blanks alone are no answer
    return value in (None, [], {})


def check(field: Field, value: Any, ctx: Context) -> str | None:
    """The message for a wrong answer, or None. `value` is as stored (see `read`); for files, the attachments."""
    if is_empty(value):
        return _required_message(field) if field.answer_required else None
    checker = _CHECKERS.get(field.type)
    return checker(field, value, ctx) if checker else None


def normalise(field: Field, value: Any, ctx: Context) -> Any:
    """The stored form of a correct answer (e.g. personal numbers as 12 digits)."""
    if is_empty(value):
        return value
    if field.type == "personnummer":
        return parse_personal_number(value, today=ctx.today).value
    if field.type == "organisationsnummer":
        return parse_organisation_number(value).value
    if field.type == "coapplicants":
        return [parse_personal_number(number, today=ctx.today).value for number in value]
    if field.type == "email":
        return email_address(value)
    if field.type == "number":
        return value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    if field.type == "address":
        postal = value.get("postal_code", "").replace(" ", "")
        return {**value, "postal_code": f"{postal[:3]} {postal[3:]}" if len(postal) == 5 else postal}
    return value


def _required_message(field: Field) -> str:
    label = field.label
    if field.type in ("radio", "select", "yesno"):
        return _("Choose an answer to “%(label)s”") % {"label": label}
    if field.type == "checkboxes":
        return _("Choose at least one answer to “%(label)s”") % {"label": label}
    if field.type == "file":
        return _("Upload a file for “%(label)s”") % {"label": label}
    if field.type == "coapplicants":
        return _("Enter the personal identity number of at least one co-applicant")
    if field.type == "address":
        return _("Enter the address for “%(label)s”") % {"label": label}
    return _("Fill in “%(label)s”") % {"label": label}


def _text(field: Field, value: str, ctx: Context) -> str | None:
    limit = field.length_limit
    if limit is not None and len(value) > limit:
        return _("“%(label)s” can be at most %(max)s characters; you wrote %(count)s") % {
            "label": field.label,
            "max": format_number(limit),
            "count": format_number(len(value)),
        }
    return None


def _number(field: Field, value: str, ctx: Context) -> str | None:
    cleaned = value.replace(" ", "").replace("\u00a0", "").replace(",", ".")
    try:
        number = float(cleaned)
    except ValueError:
        return _("Enter a number for “%(label)s”, like 12 or 12,5") % {"label": field.label}
    if not math.isfinite(number):
        return _("Enter a number for “%(label)s”, like 12 or 12,5") % {"label": field.label}
    if field.integer and not number.is_integer():
        return _("Enter a whole number for “%(label)s”") % {"label": field.label}
    if field.min is not None and number < field.min:
        return _("“%(label)s” must be at least %(min)s") % {"label": field.label, "min": format_number(field.min)}
    if field.max is not None and number > field.max:
        return _("“%(label)s” can be at most %(max)s") % {"label": field.label, "max": format_number(field.max)}
    return None


def _email(field: Field, value: str, ctx: Context) -> str | None:
    try:
        email_address(value)
    except FieldError as error:
        return error.message
    return None


def _phone(field: Field, value: str, ctx: Context) -> str | None:
    try:
        phone_number(value)
    except FieldError as error:
        return error.message
    return None


def _personal_number(field: Field, value: str, ctx: Context) -> str | None:
    try:
        parse_personal_number(value, today=ctx.today)
    except InvalidIdentityNumber as error:
        return error.message
    return None


def _organisation_number(field: Field, value: str, ctx: Context) -> str | None:
    try:
        parse_organisation_number(value)
    except InvalidIdentityNumber as error:
        return error.message
    return None


def resolve_date_bound(bound: str, today: date) -> date:
    """'today', '+30d', '-18y', '+2m' or an ISO date."""
    if bound == "today":
        return today
    if bound[0] in "+-":
        amount, unit = int(bound[:-1]), bound[-1]
        if unit == "d":
            return today + timedelta(days=amount)
        months = amount * (12 if unit == "y" else 1)
        year, month = divmod(today.month - 1 + months, 12)
        day = min(today.day, 28) if today.month == 2 or today.day > 28 else today.day
        return date(today.year + year, month + 1, day)
    return date.fromisoformat(bound)


def _date(field: Field, value: str, ctx: Context) -> str | None:
    try:
        if not ISO_DATE.fullmatch(value):  # fromisoformat also takes 20270331 and week dates; we store YYYY-MM-DD
            raise ValueError(value)
        given = date.fromisoformat(value)
    except ValueError:
        return _("Enter a real date for “%(label)s”, like 2027-03-31") % {"label": field.label}
    if field.min_date and given < (earliest := resolve_date_bound(field.min_date, ctx.today)):
        return _("“%(label)s” must be %(date)s or later") % {"label": field.label, "date": earliest.isoformat()}
    if field.max_date and given > (latest := resolve_date_bound(field.max_date, ctx.today)):
        return _("“%(label)s” must be %(date)s or earlier") % {"label": field.label, "date": latest.isoformat()}
    return None


def _choice(field: Field, value: str, ctx: Context) -> str | None:
    if value not in {option.value for option in field.options}:
        return _("Choose one of the answers to “%(label)s”") % {"label": field.label}
    return None


def _checkboxes(field: Field, value: list[str], ctx: Context) -> str | None:
    known = {option.value for option in field.options}
    if any(item not in known for item in value) or len(set(value)) != len(value):
        return _("Choose among the answers to “%(label)s”") % {"label": field.label}
    if field.min_items and len(value) < field.min_items:
        return _("Choose at least %(min)d answers to “%(label)s”") % {"min": field.min_items, "label": field.label}
    if field.max_items and len(value) > field.max_items:
        return _("Choose at most %(max)d answers to “%(label)s”") % {"max": field.max_items, "label": field.label}
    return None


def _address(field: Field, value: Mapping[str, str], ctx: Context) -> str | None:
    if not value.get("street") or not value.get("postal_code") or not value.get("city"):
        return _("Enter street address, postal code and city for “%(label)s”") % {"label": field.label}
    if not POSTAL_CODE.match(value["postal_code"]):
        return _("Enter a postal code with five digits, like 511 54")
    if any(len(part) > 100 for part in value.values()):
        return _("An address line can be at most 100 characters")
    return None


def _coapplicants(field: Field, value: list[str], ctx: Context) -> str | None:
    seen = set()
    for number in value:
        try:
            normalised = parse_personal_number(number, today=ctx.today).value
        except InvalidIdentityNumber as error:
            return error.message
        if normalised == ctx.own_personal_number:
            return _("Enter your co-applicants' personal identity numbers, not your own")
        if normalised in seen:
            return _("The same personal identity number is entered twice")
        seen.add(normalised)
    if field.min_items and len(value) < field.min_items:
        return _("Enter at least %(min)d co-applicants") % {"min": field.min_items}
    return None


def _files(field: Field, value: list, ctx: Context) -> str | None:
    if len(value) > field.max_files:
        return _("You can upload at most %(max)d files") % {"max": field.max_files}
    return None


_CHECKERS = {
    "text": _text,
    "textarea": _text,
    "number": _number,
    "email": _email,
    "phone": _phone,
    "personnummer": _personal_number,
    "organisationsnummer": _organisation_number,
    "date": _date,
    "radio": _choice,
    "select": _choice,
    "yesno": _choice,
    "checkboxes": _checkboxes,
    "address": _address,
    "coapplicants": _coapplicants,
    "file": _files,
}
