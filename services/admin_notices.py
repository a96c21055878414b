"""Operating notices (driftmeddelanden) as administrators manage them at /admin/driftmeddelanden: checking the form,
the lists of current, coming and past notices, and every change, each audited. The catalogue's index shows them
(services.catalogue); each write bumps its version, so every process picks the change up.

Times are written in Swedish local time (Europe/Stockholm) and stored in UTC. A notice without an end stays until
someone ends it. "Closed for new applications" closes its scope: one e-service, or all of them for a global notice;
residents continue and submit what they have already started, and staff work as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _
from db import audit, catalogue
from db.catalogue import NOTICE_LEVELS

MAX_TITLE, MAX_BODY = 200, 4000
GLOBAL = ""  # the scope field's value for every e-service
# A local time as the form's text field takes it: "2026-12-24 08:00" (a "T", as datetime-local writes it, or a
# dot, as Swedes often write times, do too; seconds optional).
_LOCAL_TIME = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2})[:.]([0-9]{2})(?:[:.]([0-9]{2}))?")
FIELDS = ("title", "body", "scope", "level", "starts", "ends", "closed")


def level_choices() -> list[tuple[str, str]]:
    return [("info", _("Information")), ("warning", _("Warning"))]


def local_input(moment: datetime | None) -> str:
    """A stored time as the form's field shows it (local time, to the minute)."""
    return moment.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M") if moment else ""


class BadTime(ValueError):
    pass


def parse_local(raw: str) -> datetime | None:
    """A local time from the form, in UTC; None when empty. BadTime when it is no time, or one the clocks skip."""
    raw = raw.strip()
    if not raw:
        return None
    match = _LOCAL_TIME.fullmatch(raw)
    if match is None:
        raise BadTime(_("Write a date and time, for example 2026-12-24 08:00"))
    year, month, day, hour, minute, second = (int(part or 0) for part in match.groups())
    try:
        local = datetime(year, month, day, hour, minute, second, tzinfo=LOCAL_TIMEZONE)
    except ValueError:
        raise BadTime(_("There is no such date or time: write it as 2026-12-24 08:00")) from None
    moment = local.astimezone(UTC)
    if moment.astimezone(LOCAL_TIMEZONE).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise BadTime(_("That time does not exist in Swedish time (the clocks are put forward then): choose another"))
    return moment


@dataclass(frozen=True)
class Checked:
    values: dict  # the columns to store (db.catalogue.NOTICE_COLUMNS), when there are no errors
    errors: dict[str, str]  # field -> message, in the form's order


async def scope_choices() -> list[tuple[str, str]]:
    """(value, label) for the scope field: every e-service, then each e-service by title."""
    choices = [(GLOBAL, _("All e-services (global)"))]
    for row in await catalogue.e_service_choices():
        label = row["title"] if row["published"] else _("%(title)s (not published)") % {"title": row["title"]}
        choices.append((str(row["id"]), label))
    return choices


async def check(posted: dict[str, str], *, now: datetime) -> Checked:
    """The posted form's values, or what is wrong with each field. `posted` holds the FIELDS as strings."""
    errors: dict[str, str] = {}
    title = " ".join(posted["title"].split())
    if not title:
        errors["title"] = _("Write a heading for the notice")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The heading can be at most %(num)d characters") % {"num": MAX_TITLE}
    body = posted["body"].strip().replace("\r\n", "\n")
    if len(body) > MAX_BODY:
        errors["body"] = _("The text can be at most %(num)d characters") % {"num": MAX_BODY}
    scope = posted["scope"].strip()
    if scope not in {value for value, _label in await scope_choices()}:
        errors["scope"] = _("Choose where the notice is shown: on every e-service or on one of them")
    level = posted["level"]
    if level not in NOTICE_LEVELS:
        errors["level"] = _("Choose whether the notice is information or a warning")
    starts_at = ends_at = None
    if not posted["starts"].strip():
        errors["starts"] = _("Write when the notice starts to show")
    else:
        try:
            starts_at = parse_local(posted["starts"])
        except BadTime as bad:
            errors["starts"] = str(bad)
    try:
        ends_at = parse_local(posted["ends"])
    except BadTime as bad:
        errors["ends"] = str(bad)
    if ends_at is not None and "ends" not in errors:
        if starts_at is not None and ends_at <= starts_at:
            errors["ends"] = _("The end must be after the start")
        elif ends_at <= now:
            errors["ends"] = _("The end has already passed: choose a later time, or leave it empty")
    if errors:
        return Checked({}, errors)
    values = {
        "title": title,
        "body": body,
        "e_service": int(scope) if scope else None,
        "level": level,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "closed_for_new": posted["closed"] == "1",
    }
    return Checked(values, {})


