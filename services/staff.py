"""The staff side: the staff register (who may reach the staff views, in which role, units and validity window), its
rules shared by the administrators' pages (/admin/personal, routes/admin_staff.py) and the command line
(cli/staff.py), and each officer's e-mail notices.

Roles: officer handles the cases of their units' e-services; restricted_officer only those assigned to them; editor
is an e-service editor, limited to their units' e-services (its pages come with issue 13 items 1-3; until then the
role grants no access to the officers' views); admin is an officer who also runs the platform (/admin).

Access has a validity window: from `valid_from` through `valid_to` (Swedish dates, both optional). Outside it the
person is not staff: a login gives them a resident's session, and an open staff session ends at its next request
(web/auth.py, on the session's own query). Adding, changing or removing someone ends their sessions, so the next
login carries the new rights; every change is audited with the member's id and the names of the changed fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from core import clock
from core.i18n import LOCAL_TIMEZONE, pgettext
from core.i18n import gettext as _
from core.identity_numbers import InvalidIdentityNumber, parse_personal_number
from db import audit, staff
from db import auth as sessions
from db.staff import CASE_ROLES, NOTICE_DEFAULTS, ROLES, StaffMember

STAFF_ROLES = ROLES
MAX_UNIT_NAME = 120
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The fields of the form, in its order (errors are listed in this order too).
FIELDS = ("personal_number", "role", "units", "new_unit", "protected", "valid_from", "valid_to")
# What a change compares, by the names the audit entry gives them.
_COMPARED = ("role", "units", "may_see_protected", "valid_from", "valid_to")


def role_choices() -> list[tuple[str, str]]:
    return [
        ("officer", pgettext("staff role", "Case officer")),
        ("restricted_officer", _("Restricted case officer (only cases assigned to them)")),
        ("editor", _("E-service editor")),
        ("admin", _("Administrator")),
    ]


def role_labels() -> dict[str, str]:
    return {
        "officer": pgettext("staff role", "Case officer"),
        "restricted_officer": _("Restricted case officer"),
        "editor": _("E-service editor"),
        "admin": _("Administrator"),
    }


def local_today() -> date:
    return clock.now().astimezone(LOCAL_TIMEZONE).date()


def in_window(valid_from: date | None, valid_to: date | None, today: date) -> bool:
    """Whether access is valid on `today` (both ends included; an open end is no limit)."""
    return (valid_from is None or valid_from <= today) and (valid_to is None or today <= valid_to)


def state(member: dict, today: date) -> str:
    """ "active", "future" (not yet valid) or "ended"."""
    if member["valid_to"] is not None and member["valid_to"] < today:
        return "ended"
    if member["valid_from"] is not None and member["valid_from"] > today:
        return "future"
    return "active"


def state_labels() -> dict[str, str]:
    return {
        "active": pgettext("staff access", "Active"),
        "future": pgettext("staff access", "Not yet valid"),
        "ended": pgettext("staff access", "Ended"),
    }


def session_role(member: StaffMember | None, today: date) -> str:
    """The staff role a login gets: the member's, while their access is valid; none otherwise."""
    if member is None or not in_window(member.valid_from, member.valid_to, today):
        return ""
    return member.role


def handles_cases(role: str) -> bool:
    return role in CASE_ROLES


@dataclass(frozen=True)
class Checked:
    values: dict  # what db.staff.insert_member/update_member store, when there are no errors
    errors: dict[str, str]  # field -> message, in the form's order


