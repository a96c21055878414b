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
# A case page shows the latest messages; older ones are a link away (long threads are slow to read on a phone too).
THREAD_LATEST = 20


def status_label(status: str) -> str:
    # One lookup per call (lists call this for every row); written out so the texts are extracted for translation.
    if status == "received":
        return pgettext("case status", "Received")
    if status == "in_progress":
        return pgettext("case status", "In progress")
    if status == "awaiting_supplement":
        return pgettext("case status", "Waiting for your supplement")
    if status == "closed":
        return pgettext("case status", "Closed")
    return status


def event_label(kind: str, details: dict) -> str:
    if kind == "signed":
        return _("Signed by a co-applicant") if details.get("role") == "coapplicant" else _("Signed by the applicant")
    labels = {
        "received": _("The case was received"),
        "cosign_requested": _("The co-applicants were asked to sign"),
        "assigned": _("A case officer took the case"),
        "supplement_requested": _("The case officer asked for a supplement"),
        "supplement_answered": _("The supplement was sent"),
        "message": _("The case officer sent a message"),
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


def decorate(case: dict, settings: Settings, today: date) -> dict:
    """Add what the pages show: status text, deletion date, and for list rows (which carry the counts) whether an
    open supplement request is overdue (a closed case takes no supplements: its requests are moot)."""
    case["status_label"] = status_label(case["status"])
    case["deleted_on"] = deletion_date(case, settings)
    if "supplements_open" in case:
        if case["status"] == "closed":
            case["supplements_open"] = 0
        case["supplement_due"] = _as_date(case["supplement_due"])
        case["supplement_overdue"] = bool(case["supplement_due"] and case["supplement_due"] < today)
    return case


def _today() -> date:
    return clock.now().astimezone(LOCAL_TIMEZONE).date()


# The groups of Mina sidor, in the order they are shown; the first two are drafts (few: one per e-service at most),
# paged in memory, the others cases, paged by the database.
DRAFT_GROUPS = ("att-signera", "sparade")
LIST_GROUPS = (*DRAFT_GROUPS, *cases.GROUP_STATUSES)


async def draft_groups(user: CurrentUser, settings: Settings) -> dict[str, list[dict]]:
    """The drafts waiting for the user's signature as co-applicant, and their own saved ones with the date each
    will be deleted."""
    own, to_sign = await drafts.drafts_of(user.id, user.personal_number, clock.now())
    for draft in own:
        draft["deleted_on"] = drafts.deletion_date(draft["last_activity_at"], draft["retention_days"], settings)
    return {"att-signera": to_sign, "sparade": own}


async def group_page(user: CurrentUser, group: str, number: int, size: int, settings: Settings) -> Page:
    if group in DRAFT_GROUPS:
        return Page.of((await draft_groups(user, settings))[group], number, size)
    offset = (max(1, number) - 1) * size
    rows, total = await cases.cases_in_group(user.id, user.personal_number, group, offset=offset, limit=size)
    if not rows and total and number > 1:  # past the end: show the last page
        last = (total - 1) // size + 1
        rows, total = await cases.cases_in_group(
            user.id, user.personal_number, group, offset=(last - 1) * size, limit=size
        )
        number = last
    today = _today()
    return Page([decorate(row, settings, today) for row in rows], max(1, number), size, total)


async def overview_groups(user: CurrentUser, settings: Settings) -> dict[str, Page]:
    """The first OVERVIEW_ITEMS of each group, with the group's total, for /mina-sidor."""
    today = _today()
    groups = {group: Page.of(items, 1, OVERVIEW_ITEMS) for group, items in (await draft_groups(user, settings)).items()}
    for group, (rows, total) in (
        await cases.newest_cases_per_group(user.id, user.personal_number, OVERVIEW_ITEMS)
    ).items():
        groups[group] = Page([decorate(row, settings, today) for row in rows], 1, OVERVIEW_ITEMS, total)
    return groups


async def visible_case(request: Request, user: CurrentUser, reference: str) -> dict:
    case = await cases.case_for(reference, user.id, user.personal_number)
    if case is None:
        raise NotFoundException()
    answers = case.get("answers")
    if isinstance(answers, str):
        case["answers_text"], case["answers"] = answers, json.loads(answers)
    return case


async def thread_context(case: dict, all_messages: bool, attachments: list[dict]) -> dict:
    """The thread as the case page shows it: the latest THREAD_LATEST messages unless all are asked for, and how
    many older ones there are."""
    if not case["allows_messages"]:
        return {"messages": [], "older_messages": 0, "last_id": 0, "thread_key": ()}
    latest = None if all_messages else THREAD_LATEST
    messages = await conversations.thread(case["id"], latest=latest, attachments=attachments)
    older = messages[0]["thread_total"] - latest if latest is not None and len(messages) == latest else 0
    return {
        "messages": messages,
        "older_messages": older,
        "last_id": max((m["id"] for m in messages), default=0),
        "thread_key": conversations.thread_key(messages),
    }


def takes_supplements(case: dict) -> bool:
    return bool(case["allows_supplement"]) and case["status"] != "closed"


def reads_for_applicant(case: dict) -> bool:
    """Whether the viewer's reading counts as the applicant's side having read the officer's messages: the applicant
    and the organisation's representatives, not a co-applicant (the applicant would lose their unread marker)."""
    return case["viewer_role"] != "coapplicant"


async def mark_officer_messages_read(case: dict, messages: list[dict]) -> None:
    if reads_for_applicant(case) and any(m["from_officer"] and m["read_by_resident_at"] is None for m in messages):
        await conversations.mark_read(case["id"], by_officer=False, now=clock.now())


def messaging_open(case: dict, settings: Settings) -> bool:
    """Residents may write while the case is open and for a while after it closed."""
    if not case["allows_messages"]:
        return False
    if case["closed_at"] is None:
        return True
    return clock.now() < case["closed_at"] + timedelta(days=settings.messages_open_days_after_close)


async def case_page_context(request: Request, user, case: dict, *, all_messages: bool = False, **extra) -> dict:
    settings = request.app.state.settings
    today = _today()
    decorate(case, settings, today)
    service = (await request.app.state.catalogue.get()).service_by_id(case["e_service"])
    events = await cases.events_of(case["id"])
    definition = drafts.parsed_definition(case["form_definition"])
    attachments = await cases.attachments_of_case(case["id"])
    form_files = [a for a in attachments if a["field_id"]]
    supplements = (
        supplements_with_changes(await conversations.supplements_of(case["id"]), definition)
        if case["has_supplements"]
        else []
    )
    return {
        "nav": "my_pages",
        "case": case,
        "viewer_id": user.id,
        "service": service,
        "sections": case_sections(definition, case["answers"], form_files),
        # What the rendered answers follow from (the page caches them: web.templating.FragmentCache).
        "answers_key": (
            case["form_definition"],
            case.get("answers_text") or json.dumps(case["answers"], sort_keys=True),
            tuple((attachment["field_id"], attachment["filename"]) for attachment in form_files),
        ),
        "attachments": form_files,
        "signatures": await cases.signatures_of_case(case["id"]) if case["has_signatures"] else [],
        "events": [{**event, "label": event_label(event["kind"], event["details"])} for event in events],
        "supplements": supplements,
        # What the resident still has to answer: nothing once the case cannot take supplements (closed, say).
        "open_requests": [r for r in supplements if r["answered_at"] is None] if takes_supplements(case) else [],
        **(await thread_context(case, all_messages, attachments)),
        "messaging_open": messaging_open(case, settings),
        "message_errors": {},
        "message_text": "",
        "today": today,
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
