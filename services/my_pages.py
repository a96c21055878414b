"""A resident's cases as Mina sidor shows them: groups with counts, pages of a group, one case with its timeline,
and who may see it (the applicant, co-applicants, representatives of the organisation it was made for)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from core import clock
from core.errors import NotFound
from core.i18n import gettext as _
from core.i18n import pgettext
from core.settings import Settings
from db import accounts, applications, cases, my_pages, signing
from db import messages as conversations
from db.notices import NOTICE_KINDS, notice_label
from forms.validators import FieldError, display_phone, email_address, mobile_number
from services.applications import case_sections, draft_deletion_date
from services.applications import today as local_today
from services.catalogue import CatalogueIndex
from services.messages import messaging_open, supplements_with_changes, takes_supplements, thread_context
from web.pagination import Page

if TYPE_CHECKING:
    from web.auth import CurrentUser

OVERVIEW_ITEMS = 5
PAGE_SIZE = 20


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
        "released": _("The case officer released the case"),
        "delay_notice": _("The municipality said the decision will be late"),
        "supplement_requested": _("The case officer asked for a supplement"),
        "supplement_answered": _("The supplement was sent"),
        "message": _("The case officer sent a message"),
        "status_changed": _("The status changed"),
        "decision": _("A decision was made"),
        "closed": _("The case was closed"),
    }
    return labels.get(kind, kind)


def deletion_date(case: dict, settings: Settings) -> datetime | None:
    if case["closed_at"] is None:
        return None
    return case["closed_at"] + timedelta(days=case["retention_days_closed"] or settings.default_retention_days_closed)


def decorate(case: dict, settings: Settings, today: date) -> dict:
    """Add what the pages show: status text, deletion date, and for list rows (which carry the counts) whether an
    open supplement request is overdue (a closed case takes no supplements: its requests are moot)."""
    case["status_label"] = case.get("status_name") or status_label(case["status"])
    case["deleted_on"] = deletion_date(case, settings)
    if "supplements_open" in case:
        if case["status"] == "closed":
            case["supplements_open"] = 0
        case["supplement_overdue"] = bool(case["supplement_due"] and case["supplement_due"] < today)
    return case


# The groups of Mina sidor, in the order they are shown; the first two are drafts (few: one per e-service at most),
# paged in memory, the others cases, paged by the database.
DRAFT_GROUPS = ("att-signera", "sparade")
LIST_GROUPS = (*DRAFT_GROUPS, *my_pages.GROUP_STATUSES)


async def draft_groups(user: CurrentUser, settings: Settings) -> dict[str, list[dict]]:
    """The drafts waiting for the user's signature as co-applicant, and their own saved ones with the date each
    will be deleted."""
    own, to_sign = await my_pages.drafts_of(user.id, user.personal_number, clock.now())
    for draft in own:
        draft["deleted_on"] = draft_deletion_date(draft["last_activity_at"], draft["retention_days"], settings)
    return {"att-signera": to_sign, "sparade": own}


async def group_page(user: CurrentUser, group: str, number: int, size: int, settings: Settings) -> Page:
    if group in DRAFT_GROUPS:
        return Page.of((await draft_groups(user, settings))[group], number, size)
    offset = (max(1, number) - 1) * size
    rows, total = await my_pages.cases_in_group(user.id, user.personal_number, group, offset=offset, limit=size)
    if not rows and total and number > 1:  # past the end: show the last page
        last = (total - 1) // size + 1
        rows, total = await my_pages.cases_in_group(
            user.id, user.personal_number, group, offset=(last - 1) * size, limit=size
        )
        number = last
    today = local_today()
    return Page([decorate(row, settings, today) for row in rows], max(1, number), size, total)


async def overview_groups(user: CurrentUser, settings: Settings) -> dict[str, Page]:
    """The first OVERVIEW_ITEMS of each group, with the group's total, for /mina-sidor."""
    today = local_today()
    groups = {group: Page.of(items, 1, OVERVIEW_ITEMS) for group, items in (await draft_groups(user, settings)).items()}
    for group, (rows, total) in (
        await my_pages.newest_cases_per_group(user.id, user.personal_number, OVERVIEW_ITEMS)
    ).items():
        groups[group] = Page([decorate(row, settings, today) for row in rows], 1, OVERVIEW_ITEMS, total)
    return groups


async def visible_case(user: CurrentUser, reference: str) -> dict:
    """The case with this reference if the user may see it (as applicant, co-applicant or representative);
    NotFound for anyone else, the same answer as for no case."""
    case = await my_pages.case_for(reference, user.id, user.personal_number)
    if case is None:
        raise NotFound()
    return case


async def case_page_context(
    settings: Settings, catalogue: CatalogueIndex, user, case: dict, *, all_messages: bool = False, **extra
) -> dict:
    today = local_today()
    decorate(case, settings, today)
    service = catalogue.service_by_id(case["e_service"])
    events = await cases.events_of(case["id"])
    definition = applications.parsed_definition(case["form_definition"])
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
            case["answers_text"],
            tuple((attachment["field_id"], attachment["filename"]) for attachment in form_files),
        ),
        "attachments": form_files,
        "signatures": await signing.signatures_of_case(case["id"]) if case["has_signatures"] else [],
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


async def attachment(case: dict, public_id: str) -> dict | None:
    """A file of the case with its content."""
    return await cases.attachment_of_case(case["id"], public_id)


# Mina uppgifter: contact details and which notices the resident wants.


def notice_choices() -> list[tuple[str, str]]:
    """The kinds of e-mail notice a resident may turn off, with their labels."""
    return [(kind, notice_label(kind)) for kind in NOTICE_KINDS]


def contact_details(account) -> dict:
    return {
        "email": account["email"],
        "phone": display_phone(account["phone"]),
        "notices_off": accounts.notices_off(account),
    }


async def save_contact_details(user_id: int, posted: dict) -> tuple[dict, dict[str, str]]:
    """Check and store the e-mail address, mobile number and wanted notices (`posted["notices"]`: the kinds ticked).
    Returns the values as the page shows them and what is wrong by field (nothing is stored then)."""
    wanted = set(posted["notices"])
    values = {
        "email": posted["email"],
        "phone": posted["phone"],
        "notices_off": [kind for kind in NOTICE_KINDS if kind not in wanted],
    }
    errors: dict[str, str] = {}
    cleaned = {}
    for name, validate in (("email", email_address), ("phone", mobile_number)):
        try:
            cleaned[name] = validate(values[name]) if values[name] else ""
        except FieldError as error:
            errors[name] = error.message
    if not errors:
        await accounts.update_contact_details(user_id, cleaned["email"], cleaned["phone"], values["notices_off"])
    return values, errors
