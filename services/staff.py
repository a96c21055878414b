"""The staff side: the staff register (who may reach /handlaggare, in which role and unit). The case officers' views
build on this."""

from __future__ import annotations

from core import clock
from db import audit, staff
from db import auth as sessions
from db.staff import NOTICE_DEFAULTS, StaffMember

# officer: handles the cases of their units' e-services; restricted_officer: only those assigned to them; admin: an
# officer who also runs the platform.
STAFF_ROLES = ("officer", "restricted_officer", "admin")


async def add_member(personal_number: str, role: str, unit: str, *, may_see_protected: bool = False) -> StaffMember:
    """Add someone to the staff register, or change their role, unit or permission to handle protected identities.
    Their sessions end: a new role takes effect at the next login, so it can never be stale."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    member = await staff.save_staff(personal_number, role, unit, clock.now(), may_see_protected=may_see_protected)
    await audit.record("staff.added", target=f"staff:{member.id}", role=role)
    await sessions.end_sessions_of(personal_number)
    return member


async def remove_member(personal_number: str) -> int | None:
    """Remove someone from the staff register and end their sessions; returns how many ended, None when they were
    not in the register."""
    if not await staff.remove_staff(personal_number):
        return None
    ended = await sessions.end_sessions_of(personal_number)
    await audit.record("staff.removed", sessions_ended=ended)
    return ended


NEW_CASE_CHOICES = ("now", "daily", "off")


async def notice_choices(personal_number: str) -> dict:
    """The officer's e-mail notices: their own choices over the defaults."""
    return {**NOTICE_DEFAULTS, **await staff.notice_choices(personal_number)}


async def save_notice_choices(personal_number: str, new_case: str, activity: bool, deadline: bool) -> None:
    await staff.save_notice_choices(
        personal_number,
        {
            "new_case": new_case if new_case in NEW_CASE_CHOICES else NOTICE_DEFAULTS["new_case"],
            "activity": activity,
            "deadline": deadline,
        },
    )


async def members() -> list[StaffMember]:
    return await staff.all_staff()
