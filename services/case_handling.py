"""Case handling by staff: who may see a case (db.case_handling.visible_to), what the officer's case view shows, and
the changes an officer makes (assignment, status, supplement requests, decisions, notes, messages). Every change is
one transaction, goes on the timeline, tells the resident what their notice choices say, and is refused when the
case changed since the officer's page was made (the page's `version`): nothing is overwritten unseen.

Every view, download and export of a case by staff writes an audit entry (who, what, which case)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from core import clock
from core.errors import DomainError, NotFound, Refused
from core.i18n import format_datetime, format_number
from core.i18n import gettext as _
from core.settings import Settings
from db import api as api_tables
from db import audit, case_handling, cases, signing, staff
from db import messages as conversations
from db.applications import parsed_definition
from db.case_handling import Stale
from db.notices import notify_mentioned
from db.staff import Officer
from forms.receipt_pdf import case_pdf
from services import messages
from services.applications import case_sections, today
from services.messages import Upload, supplements_with_changes, thread_context
from services.my_pages import event_label

if TYPE_CHECKING:
    from web.auth import CurrentUser

OUTCOMES = ("bifall", "delvis", "avslag", "avskrivet")
MAX_TEXT = 10_000


def outcome_label(outcome: str) -> str:
    return {
        "bifall": _("Approved"),
        "delvis": _("Partly approved"),
        "avslag": _("Refused"),
        "avskrivet": _("Dismissed"),
    }.get(outcome, outcome)


class Changed(DomainError):
    """The case changed since the officer's page was made; the officer's input is shown again, untouched."""

    status_code = 409

    def __init__(self, by: str) -> None:
        message = (
            _("The case has been changed by %(name)s since you opened it. Check the case and try again.") % {"name": by}
            if by
            else _("The case has been changed since you opened it. Check the case and try again.")
        )
        super().__init__(message)


async def officer_of(user: CurrentUser) -> Officer:
    """The staff member behind the session, as the register says now; Refused for anyone else."""
    member = await staff.officer(user.id, user.personal_number)
    if member is None:
        raise Refused()
    return member


async def visible_case(officer: Officer, reference: str, *, purpose: str = "viewed") -> dict:
    """The case if the officer may see it (NotFound otherwise, as for no case), audited as `case.<purpose>`."""
    case = await case_handling.case_for(reference, officer)
    if case is None:
        raise NotFound()
    await audit.record(f"case.{purpose}", actor_id=officer.account_id, target=f"case:{reference}")
    return case


async def case_view(officer: Officer, case: dict, *, all_messages: bool = False) -> dict:
    """Everything the officer's case view shows; what the resident wrote or supplemented is now seen."""
    definition = _definition(case)
    attachments = await cases.attachments_of_case(case["id"])
    form_files = [a for a in attachments if a["field_id"]]
    requests = await conversations.supplements_of(case["id"])
    supplements = supplements_with_changes(requests, definition)
    thread = await thread_context(case, all_messages, attachments)
    # Writes only when there is news: most views find none, and three updates cost more than the rest of the page.
    # A message that arrives meanwhile stays unread (it was not on the page).
    now = clock.now()
    if any(not message["from_officer"] and message["read_by_officer_at"] is None for message in thread["messages"]):
        await conversations.mark_read(case["id"], by_officer=True, now=now, up_to=thread["last_id"])
    if case["attention"] or any(r["answered_at"] is not None and r["reviewed_at"] is None for r in requests):
        await case_handling.seen_by_officer(case["id"], now)
    return {
        "case": case,
        "address": _address(case),
        "outcome_label": outcome_label(case["outcome"]),
        "deadline": deadline_info(case),
        "sections": case_sections(definition, case["answers"], form_files),
        "attachments": attachments,
        "form_files": form_files,
        "signatures": await signing.signature_records(case["id"]),
        "coapplicants": await case_handling.coapplicants_of(case["id"]),
        "supplements": supplements,
        "timeline": [
            {**event, "label": event_label(event["kind"], event["details"])}
            for event in await case_handling.timeline(case["id"])
        ],
        "notes": await case_handling.notes_of(case["id"]),
        "statuses": [s for s in await cases.statuses_of(case["e_service"]) if s["kind"] != "closed"],
        "colleagues": await _colleagues(officer, case),
        "reopenable": reopenable_fields(case),
        "outcomes": [(outcome, outcome_label(outcome)) for outcome in OUTCOMES],
        "delay_text": await template_text(case, "delay"),
        "external_ids": await api_tables.external_ids_of(case["id"]),
        "deliveries": await api_tables.deliveries_of(case["id"]),
        **thread,
    }


