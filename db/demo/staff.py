"""Demo staff register and units: a unit per category of the catalogue handles that category's e-services; case
officers of two units (one of them restricted to their own cases, one allowed to handle protected identities) and
an administrator, all test persons of the fixture population register, so they log in through the BankID
simulator."""

from __future__ import annotations

from core import clock
from core.settings import Settings
from db.catalogue import Category, EService, bump_version
from db.staff import save_staff, staff_member, unit_by_name

BYGGA = "Bygga, bo och miljö"
DEMO_STAFF = (
    # personal number, role, unit, may see protected identities
    ("197606239866", "officer", BYGGA, False),  # Eva Karlsson
    ("197104183525", "officer", BYGGA, False),  # Olof Ek
    ("198203152346", "restricted_officer", BYGGA, False),  # Petra Holm
    ("198809021465", "officer", BYGGA, True),  # Ingrid Svensson
    ("197911309917", "officer", "Barn och utbildning", False),  # Anders Berg
    ("195504109884", "admin", "Kommunledningskontoret", False),  # Birgitta Olsson
)


async def load_staff(settings: Settings | None = None) -> dict[str, int]:
    units = 0
    for category in await Category.select(Category.id, Category.name):
        unit_id = await unit_by_name(category["name"], create=True)
        units += 1
        await EService.update({EService.unit: unit_id}).where(
            (EService.category == category["id"]) & EService.unit.is_null()
        )
    await bump_version()
    created = 0
    for personal_number, role, unit, may_see_protected in DEMO_STAFF:
        created += await staff_member(personal_number) is None
        await save_staff(personal_number, role, unit, clock.now(), may_see_protected=may_see_protected)
    return {"staff": len(DEMO_STAFF), "created": created, "units": units}
