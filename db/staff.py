"""The staff register: who may log in to the staff views, in which role and units, and the units that handle
e-services (services/staff.py has the rules). Tables and queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns import JSON, Boolean, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.engine import fetch, json_column

# An officer's e-mail notices unless they chose otherwise: new cases of their units in a daily summary (or "now", or
# "off"), news from the resident on their own cases, and their cases nearing the end of a status's handling time.
NOTICE_DEFAULTS = {"new_case": "daily", "activity": True, "deadline": True}


class Unit(Table, tablename="unit"):
    """A part of the municipality that handles cases (förvaltning, enhet); each e-service names the unit that
    handles its cases (`e_service.unit`)."""

    id = Serial(primary_key=True)
    name = Varchar(length=120, unique=True)


class StaffMember(Table, tablename="staff_member"):
    """The staff register: who may log in to the staff views, in which role and unit."""

    id = Serial(primary_key=True)
    personal_number = Varchar(length=12, unique=True)
    role = Varchar(length=20, default="officer", help_text="officer | restricted_officer | admin")
    unit = Varchar(length=120, default="", help_text="The name of the first unit, shown at login.")
    may_see_protected = Boolean(
        default=False, help_text="May handle cases of people with protected identity (skyddad folkbokföring)."
    )
    created_at = Timestamptz()
    notices = JSON(default="{}", help_text="Which e-mail notices the officer wants (services/staff.NOTICE_DEFAULTS).")
    digest_sent_at = Timestamptz(null=True, default=None, help_text="When the daily summary was last sent.")


class StaffUnit(Table, tablename="staff_unit"):
    """Which units a member of staff works in (an officer sees the cases of their units' e-services)."""

    id = Serial(primary_key=True)
    member = ForeignKey(references=StaffMember, on_delete=OnDelete.cascade, null=False)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=False)


@dataclass(frozen=True, slots=True)
class Officer:
    """A logged-in member of staff as case handling needs them: their account, role, units and permission."""

    account_id: int
    member_id: int
    role: str
    unit_ids: tuple[int, ...]
    may_see_protected: bool

    @property
    def restricted(self) -> bool:
        return self.role == "restricted_officer"


async def officer(account_id: int, personal_number: str) -> Officer | None:
    """The staff member behind an account, as the register says now (one query)."""
    rows = await fetch(
        "SELECT m.id, m.role, m.may_see_protected, su.unit FROM staff_member m "
        "LEFT JOIN staff_unit su ON su.member = m.id WHERE m.personal_number = {} ORDER BY su.unit",
        personal_number,
    )
    if not rows:
        return None
    first = rows[0]
    return Officer(
        account_id=account_id,
        member_id=first["id"],
        role=first["role"],
        unit_ids=tuple(row["unit"] for row in rows if row["unit"] is not None),
        may_see_protected=bool(first["may_see_protected"]),
    )


async def notice_choices(personal_number: str) -> dict:
    rows = await fetch("SELECT notices FROM staff_member WHERE personal_number = {}", personal_number)
    return json_column(rows[0]["notices"], {}) if rows else {}


async def save_notice_choices(personal_number: str, choices: dict) -> None:
    await StaffMember.update({StaffMember.notices: choices}).where(StaffMember.personal_number == personal_number)


async def all_unit_ids() -> list[int]:
    return [row["id"] for row in await Unit.select(Unit.id)]


async def unit_officers_with_email(unit_ids: list[int]) -> list[dict]:
    """The staff of these units with an e-mail address on their account: account id, e-mail, member id, their notice
    choices (a dict), when their daily summary was last sent, and their unit ids (a list)."""
    if not unit_ids:
        return []
    marks = ", ".join("{}" for _ in unit_ids)
    rows = await fetch(
        "SELECT a.id AS account_id, a.email, m.id AS member_id, m.notices, m.digest_sent_at, su.unit "  # noqa: S608
        "FROM staff_member m JOIN staff_unit su ON su.member = m.id "
        "JOIN user_account a ON a.personal_number = m.personal_number "
        f"WHERE su.unit IN ({marks}) AND a.email <> '' ORDER BY a.id",
        *unit_ids,
    )
    officers: dict[int, dict] = {}
    for row in rows:
        officer = officers.setdefault(
            row["account_id"], {**row, "notices": json_column(row["notices"], {}), "units": []}
        )
        officer["units"].append(row["unit"])
    return list(officers.values())


async def admins_with_email() -> list[dict]:
    """The administrators (role admin) with an e-mail address on their account: account id and e-mail."""
    return await fetch(
        "SELECT a.id AS account_id, a.email FROM staff_member m "
        "JOIN user_account a ON a.personal_number = m.personal_number "
        "WHERE m.role = 'admin' AND a.email <> '' ORDER BY a.id"
    )


async def digest_sent(member_ids: list[int], now: datetime) -> None:
    if member_ids:
        await StaffMember.update({StaffMember.digest_sent_at: now}).where(StaffMember.id.is_in(member_ids))


async def unit_by_name(name: str, create: bool = False) -> int | None:
    row = await Unit.select(Unit.id).where(Unit.name == name).first()
    if row is None and create:
        await Unit.insert(Unit(name=name)).on_conflict(action="DO NOTHING")
        row = await Unit.select(Unit.id).where(Unit.name == name).first()
    return row["id"] if row else None


async def set_units(member_id: int, unit_ids: list[int]) -> None:
    await StaffUnit.delete().where(StaffUnit.member == member_id)
    if unit_ids:
        await StaffUnit.insert(*(StaffUnit(member=member_id, unit=unit_id) for unit_id in unit_ids))


async def colleagues(unit_ids: tuple[int, ...]) -> list[dict]:
    """The staff of these units who handle cases, with their account (for assigning and @mentions): account id,
    name, role, and whether they may see protected identities. Only those who have logged in have an account."""
    return await fetch(*colleagues_query(unit_ids)) if unit_ids else []


def colleagues_query(unit_ids: tuple[int, ...]) -> tuple[str, ...]:
    """`colleagues` as SQL and its arguments, for a statement that reads them with other things (the inbox)."""
    marks = ", ".join("{}" for _ in unit_ids)
    return (
        "SELECT DISTINCT a.id AS account_id, a.given_name, a.surname, m.role, m.may_see_protected "  # noqa: S608
        "FROM staff_member m JOIN staff_unit su ON su.member = m.id "
        "JOIN user_account a ON a.personal_number = m.personal_number "
        f"WHERE su.unit IN ({marks}) AND m.role IN ('officer', 'restricted_officer') "
        "ORDER BY a.given_name, a.surname",
        *unit_ids,
    )


async def staff_member(personal_number: str) -> StaffMember | None:
    return await StaffMember.objects().where(StaffMember.personal_number == personal_number).first()


async def save_staff(
    personal_number: str, role: str, unit: str, now: datetime, *, may_see_protected: bool = False
) -> StaffMember:
    """Add someone to the staff register, or change their role, unit (by name; created if new) and permission."""
    member = await staff_member(personal_number) or StaffMember(personal_number=personal_number, created_at=now)
    member.role, member.unit, member.may_see_protected = role, unit, may_see_protected
    await member.save()
    await set_units(member.id, [await unit_by_name(unit, create=True)] if unit else [])
    return member


async def remove_staff(personal_number: str) -> bool:
    removed = await StaffMember.delete().where(StaffMember.personal_number == personal_number).returning(StaffMember.id)
    return bool(removed)


async def all_staff() -> list[StaffMember]:
    return await StaffMember.objects().order_by(StaffMember.unit).order_by(StaffMember.personal_number)