def reopenable_fields(case: dict) -> list:
    """The fields a supplement request may open for the resident to change (not files: those come as attachments)."""
    return [f for step in _definition(case).steps for f in step.fields if f.takes_input and f.type != "file"]


def _definition(case: dict):
    return parsed_definition(case["form_definition"])


def _address(case: dict) -> str:
    """The applicant's registered address, never for a protected identity (not even to an officer who may see the
    case)."""
    if case["protected"] or case["applicant_protected"] or not case["applicant_street"]:
        return ""
    postal = f"{case['applicant_postal_code']} {case['applicant_city']}"
    parts = [case["applicant_care_of"], case["applicant_street"], postal]
    return ", ".join(part.strip() for part in parts if part and part.strip())


async def _colleagues(officer: Officer, case: dict) -> list[dict]:
    """Who the case may be given to: the officers of the units that handle it who may see it."""
    return [
        colleague
        for colleague in await staff.colleagues(officer.unit_ids)
        if not case["protected"] or colleague["may_see_protected"]
    ]


@dataclass(frozen=True)
class DeadlineInfo:
    """Where a case stands against its status's handling time, for the marks the inbox and case view show. Only what
    they show: the inbox keeps each rendered row keyed by its values (a share of the time used, changing every second,
    would make every row new on every view)."""

    days_left: int | None
    mark: str  # "" | "60" | "90" | "overdue"
    long_open: bool  # open longer than six months: the resident may demand a decision (förvaltningslagen 12 §)


SIX_MONTHS_DAYS = 183


def deadline_info(case: dict, now=None) -> DeadlineInfo:
    now = now or clock.now()
    long_open = case["status"] != "closed" and (now - case["received_at"]).days >= SIX_MONTHS_DAYS
    deadline, days = case.get("deadline"), case.get("handling_days") or 0
    if case["status"] == "closed" or deadline is None or not days:
        return DeadlineInfo(None, "", long_open)
    left = deadline - now
    used = 1 - left.total_seconds() / (days * 86_400)
    mark = "overdue" if used > 1 else "90" if used >= 0.9 else "60" if used >= 0.6 else ""
    return DeadlineInfo(left.days if left.total_seconds() >= 0 else -((-left).days), mark, long_open)


# Exports of a whole case (each audited by visible_case's purpose).


