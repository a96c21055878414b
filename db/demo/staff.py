"""Demo staff register: two case officers in different units and an administrator (test persons of the fixture
population register, so they can log in through the BankID simulator)."""

from __future__ import annotations

from core import clock
from core.settings import Settings
from db.staff import save_staff, staff_member

DEMO_STAFF = (
    ("197606239866", "officer", "Bygga, bo och miljö"),  # Eva Karlsson
    ("197911309917", "officer", "Barn och utbildning"),  # Anders Berg
    ("195504109884", "admin", "Kommunledningskontoret"),  # Birgitta Olsson
)


async def load_staff(settings: Settings | None = None) -> dict[str, int]:
    created = 0
    for personal_number, role, unit in DEMO_STAFF:
        created += await staff_member(personal_number) is None
        await save_staff(personal_number, role, unit, clock.now())
    return {"staff": len(DEMO_STAFF), "created": created}