def form_values(row: dict | None, *, now: datetime) -> dict[str, str]:
    """The form's fields for a stored notice, or for a new one (info, global, from now on)."""
    if row is None:
        return {"title": "", "body": "", "scope": GLOBAL, "level": "info", "starts": local_input(now), "ends": "",
                "closed": ""}  # fmt: skip
    return {
        "title": row["title"],
        "body": row["body"],
        "scope": str(row["e_service"]) if row["e_service"] else GLOBAL,
        "level": row["level"],
        "starts": local_input(row["starts_at"]),
        "ends": local_input(row["ends_at"]),
        "closed": "1" if row["closed_for_new"] else "",
    }


def state(row: dict, now: datetime) -> str:
    """ "current", "future" or "past" at `now`."""
    if row["ends_at"] is not None and row["ends_at"] <= now:
        return "past"
    return "future" if row["starts_at"] > now else "current"


async def grouped(now: datetime) -> dict[str, list[dict]]:
    """Every notice by its state: current and coming ones by start time (soonest first), past ones newest first."""
    groups: dict[str, list[dict]] = {"current": [], "future": [], "past": []}
    for row in await catalogue.notices():
        groups[state(row, now)].append(row)
    groups["current"].reverse()
    groups["future"].reverse()
    return groups


async def notice(notice_id: int) -> dict | None:
    return await catalogue.notice(notice_id)


def _described(values: dict) -> dict:
    """What the audit entry records of a notice: its settings, not its text (anything may be written there)."""
    return {
        "scope": values["e_service"] or "all",
        "level": values["level"],
        "closed_for_new": values["closed_for_new"],
        "starts_at": values["starts_at"].isoformat(),
        "ends_at": values["ends_at"].isoformat() if values["ends_at"] else "",
    }


async def create(admin_id: int, values: dict) -> int:
    notice_id = await catalogue.create_notice(values)
    await audit.record(
        "operating_notice.created", actor_id=admin_id, target=f"operating_notice:{notice_id}", **_described(values)
    )
    return notice_id


async def update(admin_id: int, notice_id: int, values: dict) -> bool:
    """False when the notice is gone."""
    before = await catalogue.notice(notice_id)
    if before is None or not await catalogue.update_notice(notice_id, values):
        return False
    changed = sorted(name for name, value in values.items() if before[name] != value)
    await audit.record(
        "operating_notice.changed",
        actor_id=admin_id,
        target=f"operating_notice:{notice_id}",
        changed=changed,
        **_described(values),
    )
    return True


async def end_now(admin_id: int, notice_id: int, now: datetime) -> bool:
    """End a current notice now (it moves to the past ones). False unless it is current."""
    row = await catalogue.notice(notice_id)
    if row is None or state(row, now) != "current":
        return False
    await catalogue.update_notice(notice_id, {"ends_at": now})
    await audit.record("operating_notice.ended", actor_id=admin_id, target=f"operating_notice:{notice_id}")
    return True


async def delete(admin_id: int, notice_id: int) -> bool:
    row = await catalogue.notice(notice_id)
    if row is None or not await catalogue.delete_notice(notice_id):
        return False
    await audit.record(
        "operating_notice.deleted", actor_id=admin_id, target=f"operating_notice:{notice_id}", **_described(row)
    )
    return True