async def export(case: dict) -> dict:
    """The whole case as structured data for staff and archives: the parties (no address for a protected identity),
    the answers by field id with their labels, attachments (without content), signatures with BankID's data,
    supplements, the timeline, the conversation and the internal notes. JSON-ready: times as ISO 8601."""
    definition = _definition(case)
    attachments = await cases.attachments_of_case(case["id"])
    answers = []
    for step in definition.visible_steps(case["answers"]):
        for f in step.fields:
            if f.takes_input:
                answers.append({"step": step.id, "field": f.id, "label": f.label, "value": case["answers"].get(f.id)})
    thread = await conversations.thread(case["id"], attachments=attachments)
    return _json_ready(
        {
            "reference": case["reference"],
            "e_service": {"slug": case["service_slug"], "title": case["service_title"]},
            "form_version": case["form_version_number"],
            "status": {"alias": case["status_alias"], "name": case["status_name"], "kind": case["status"]},
            "received_at": case["received_at"],
            "deadline": case["deadline"],
            "closed_at": case["closed_at"],
            "decision": {"outcome": case["outcome"], "text": case["decision"]} if case["closed_at"] else None,
            "protected_identity": case["protected"],
            "applicant": {
                "personal_number": case["applicant_number"],
                "given_name": case["applicant_given_name"],
                "surname": case["applicant_surname"],
                "address": _address(case) or None,
            }
            if case["applicant"]
            else None,
            "organisation": {"number": case["organisation_number"], "name": case["organisation_name"]}
            if case["organisation"]
            else None,
            "coapplicants": await case_handling.coapplicants_of(case["id"]),
            "answers": answers,
            "attachments": [
                {key: a[key] for key in ("public_id", "field_id", "filename", "content_type", "size", "sha256")}
                for a in attachments
            ],
            "signatures": await signing.signature_records(case["id"]),
            "supplements": [
                {key: r[key] for key in ("message", "fields", "due_date", "created_at", "answered_at", "response_text")}
                | {"previous_answers": r["previous_answers"], "new_answers": r["new_answers"]}
                for r in await conversations.supplements_of(case["id"])
            ],
            "events": [
                {"at": e["at"], "kind": e["kind"], "details": e["details"]}
                for e in await case_handling.timeline(case["id"])
            ],
            "messages": [
                {
                    "at": m["created_at"],
                    "from_officer": m["from_officer"],
                    "body": m["body"],
                    "attachments": [a["filename"] for a in m["attachments"]],
                }
                for m in thread
            ],
            "internal_notes": [
                {"at": n["created_at"], "author": _note_author(n), "body": n["body"]}
                for n in await case_handling.notes_of(case["id"])
            ],
            "external_ids": [
                {"system": x["system"], "id": x["external_id"], "client": x["client"], "at": x["set_at"]}
                for x in await api_tables.external_ids_of(case["id"])
            ],
            "deliveries": [
                {"client": d["client"], "system": d["system"], "at": d["delivered_at"]}
                for d in await api_tables.deliveries_of(case["id"])
            ],
        }
    )


def _note_author(note: dict) -> str:
    """A colleague by name, or the case-management system that wrote the note through the API."""
    if note["author"] is None and note["via_client"]:
        return f"{_('Case management system')} {note['via_client']}"
    return f"{note['given_name'] or ''} {note['surname'] or ''}".strip()


