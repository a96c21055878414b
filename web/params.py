"""Numbers from URLs and forms. Only ASCII digits count ("²" passes str.isdigit() but not int(), and int() takes
"1_000" and "٣"), and only values the database can hold: anything else is treated as absent or as an unknown row."""

from __future__ import annotations

import re
from datetime import date

from litestar.exceptions import NotFoundException

# Serial and integer columns are 32-bit signed on PostgreSQL.
MAX_DATABASE_INTEGER = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_int(raw: object, *, maximum: int = MAX_DATABASE_INTEGER) -> int | None:
    """The non-negative number `raw` spells in ASCII digits, if it is at most `maximum`; None otherwise."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= maximum else None


def parse_date(raw: object) -> date | None:
    """A date written YYYY-MM-DD (as date inputs send it); None for anything else."""
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None


def database_id(raw: object) -> int:
    """A row id from a URL or form; 404 when it cannot be one (the same answer as an id nobody has)."""
    value = parse_int(raw)
    if value is None or value == 0:
        raise NotFoundException()
    return value
