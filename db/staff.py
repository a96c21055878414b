"""The staff register: who may log in to the staff views, in which role and units, and the units that handle
e-services (services/staff.py has the rules). Tables and queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from piccolo.columns import JSON, Boolean, Date, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from db.engine import date_column, fetch, json_column, write_transaction

# An officer's e-mail notices unless they chose otherwise: new cases of their units in a daily summary (or "now", or
# "off"), news from the resident on their own cases, and their cases nearing the end of a status's handling time.
NOTICE_DEFAULTS = {"new_case": "daily", "activity": True, "deadline": True}

# The roles of the staff register (services/staff.py says what each may do). Those in CASE_ROLES reach the officers'
# views (/handlaggare); an editor does not.
ROLES = ("officer", "restricted_officer", "editor", "admin")
CASE_ROLES = ("officer", "restricted_officer", "admin")
CASE_ROLES_SQL = ", ".join(f"'{role}'" for role in CASE_ROLES)


class Unit(Table, tablename="unit"):
    """A part of the municipality that handles cases (förvaltning, enhet); each e-service names the unit that
    handles its cases (`e_service.unit`)."""

    id = Serial(primary_key=True)
    name = Varchar(length=120, unique=True)


class StaffMember(Table, tablename="staff_member"):
    """The staff register: who may log in to the staff views, in which role and unit."""

    id = Serial(primary_key=True)
    personal_number = Varchar(length=12, unique=True)
    role = Varchar(length=20, default="officer", help_text="officer | restricted_officer | editor | admin (ROLES)")
    unit = Varchar(length=120, default="", help_text="The name of the first unit, shown at login.")
    may_see_protected = Boolean(
        default=False, help_text="May handle cases of people with protected identity (skyddad folkbokföring)."
    )
    created_at = Timestamptz()
    notices = JSON(default="{}", help_text="Which e-mail notices the officer wants (services/staff.NOTICE_DEFAULTS).")
    digest_sent_at = Timestamptz(null=True, default=None, help_text="When the daily summary was last sent.")
    valid_from = Date(null=True, default=None, help_text="First day of access (Swedish time); none: from the start.")
    valid_to = Date(null=True, default=None, help_text="Last day of access (Swedish time); none: until removed.")


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
        f"WHERE su.unit IN ({marks}) AND m.role IN ({CASE_ROLES_SQL}) AND a.email <> '' ORDER BY a.id",
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


# The register as administrators manage it (/admin/personal, services/staff.py).

_REGISTER_QUERY = (
    "SELECT m.id, m.personal_number, m.role, m.may_see_protected, m.valid_from, m.valid_to, "
    "a.id AS account_id, a.given_name, a.surname, un.id AS unit_id, un.name AS unit_name "
    "FROM staff_member m LEFT JOIN user_account a ON a.personal_number = m.personal_number "
    "LEFT JOIN staff_unit su ON su.member = m.id LEFT JOIN unit un ON un.id = su.unit"
)


def _members(rows: list[dict]) -> list[dict]:
    """Rows of _REGISTER_QUERY (one per member and unit) as one dict per member, with `units`: [(id, name)] by
    name; `account_id`, `given_name` and `surname` are None for someone who has not logged in yet."""
    members: dict[int, dict] = {}
    for row in rows:
        member = members.get(row["id"])
        if member is None:
            member = members[row["id"]] = {
                "id": row["id"],
                "personal_number": row["personal_number"],
                "role": row["role"],
                "may_see_protected": bool(row["may_see_protected"]),
                "valid_from": date_column(row["valid_from"]),
                "valid_to": date_column(row["valid_to"]),
                "account_id": row["account_id"],
                "given_name": row["given_name"],
                "surname": row["surname"],
                "units": [],
            }
        if row["unit_id"] is not None:
            member["units"].append((row["unit_id"], row["unit_name"]))
    for member in members.values():
        member["units"].sort(key=lambda unit: unit[1].casefold())
    return list(members.values())


async def register() -> list[dict]:
    """Every member of staff (see _members), in the order they were added."""
    return _members(await fetch(_REGISTER_QUERY + " ORDER BY m.id"))


async def member(member_id: int) -> dict | None:
    found = _members(await fetch(_REGISTER_QUERY + " WHERE m.id = {}", member_id))
    return found[0] if found else None


async def member_id_of(personal_number: str) -> int | None:
    row = await StaffMember.select(StaffMember.id).where(StaffMember.personal_number == personal_number).first()
    return row["id"] if row else None


async def units() -> list[dict]:
    """Every unit: id and name, by name."""
    rows = await Unit.select(Unit.id, Unit.name)
    return sorted(rows, key=lambda row: row["name"].casefold())


def _columns(values: dict) -> dict:
    return {
        StaffMember.role: values["role"],
        StaffMember.unit: values["unit"],
        StaffMember.may_see_protected: values["may_see_protected"],
        StaffMember.valid_from: values["valid_from"],
        StaffMember.valid_to: values["valid_to"],
    }


async def _unit_ids(values: dict) -> list[int]:
    """The ids of the chosen units and of the new ones by name (created if no unit has that name yet)."""
    unit_ids = list(values["unit_ids"])
    for name in values["new_units"]:
        unit_id = await unit_by_name(name, create=True)
        if unit_id not in unit_ids:
            unit_ids.append(unit_id)
    return unit_ids


async def insert_member(values: dict, now: datetime) -> int | None:
    """Add a member of staff with `values` (personal_number, role, unit, may_see_protected, valid_from, valid_to,
    unit_ids, new_units); None when the person is in the register already."""
    async with write_transaction():
        if await member_id_of(values["personal_number"]) is not None:
            return None
        inserted = await StaffMember.insert(
            StaffMember(
                personal_number=values["personal_number"],
                created_at=now,
                **{column._meta.name: value for column, value in _columns(values).items()},
            )
        ).returning(StaffMember.id)
        member_id = inserted[0]["id"]
        await set_units(member_id, await _unit_ids(values))
    return member_id


async def update_member(member_id: int, values: dict) -> bool:
    """Change a member's role, units, permission and validity to `values`; False when they are gone."""
    async with write_transaction():
        updated = (
            await StaffMember.update(_columns(values)).where(StaffMember.id == member_id).returning(StaffMember.id)
        )
        if not updated:
            return False
        await set_units(member_id, await _unit_ids(values))
    return True


async def delete_member(member_id: int) -> str | None:
    """Remove a member of staff (their units go with them); returns their personal number, None when gone."""
    deleted = await StaffMember.delete().where(StaffMember.id == member_id).returning(StaffMember.personal_number)
    return deleted[0]["personal_number"] if deleted else None