def _json_ready(value):
    if isinstance(value, dict):
        return {key: _json_ready(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(item) for item in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


async def pdf(settings: Settings, case: dict) -> bytes:
    """The whole case as a PDF (what export() holds, for reading and printing; internal notes left out)."""
    data = await export(case)
    definition = _definition(case)
    form_files = [a for a in await cases.attachments_of_case(case["id"]) if a["field_id"]]
    sections = case_sections(definition, case["answers"], form_files)
    facts = [
        (_("Reference number"), case["reference"]),
        (_("Received"), format_datetime(case["received_at"])),
        (_("Status"), case["status_name"] or ""),
    ]
    if data["applicant"]:
        applicant = data["applicant"]
        facts.append(
            (_("Applicant"), f"{applicant['given_name']} {applicant['surname']}, {applicant['personal_number']}")
        )
    if data["organisation"]:
        facts.append((_("On behalf of"), f"{data['organisation']['name']}, {data['organisation']['number']}"))
    if case["closed_at"]:
        facts.append((_("Decision"), f"{outcome_label(case['outcome'])}: {case['decision']}"))
    return case_pdf(
        municipality=settings.municipality_name,
        service_title=case["service_title"],
        reference=case["reference"],
        facts=facts,
        sections=[(s.step.title, [(row.field.label, "\n".join(row.lines)) for row in s.rows]) for s in sections],
        attachments=[a["filename"] for a in data["attachments"]],
        signatures=[
            f"{s['name']} ({s['personal_number']}), {format_datetime(s['signed_at'])}"
            for s in await signing.signatures_of_case(case["id"])
        ],
        timeline=[
            f"{format_datetime(e['at'])} {event_label(e['kind'], e['details'])}"
            for e in await case_handling.timeline(case["id"])
        ],
        messages=[
            f"{format_datetime(m['created_at'])} {_sender(m)}: {m['body']}"
            for m in await conversations.thread(case["id"])
        ],
        printed_at=clock.now(),
    )


def _sender(message: dict) -> str:
    return _("Case officer") if message["from_officer"] else _("Applicant")


# What an officer starts a message from: the e-service's own text (message_template, edited with the e-service), or
# these defaults. A status's text is offered when the officer changes to it; the delay notice follows
# förvaltningslagen 11 §: say that the decision will be late, why, and when it can be expected.
def default_template(purpose: str) -> str:
    return {
        "status:under-handlaggning": _(
            "Hello! We have started handling your case %(reference)s. We will get back to you if we need more "
            "information."
        ),
        "status:vantar-pa-komplettering": _("Hello! We need more information in your case %(reference)s."),
        "status:inkommen": _("Hello! Your case %(reference)s has been received and is waiting to be handled."),
        "delay": _(
            "Hello! Handling your case %(reference)s will take longer than we expected, because [the reason]. "
            "We expect to decide the case by [date]. You can ask us to decide the case if it has not been decided "
            "within six months (förvaltningslagen 12 §)."
        ),
    }.get(purpose, "")


async def status_template(case: dict, status_id: int | None) -> str:
    """The message an officer starts from when moving the case to this status ('' for an unknown status)."""
    status = next((s for s in await cases.statuses_of(case["e_service"]) if s["id"] == status_id), None)
    return await template_text(case, f"status:{status['alias']}") if status else ""


async def template_text(case: dict, purpose: str) -> str:
    """The text an officer starts from for `purpose`, with the case's reference filled in."""
    text = await case_handling.template(case["e_service"], purpose) or default_template(purpose)
    return text.replace("%(reference)s", case["reference"])


# The e-service's own message templates, edited by an administrator of a unit that handles it. In the editor the
# case's reference is written as a placeholder people can read; it is stored as gettext's %(reference)s.
REFERENCE_PLACEHOLDER = "{ärendenummer}"


@dataclass(frozen=True)
class TemplateField:
    purpose: str  # 'status:<alias>' or 'delay'
    name: str  # the form field's name and id
    label: str
    default: str  # what applies when the e-service has no text of its own, placeholder shown
    text: str  # the e-service's own text, placeholder shown ('' for none)


def _shown(text: str) -> str:
    return text.replace("%(reference)s", REFERENCE_PLACEHOLDER)


async def template_services(officer: Officer) -> list[dict]:
    """The e-services whose templates the officer may edit: those of their units, for an administrator."""
    return await case_handling.unit_services(officer) if officer.role == "admin" else []


async def template_editor(officer: Officer, slug: str) -> tuple[dict, list[TemplateField]]:
    """The e-service (one of the officer's units') and a field per status and for the delay notice. Only
    administrators edit templates (Refused); another unit's e-service is NotFound."""
    if officer.role != "admin":
        raise Refused()
    services = await case_handling.unit_services(officer, slug)
    if not services:
        raise NotFound()
    service = services[0]
    own, shared = await case_handling.templates_of(service["id"])
    purposes = [(f"status:{s['alias']}", s["name"]) for s in await cases.statuses_of(service["id"])]
    purposes.append(("delay", _("Delay notice (förvaltningslagen 11 §)")))
    fields = [
        TemplateField(
            purpose=purpose,
            name=f"mall-{number}",
            label=label,
            default=_shown(shared.get(purpose) or default_template(purpose)),
            text=_shown(own.get(purpose, "")),
        )
        for number, (purpose, label) in enumerate(purposes, start=1)
    ]
    return service, fields


async def save_templates(officer: Officer, service: dict, fields: list[TemplateField], form) -> dict[str, str]:
    """Store what was posted for each field: an empty text, or the default itself, removes the e-service's own.
    Returns errors by field name (nothing is saved then)."""
    errors: dict[str, str] = {}
    bodies: dict[str, str | None] = {}
    for field in fields:
        text = str(form.get(field.name) or "").replace("\r\n", "\n").strip()
        if len(text) > MAX_TEXT:
            errors[field.name] = _("%(label)s: the text may be at most %(max)s characters.") % {
                "label": field.label,
                "max": format_number(MAX_TEXT),
            }
        bodies[field.purpose] = (
            None if text in ("", field.default) else text.replace(REFERENCE_PLACEHOLDER, "%(reference)s")
        )
    if errors:
        return errors
    await case_handling.replace_templates(service["id"], bodies)
    await audit.record(
        "e_service.templates_changed", actor_id=officer.account_id, target=f"e_service:{service['slug']}"
    )
    return {}


# Changes. Each takes the version of the page the officer acted from.


async def take(officer: Officer, case: dict, version: int) -> None:
    await _change(case_handling.assign(case["id"], officer.account_id, officer.account_id, version, clock.now()))


async def assign(officer: Officer, case: dict, assignee_id: int | None, version: int) -> None:
    """Give the case to a colleague who may handle it, or to nobody (None)."""
    if assignee_id is not None and assignee_id not in {c["account_id"] for c in await _colleagues(officer, case)}:
        raise DomainError(_("Choose a case officer of the unit."))
    await _change(case_handling.assign(case["id"], assignee_id, officer.account_id, version, clock.now()))


async def change_status(officer: Officer, case: dict, status_id: int | None, message: str, version: int) -> None:
    _open(case)
    status = next((s for s in await cases.statuses_of(case["e_service"]) if s["id"] == status_id), None)
    if status is None or status["kind"] == "closed":
        raise DomainError(_("Choose a status."))
    await _change(
        case_handling.change_status(
            case["id"], status, officer.account_id, version, clock.now(), message=message.strip()[:MAX_TEXT]
        )
    )


async def send_delay_notice(officer: Officer, case: dict, text: str, version: int) -> dict[str, str]:
    _open(case)
    if not text.strip():
        return {"delay-text": _("Write the delay notice")}
    await _change(
        case_handling.send_delay_notice(case["id"], officer.account_id, version, text.strip()[:MAX_TEXT], clock.now())
    )
    return {}


async def request_supplement(
    officer: Officer, case: dict, message: str, due: date | None, fields: list[str], version: int
) -> dict[str, str]:
    """Ask the resident for more; returns what is wrong by input id (nothing is stored then)."""
    return await supplement_request(case, officer.account_id, message, due, fields, version)


async def supplement_request(
    case: dict,
    actor_id: int | None,
    message: str,
    due: date | None,
    fields: list[str],
    version: int,
    *,
    via: dict | None = None,
) -> dict[str, str]:
    """The rules of a supplement request, for an officer (`actor_id`) and for the API (`via`); returns what is
    wrong by the officer's input id (nothing is stored then); Changed when the case changed since `version`."""
    _open(case)
    errors = {}
    if not message.strip():
        errors["supplement-message"] = _("Write what the resident should add")
    if due is None:
        errors["supplement-due"] = _("Give a date as YYYY-MM-DD")
    elif due < today():
        errors["supplement-due"] = _("The date has passed: give a later one")
    known = {f.id for step in _definition(case).steps for f in step.fields}
    if not errors:
        requested = await conversations.request_supplement(
            case["id"],
            actor_id,
            message=message.strip()[:MAX_TEXT],
            fields=[field_id for field_id in fields if field_id in known],
            due_date=due,
            now=clock.now(),
            version=version,
            via=via,
        )
        if requested is None:
            raise Changed(await case_handling.last_changed_by(case["id"]))
    return errors


async def decide(officer: Officer, case: dict, outcome: str, text: str, version: int) -> dict[str, str]:
    return await decision(case, officer.account_id, outcome, text, version)


async def decision(
    case: dict, actor_id: int | None, outcome: str, text: str, version: int, *, via: dict | None = None
) -> dict[str, str]:
    """The rules of a decision (it closes the case), for an officer and for the API (`via`); returns what is wrong by
    the officer's input id; Changed when the case changed since `version`."""
    _open(case)
    errors = {}
    if outcome not in OUTCOMES:
        errors["decision-outcome"] = _("Choose the outcome")
    if not text.strip():
        errors["decision-text"] = _("Write the decision")
    if not errors and not await cases.decide(
        case["id"], actor_id, text.strip()[:MAX_TEXT], clock.now(), outcome=outcome, version=version, via=via
    ):
        raise Changed(await case_handling.last_changed_by(case["id"]))
    return errors


MENTION = re.compile(r"@(\w+)(?:\s+(\w+))?")


async def add_note(officer: Officer, case: dict, body: str) -> dict[str, str]:
    """An internal note; colleagues named with @Förnamn or @Förnamn Efternamn are told there is a note for them."""
    return await note(case, officer.account_id, body, await _colleagues(officer, case))


async def note(
    case: dict, author_id: int | None, body: str, colleagues: list[dict], *, via_client: str | None = None
) -> dict[str, str]:
    """The rules of an internal note, for an officer and for the API (`via_client`, no author); returns what is
    wrong by the officer's input id."""
    body = body.strip()
    if not body:
        return {"note-body": _("Write the note")}
    mentioned = []
    for given, following in MENTION.findall(body):
        given, following = given.casefold(), following.casefold()
        named = [c for c in colleagues if c["given_name"].casefold() == given]
        if len(named) > 1:  # two colleagues with that first name: the surname after it says which
            named = [c for c in named if c["surname"].casefold() == following]
        mentioned += [colleague["account_id"] for colleague in named]
    mentioned = sorted(set(mentioned) - {author_id})
    await case_handling.add_note(case["id"], author_id, body[:MAX_TEXT], mentioned, clock.now(), via_client=via_client)
    await notify_mentioned(mentioned, case["reference"], clock.now())
    return {}


async def send_message(officer: Officer, case: dict, text: str, uploads: list[Upload]) -> dict[str, str]:
    """The officer writes to the resident (with files); returns what is wrong by input id."""
    if not case["allows_messages"]:
        raise NotFound()
    return await messages.send(case, officer.account_id, text.strip(), uploads, from_officer=True, max_length=MAX_TEXT)


async def new_messages(case: dict, after: int) -> list[dict]:
    """The messages after the page's cursor, to add to the officer's thread; the resident's are now read."""
    new = await conversations.thread(case["id"], after=after)
    if any(not message["from_officer"] and message["read_by_officer_at"] is None for message in new):
        await conversations.mark_read(case["id"], by_officer=True, now=clock.now())
    return new


async def has_news(case: dict, after: int) -> bool:
    return await conversations.latest_message_id(case["id"]) > after


async def latest_message_id(case: dict) -> int:
    return await conversations.latest_message_id(case["id"])


async def attachment(case: dict, public_id: str) -> dict | None:
    return await cases.attachment_of_case(case["id"], public_id)


async def bookmark(officer: Officer, case: dict, on: bool) -> None:
    await case_handling.set_bookmark(case["id"], officer.account_id, on, clock.now())


def _open(case: dict) -> None:
    if case["status"] == "closed":
        raise Refused(_("The case is closed."))


async def _change(change) -> None:
    try:
        await change
    except Stale as stale:
        raise Changed(stale.by) from None
