"""The administrators' area (/admin): the audit log's search, pages, CSV export and random sample for the periodic
log review (loggkontroll). Every view and export of the log is itself audited."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import date

from core.i18n import format_datetime
from core.i18n import gettext as _
from db import audit
from db.audit import LogFilter
from web.pagination import Page

PAGE_SIZE = 50
SAMPLE_DEFAULT, SAMPLE_MAX = 20, 500
# The most entries one CSV export holds (newest first); a longer period is exported in parts.
EXPORT_MAX = 100_000
MAX_SEARCH_LENGTH = 100
# A CSV cell starting with one of these is a formula in a spreadsheet: it is written with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def action_labels() -> dict[str, str]:
    """The actions the code records (grep `audit.record(`), each with what it means."""
    return {
        "case.viewed": _("Case viewed"),
        "case.changed": _("Case changed"),
        "case.polled": _("Case checked for news"),
        "case.exported_pdf": _("Case exported as PDF"),
        "case.exported_json": _("Case exported as JSON"),
        "e_service.templates_changed": _("Message templates changed"),
        "login.succeeded": _("Logged in"),
        "login.failed": _("Login failed"),
        "login.cancelled": _("Login cancelled"),
        "login.rate_limited": _("Login refused: too many attempts"),
        "logout": _("Logged out"),
        "sign.failed": _("Signing failed"),
        "sign.cancelled": _("Signing cancelled"),
        "staff.added": _("Staff member added"),
        "staff.changed": _("Staff member changed"),
        "staff.removed": _("Staff member removed"),
        "representation.added": _("Representation added"),
        "representation.removed": _("Representation removed"),
        "representation.lapsed": _("Representation lapsed"),
        "rate_limited.message": _("Too many messages"),
        "rate_limited.application_start": _("Too many applications started"),
        "rate_limited.upload": _("Too many uploads"),
        "rate_limited.signing_start": _("Too many signings started"),
        "operating_notice.created": _("Operating notice created"),
        "operating_notice.changed": _("Operating notice changed"),
        "operating_notice.ended": _("Operating notice ended"),
        "operating_notice.deleted": _("Operating notice deleted"),
        "audit_log.viewed": _("Audit log viewed"),
        "audit_log.exported": _("Audit log exported"),
        "audit_log.sampled": _("Audit log sample drawn"),
        "api.cases.listed": _("Cases listed by a case management system"),
        "api.case.viewed": _("Case fetched by a case management system"),
        "api.case.status_changed": _("Status set by a case management system"),
        "api.case.message_sent": _("Message sent by a case management system"),
        "api.refused": _("Case management system refused"),
        "api_client.created": _("Case management system's access created"),
        "api_client.revoked": _("Case management system's access revoked"),
        "api.events.listed": _("Events read by a case management system"),
        "api_client.webhook_set": _("Case management system's webhook set"),
        "api_client.webhook_removed": _("Case management system's webhook removed"),
        "rate_limited.api": _("Too many calls from a case management system"),
    }


def action_choices() -> list[tuple[str, str]]:
    """(action, label) for the search's select, by label. An action missing here can still be searched by address."""
    return sorted(action_labels().items(), key=lambda item: item[1])


def read_filter(
    *, date_from: date | None, date_to: date | None, staff: str, case_reference: str, action: str
) -> LogFilter:
    staff = " ".join(staff.split())[:MAX_SEARCH_LENGTH]
    digits = staff.replace("-", "")
    if digits.isdigit():
        staff = digits
    return LogFilter(
        date_from=date_from,
        date_to=date_to,
        staff=staff,
        case_reference=case_reference.strip().upper()[:MAX_SEARCH_LENGTH],
        action=action.strip()[:60],
    )


def _described(selected: LogFilter) -> dict:
    """The search as the audit entry of a view records it: which fields were used, no personal data."""
    return {
        "from": selected.date_from.isoformat() if selected.date_from else "",
        "to": selected.date_to.isoformat() if selected.date_to else "",
        "by_staff": bool(selected.staff),
        "case": selected.case_reference,
        "searched_action": selected.action,
    }


async def log_page(admin_id: int, selected: LogFilter, number: int) -> Page[dict]:
    total = await audit.count(selected)
    number = min(max(1, number), max(1, -(-total // PAGE_SIZE)))
    rows = await audit.entries(selected, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    await audit.record("audit_log.viewed", actor_id=admin_id, page=number, shown=len(rows), **_described(selected))
    return Page(rows, number, PAGE_SIZE, total)


async def sample(admin_id: int, selected: LogFilter, size: int, seed: int, *, export: bool = False) -> list[dict]:
    rows = await audit.sample(selected, size, seed)
    action = "audit_log.exported" if export else "audit_log.sampled"
    await audit.record(action, actor_id=admin_id, sample=size, seed=seed, rows=len(rows), **_described(selected))
    return rows


async def export(admin_id: int, selected: LogFilter) -> str:
    rows = await audit.entries(selected, limit=EXPORT_MAX)
    await audit.record("audit_log.exported", actor_id=admin_id, rows=len(rows), **_described(selected))
    return to_csv(rows)


def new_seed() -> int:
    return secrets.randbelow(2**31)


def parse_sample_size(raw: int | None) -> int:
    return min(max(1, raw or SAMPLE_DEFAULT), SAMPLE_MAX)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(rows: list[dict]) -> str:
    """The entries as CSV (comma-separated, UTF-8 with a byte order mark so that spreadsheets read å, ä and ö)."""
    labels = action_labels()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Time"), _("Personal identity number"), _("Name"), _("Action"), _("Description"), _("Target"), _("Details")]
    )
    for row in rows:
        writer.writerow(
            _cell(value)
            for value in (
                format_datetime(row["at"], "yyyy-MM-dd HH:mm:ss"),
                row["actor_personal_number"] or "",
                actor_name(row),
                row["action"],
                labels.get(row["action"], ""),
                row["target"],
                details_text(row["details"]),
            )
        )
    return "\ufeff" + out.getvalue()


def actor_name(row: dict) -> str:
    return f"{row['actor_given_name'] or ''} {row['actor_surname'] or ''}".strip() if row["actor_id"] else ""


def details_text(details: dict) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(details.items()))