def _date(raw: str, errors: dict, field: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    if not _ISO_DATE.fullmatch(raw):
        errors[field] = _("Write the date as year-month-day, for example 2027-01-31")
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors[field] = _("There is no such date: write it as year-month-day, for example 2027-01-31")
        return None


async def check(posted: dict, *, adding: bool) -> Checked:
    """The form's values, or what is wrong with each field. `posted`: personal_number (read when adding), role,
    units (unit ids as text), new_units (unit names, created if new), protected (bool), valid_from, valid_to
    (year-month-day or empty)."""
    errors: dict[str, str] = {}
    personal_number = ""
    if adding:
        raw = posted["personal_number"]
        if not raw.strip():
            errors["personal_number"] = _("Write the personal identity number")
        else:
            try:
                personal_number = parse_personal_number(raw).value
            except InvalidIdentityNumber as invalid:
                errors["personal_number"] = invalid.message
            else:
                if await staff.member_id_of(personal_number) is not None:
                    errors["personal_number"] = _(
                        "That person is already in the staff register: change them from the list instead"
                    )
    role = posted["role"]
    if role not in ROLES:
        errors["role"] = _("Choose a role")
    known = {str(unit["id"]): unit["name"] for unit in await staff.units()}
    chosen = list(dict.fromkeys(posted["units"]))
    if any(unit_id not in known for unit_id in chosen):
        errors["units"] = _("Choose among the units listed")
    new_units: list[str] = []
    for raw_name in posted["new_units"]:
        name = " ".join(raw_name.split())
        if len(name) > MAX_UNIT_NAME:
            errors["new_unit"] = _("The unit's name can be at most %(num)d characters") % {"num": MAX_UNIT_NAME}
        elif name:
            existing = next((unit_id for unit_id, known_name in known.items() if known_name.casefold() ==
                             name.casefold()), None)  # fmt: skip
            if existing is not None:
                chosen.append(existing)
            elif name.casefold() not in {other.casefold() for other in new_units}:
                new_units.append(name)
    chosen = list(dict.fromkeys(chosen))
    needs_unit = role in ROLES and role != "admin"  # an administrator may work across the municipality
    if needs_unit and not chosen and not new_units and not errors.keys() & {"units", "new_unit"}:
        # With no units to choose, the new unit's field is the one to fill.
        errors["units" if known else "new_unit"] = _("Choose at least one unit, or write the name of a new one")
    valid_from = _date(posted["valid_from"], errors, "valid_from")
    valid_to = _date(posted["valid_to"], errors, "valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        errors["valid_to"] = _("The last day cannot be before the first day")
    if errors:
        return Checked({}, {field: errors[field] for field in FIELDS if field in errors})
    unit_ids = sorted(int(unit_id) for unit_id in chosen if unit_id in known)
    names = sorted([known[str(unit_id)] for unit_id in unit_ids] + new_units, key=str.casefold)
    values = {
        "personal_number": personal_number,
        "role": role,
        "unit_ids": unit_ids,
        "new_units": new_units,
        "unit": names[0] if names else "",
        "may_see_protected": bool(posted["protected"]),
        "valid_from": valid_from,
        "valid_to": valid_to,
    }
    return Checked(values, {})


def form_values(member: dict | None) -> dict:
    """The form's fields for a member of staff, or for someone new (an officer, valid from now on)."""
    if member is None:
        return {"personal_number": "", "role": "officer", "units": [], "new_unit": "", "protected": False,
                "valid_from": "", "valid_to": ""}  # fmt: skip
    return {
        "personal_number": member["personal_number"],
        "role": member["role"],
        "units": [str(unit_id) for unit_id, _name in member["units"]],
        "new_unit": "",
        "protected": member["may_see_protected"],
        "valid_from": member["valid_from"].isoformat() if member["valid_from"] else "",
        "valid_to": member["valid_to"].isoformat() if member["valid_to"] else "",
    }


def formatted(personal_number: str) -> str:
    return f"{personal_number[:8]}-{personal_number[8:]}"


def masked(personal_number: str) -> str:
    """The date of birth only, as lists show it: the full number is on the person's own page."""
    return f"{personal_number[:8]}-****"


async def register() -> list[dict]:
    """Every member of staff, by name (those who have not logged in yet last, by date of birth), each with their
    `state` at today's date."""
    today = local_today()
    members = await staff.register()
    for member in members:
        member["state"] = state(member, today)
    return sorted(
        members,
        key=lambda m: (m["account_id"] is None, (m["surname"] or "").casefold(), (m["given_name"] or "").casefold(),
                       m["personal_number"]),
    )  # fmt: skip


async def member(member_id: int) -> dict | None:
    found = await staff.member(member_id)
    if found is not None:
        found["state"] = state(found, local_today())
    return found


async def units() -> list[dict]:
    return await staff.units()


async def add(values: dict, *, actor_id: int | None) -> int | None:
    """Add someone to the register (`values` from `check`); None when they were added meanwhile. Sessions they have
    (as a resident) end, so their next login is a staff login."""
    member_id = await staff.insert_member(values, clock.now())
    if member_id is None:
        return None
    await audit.record("staff.added", actor_id=actor_id, target=f"staff:{member_id}", role=values["role"])
    await sessions.end_sessions_of(values["personal_number"])
    return member_id


def _compared(member: dict) -> dict:
    return {
        "role": member["role"],
        "units": sorted(unit_id for unit_id, _name in member["units"]),
        "may_see_protected": member["may_see_protected"],
        "valid_from": member["valid_from"],
        "valid_to": member["valid_to"],
    }


async def change(member_id: int, values: dict, *, actor_id: int | None) -> list[str] | None:
    """Change a member of staff to `values` (from `check`); returns the names of the fields that changed (none: nothing
    is written), None when the member is gone. A change ends their sessions."""
    before = await staff.member(member_id)
    if before is None:
        return None
    if not await staff.update_member(member_id, values):
        return None
    after = await staff.member(member_id)
    old, new = _compared(before), _compared(after)
    changed = [name for name in _COMPARED if old[name] != new[name]]
    if changed:
        await audit.record(
            "staff.changed", actor_id=actor_id, target=f"staff:{member_id}", changed=changed, role=values["role"]
        )
        await sessions.end_sessions_of(before["personal_number"])
    return changed


async def remove(member_id: int, *, actor_id: int | None) -> int | None:
    """Remove a member of staff and end their sessions; returns how many ended, None when they were not there."""
    personal_number = await staff.delete_member(member_id)
    if personal_number is None:
        return None
    ended = await sessions.end_sessions_of(personal_number)
    await audit.record("staff.removed", actor_id=actor_id, target=f"staff:{member_id}", sessions_ended=ended)
    return ended


async def member_id_of(personal_number: str) -> int | None:
    return await staff.member_id_of(personal_number)


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
