"""Dev mode only: the BankID simulator's orders (integrations/bankid/simulator.py) in the database, so that every app
process (uvicorn workers, machines) sees the same simulator. One row holds them all, locked for each operation."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from piccolo.columns import Serial, Text
from piccolo.table import Table

from db.engine import fetch, lock_clause, write_transaction

_ROW = 1


class BankIdSimulatorState(Table, tablename="bankid_simulator_state"):
    """The simulator's orders and injected errors as JSON (a few short-lived orders at most: dev mode)."""

    id = Serial(primary_key=True)
    state = Text(default="")


class DatabaseStore:
    """The simulator's OrderStore on this table: each operation reads, changes and writes the row in one write
    transaction, the row locked meanwhile, so two processes never work on the same orders at once."""

    async def update(self, change: Callable[[Any], Any]) -> None:
        async with write_transaction():
            await fetch(
                "INSERT INTO bankid_simulator_state (id, state) VALUES ({}, '') ON CONFLICT (id) DO NOTHING", _ROW
            )
            select = "SELECT state FROM bankid_simulator_state WHERE id = {}" + lock_clause()  # noqa: S608 - no input
            rows = await fetch(select, _ROW)
            stored = rows[0]["state"]
            changed = change(json.loads(stored) if stored else None)
            await fetch(
                "UPDATE bankid_simulator_state SET state = {} WHERE id = {}",
                "" if changed is None else json.dumps(changed),
                _ROW,
            )
