"""A resident's cases as Mina sidor shows them: groups with counts, pages of a group, one case with its timeline,
and who may see it (the applicant, co-applicants, representatives of the organisation it was made for)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException

from core import clock
from core.i18n import LOCAL_TIMEZONE, pgettext
from core.i18n import gettext as _
from core.settings import Settings
from db import cases, conversations, drafts
from forms.engine import display_lines
from web.applications import case_sections
from web.auth import CurrentUser
from web.pagination import Page

OVERVIEW_ITEMS = 5
PAGE_SIZE = 20


def status_label(status: str) -> str:
    labels = {
        "received": pgettext("case status", "Received"),
        "in_progress": pgettext("case status", "In progress"),
        "awaiting_supplement": pgettext("case status", "Waiting for your supplement"),
        "closed": pgettext("case status", "Closed"),
    }
    return labels.get(status, status)


def event_label(kind: str, details: dict) -> str:
    if kind == "signed":
        return _("Signed by a co-applicant") if details.get("role") == "coapplicant" else _("Signed by the applicant")
    labels = {
        "received": _("The case was received"),
        "assigned": _("A case officer took the case"),
        "supplement_requested": _("The case officer asked for a supplement"),
        "supplement_answered": _("The supplement was sent"),
        "status_changed": _("The status changed"),
        "decision": _("A decision was made"),
        "closed": _("The case was closed"),
    }
    return labels.get(kind, kind)


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def deletion_date(case: dict, settings: Settings) -> datetime | None:
    if case["closed_at"] is None:
        return None
    return case["closed_at"] + timedelta(days=case["retention_days_closed"] or settings.default_retention_days_closed)


async def decorate(cases_: list[dict], settings: Settings) -> list[dict]:
    """Add what the lists show: status text, unread messages, open supplements (and if overdue), deletion date."""
    ids = [case["id"] for case in cases_]
    unread = await conversations.unread_for_resident(ids)
    supplements = await cases.open_supplement_counts(ids)
    today = clock.now().astimezone(LOCAL_TIMEZONE).date()
    for case in cases_:
        case["status_label"] = status_label(case["status"])
        case["unread"] = unread.get(case["id"], 0)
        open_request = supplements.get(case["id"])
        case["supplements_open"] = open_request["open"] if open_request else 0
        case["supplement_due"] = _as_date(open_request["due"]) if open_request else None
        case["supplement_overdue"] = bool(case["supplement_due"] and case["supplement_due"] < today)
        case["deleted_on"] = deletion_date(case, settings)
    return cases_


async def group_page(user: CurrentUser, group: str, number: int, size: int, settings: Settings) -> Page:
    offset = (max(1, number) - 1) * size
    rows, total = await cases.cases_in_group(user.id, user.personal_number, group, offset=offset, limit=size)
    if not rows and total and number > 1:  # past the end: show the last page
        last = (total - 1) // size + 1
        rows, total = await cases.cases_in_group(
            user.id, user.personal_number, group, offset=(last - 1) * size, limit=size
        )
        number = last
    return Page(await decorate(rows, settings), max(1, number), size, total)


async def visible_case(request: Request, user: CurrentUser, reference: str) -> dict:
    case = await cases.case_for(reference, user.id, user.personal_number)
    if case is None:
        raise NotFoundException()
    answers = case.get("answers")
    if isinstance(answers, str):
        case["answers"] = json.loads(answers)
    return case


def messaging_open(case: dict, settings: Settings) -> bool:
    """Residents may write while the case is open and for a while after it closed."""
    if not case["allows_messages"]:
        return False
    if case["closed_at"] is None:
        return True
    return clock.now() < case["closed_at"] + timedelta(days=settings.messages_open_days_after_close)


async def case_page_context(request: Request, user, case: dict, **extra) -> dict:
    settings = request.app.state.settings
    await decorate([case], settings)
    service = (await request.app.state.catalogue.get()).service_by_id(case["e_service"])
    events = await cases.events_of(case["id"])
    definition, _version = await drafts.definition_of(case["form_version"])
    return {
        "nav": "my_pages",
        "case": case,
        "service": service,
        "sections": await case_sections(case["id"], case["form_version"], case["answers"]),
        "attachments": [a for a in await cases.attachments_of_case(case["id"]) if a["field_id"]],
        "signatures": await cases.signatures_of_case(case["id"]),
        "events": [{**event, "label": event_label(event["kind"], event["details"])} for event in events],
        "supplements": supplements_with_changes(await conversations.supplements_of(case["id"]), definition),
        "messages": await conversations.thread(case["id"]) if case["allows_messages"] else [],
        "messaging_open": messaging_open(case, settings),
        "message_errors": {},
        "message_text": "",
        "today": clock.now().astimezone(LOCAL_TIMEZONE).date(),
        **extra,
    }


def supplements_with_changes(requests: list[dict], definition) -> list[dict]:
    """Each answered request with its changed answers as (question, before, after) in words a person reads."""
    for request_row in requests:
        changes = []
        for field_id, after in (request_row.get("new_answers") or {}).items():
            try:
                field = definition.field(field_id)
            except KeyError:
                continue
            before = (request_row.get("previous_answers") or {}).get(field_id)
            changes.append(
                (
                    field.label,
                    ", ".join(display_lines(field, before)) or "–",
                    ", ".join(display_lines(field, after)) or "–",
                )
            )
        request_row["changes"] = changes
    return requests
