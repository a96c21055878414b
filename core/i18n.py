"""Translations. Message ids are English; `locale/sv` holds the complete Swedish catalogue.

The catalogue is read from the .po file at start-up (no compiled .mo to forget). The locale of the current request
lives in a context variable, so templates and Python code translate the same way.
"""

from __future__ import annotations

import functools
import gettext as _gettext
from contextvars import ContextVar
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

from core.settings import PROJECT_ROOT

LOCALE_DIR = PROJECT_ROOT / "locale"
DEFAULT_LOCALE = "sv"
SUPPORTED_LOCALES = ("sv",)
LOCAL_TIMEZONE = ZoneInfo("Europe/Stockholm")

_current_locale: ContextVar[str] = ContextVar("locale", default=DEFAULT_LOCALE)


@functools.cache
def translations(locale: str) -> _gettext.NullTranslations:
    po_path = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po_path.exists():
        return _gettext.NullTranslations()
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def current_locale() -> str:
    return _current_locale.get()


def set_locale(locale: str):
    """Set the locale for the current context; returns a token for `reset_locale`."""
    return _current_locale.set(locale if locale in SUPPORTED_LOCALES else DEFAULT_LOCALE)


def reset_locale(token) -> None:
    _current_locale.reset(token)


def gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def lazy_gettext(message: str) -> LazyProxy:
    """For module-level texts that must be translated when used, not when imported."""
    return LazyProxy(gettext, message, enable_cache=False)


_ = gettext


def N_(message: str) -> str:
    """Marks an English message id for the catalogue without translating it: for messages that are shown in English
    (the command line) and translated where a page shows them (`_(message)`)."""
    return message


def format_date(value: date | datetime | None, format: str = "long") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TIMEZONE).date()
    return _format_date(value, format, current_locale())


def format_datetime(value: datetime | None, format: str = "d MMMM yyyy 'kl.' HH.mm") -> str:
    if value is None:
        return ""
    return _format_datetime(value, format, current_locale())


# Babel takes about 2 ms per date; a thread or a case list shows the same dates again on every view.
@functools.lru_cache(maxsize=8192)
def _format_date(value: date, format: str, locale: str) -> str:
    return babel_dates.format_date(value, format=format, locale=locale)


@functools.lru_cache(maxsize=8192)
def _format_datetime(value: datetime, format: str, locale: str) -> str:
    return babel_dates.format_datetime(value, format=format, tzinfo=LOCAL_TIMEZONE, locale=locale)


def format_number(value: int | float) -> str:
    return babel_numbers.format_decimal(value, locale=current_locale())


def format_filesize(size: int) -> str:
    if size < 1024:
        return f"{format_number(size)} B"
    if size < 1024 * 1024:
        return f"{format_number(round(size / 1024))} kB"
    return f"{babel_numbers.format_decimal(size / 1024 / 1024, format='#,##0.0', locale=current_locale())} MB"


def tel_href(phone: str) -> str:
    """'0320-21 70 00' -> '+46320217000' for tel: links."""
    digits = "".join(char for char in phone if char.isdigit() or char == "+")
    return "+46" + digits[1:] if digits.startswith("0") else digits
