"""The one source of the current time, so tests can move it."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(UTC) + _offset


@contextmanager
def travel(delta: timedelta):
    """Move the clock by `delta` inside the block (tests only)."""
    global _offset
    previous = _offset
    _offset = previous + delta
    try:
        yield
    finally:
        _offset = previous
