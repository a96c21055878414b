"""Counters for rate limits, shared by every process and machine: one row per action, subject (a keyed hash of an
address, a browser or a session) and time window, raised by one atomic upsert."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.engine import fetch


class RateCounter(Table, tablename="rate_counter"):
    id = Serial(primary_key=True)
    key = Varchar(length=160, unique=True, help_text="action:subject:window number")
    window_ends_at = Timestamptz(help_text="When the row may go (the jobs' cleanup deletes it then).")
    hits = Integer(default=0)


async def hit(key: str, window_ends_at: datetime) -> int:
    """Count one more for `key` and return the new count (the same SQL on SQLite and PostgreSQL)."""
    rows = await fetch(
        "INSERT INTO rate_counter (key, window_ends_at, hits) VALUES ({}, {}, 1) "
        "ON CONFLICT (key) DO UPDATE SET hits = rate_counter.hits + 1 RETURNING hits",
        key,
        window_ends_at,
    )
    return rows[0]["hits"]


async def delete_ended(now: datetime) -> int:
    deleted = await RateCounter.delete().where(RateCounter.window_ends_at < now).returning(RateCounter.id)
    return len(deleted)
