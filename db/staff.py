"""The staff register: who may log in to the staff views, in which role and unit (services/staff.py has the rules).
Table and queries."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import Serial, Timestamptz, Varchar
from piccolo.table import Table


class StaffMember(Table, tablename="staff_member"):
    """The staff register: who may log in to the staff views, in which role and unit."""

    id = Serial(primary_key=True)
    personal_number = Varchar(length=12, unique=True)
    role = Varchar(length=20, default="officer")
    unit = Varchar(length=120, default="")
    created_at = Timestamptz()


async def staff_member(personal_number: str) -> StaffMember | None:
    return await StaffMember.objects().where(StaffMember.personal_number == personal_number).first()


async def save_staff(personal_number: str, role: str, unit: str, now: datetime) -> StaffMember:
    """Add someone to the staff register, or change their role and unit."""
    member = await staff_member(personal_number) or StaffMember(personal_number=personal_number, created_at=now)
    member.role, member.unit = role, unit
    await member.save()
    return member


async def remove_staff(personal_number: str) -> bool:
    removed = await StaffMember.delete().where(StaffMember.personal_number == personal_number).returning(StaffMember.id)
    return bool(removed)


async def all_staff() -> list[StaffMember]:
    return await StaffMember.objects().order_by(StaffMember.unit).order_by(StaffMember.personal_number)
