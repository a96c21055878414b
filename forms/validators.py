"""Validators shared by every form: each returns the normalised value or raises FieldError with a Swedish message."""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from core.i18n import gettext as _

MAX_EMAIL_LENGTH = 254


class FieldError(ValueError):
    """A value the user must correct; `message` is shown next to the field and in the error summary."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def email_address(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_EMAIL_LENGTH:
        raise FieldError(_("The e-mail address is too long"))
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise FieldError(_("Enter an e-mail address in the correct format, like name@example.com")) from None


def mobile_number(value: str) -> str:
    """A Swedish or international mobile number, returned in E.164 form (+46701234567)."""
    try:
        number = phonenumbers.parse(value.strip(), "SE")
    except phonenumbers.NumberParseException:
        raise FieldError(_("Enter a mobile number, like 070-123 45 67")) from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(_("Enter a mobile number, like 070-123 45 67"))
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise FieldError(_("Enter a mobile number: text messages cannot be sent to this number"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_number(value: str) -> str:
    """Any valid phone number, Swedish by default; returned in E.164 form."""
    try:
        number = phonenumbers.parse(value.strip(), "SE")
    except phonenumbers.NumberParseException:
        raise FieldError(_("Enter a phone number, like 0320-21 70 00 or 070-123 45 67")) from None
    if not phonenumbers.is_valid_number(number):
        raise FieldError(_("Enter a phone number, like 0320-21 70 00 or 070-123 45 67"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    """+46701234567 -> 070-123 45 67 (national form for Swedish numbers)."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, "SE")
    if number.country_code == 46:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
