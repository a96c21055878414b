"""Cases: submission (a draft becomes an incoming document in one transaction), reference numbers, co-signing,
timelines and the notification outbox."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from asyncpg.exceptions import UniqueViolationError

from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _
from db.accounts import account_by_id, emails_of
from db.applications import (
    Attachment,
    CaseEvent,
    CaseRecord,
    CoApplicant,
    Draft,
    ReferenceCounter,
    Signature,
)
from db.drafts import DraftRecord
from db.engine import fetch, json_column, write_transaction
from db.notices import notify_applicant, queue_notification

log = logging.getLogger(__name__)


async def next_reference(year: int) -> str:
    """The next reference number of the year, like 2026-000123. Call inside the submission's transaction: the
    counter row stays locked until it commits, so two submissions never get the same number."""
    for _attempt in range(2):
        row = (
            await ReferenceCounter.update({ReferenceCounter.last: ReferenceCounter.last + 1})
            .where(ReferenceCounter.year == year)
            .returning(ReferenceCounter.last)
        )
        if row:
            return f"{year}-{row[0]['last']:06d}"
        await ReferenceCounter.insert(ReferenceCounter(year=year, last=0)).on_conflict(action="DO NOTHING")
    raise RuntimeError("reference counter could not be created")


async def case_from_draft(public_id) -> CaseRecord | None:
    return await CaseRecord.objects().where(CaseRecord.source_draft == public_id).output(load_json=True).first()


async def submit(
    draft: DraftRecord,
    *,
    answers: dict[str, Any],
    file_fields: set[str],
    digest: str,
    protected: bool,
    now: datetime,
    receipt_key: str = "",
    notify_email: str = "",
) -> CaseRecord:
    """Turn the draft into a case, once: the attachments of `file_fields` (those shown), signatures and
    co-applicants move over, the draft is deleted with anything else. A second submission of the same draft (double
    click, second tab, retry) returns the case the first one made."""
    try:
        async with write_transaction():
            existing = await case_from_draft(draft.public_id)
            if existing is not None:
                return existing
            reference = await next_reference(now.astimezone(LOCAL_TIMEZONE).year)  # the year in Sweden
            case = CaseRecord(
                reference=reference,
                source_draft=draft.public_id,
                e_service=draft.e_service,
                form_version=draft.form_version,
                applicant=draft.owner,
                answers=answers,
                digest=digest,
                status="received",
                protected=protected,
                received_at=now,
                receipt_key=receipt_key,
                organisation=draft.organisation,
            )
            await case.save()
            if file_fields:
                await Attachment.delete().where(
                    (Attachment.draft == draft.id) & Attachment.field_id.not_in(list(file_fields))
                )
            else:
                await Attachment.delete().where(Attachment.draft == draft.id)
            for table in (Attachment, Signature, CoApplicant):
                await table.update({table.case: case.id, table.draft: None}).where(table.draft == draft.id)
            await Draft.delete().where(Draft.id == draft.id)
            signed = (
                await Signature.select(Signature.signed_at, Signature.role, Signature.signer)
                .where(Signature.case == case.id)
                .order_by(Signature.signed_at)
            )
            events = []
            for s in signed:
                events.append(
                    CaseEvent(
                        case=case.id, at=s["signed_at"], kind="signed", actor=s["signer"], details={"role": s["role"]}
                    )
                )
                if s["role"] == "applicant" and any(other["role"] == "coapplicant" for other in signed):
                    events.append(CaseEvent(case=case.id, at=s["signed_at"], kind="cosign_requested", details={}))
            await CaseEvent.insert(*events, CaseEvent(case=case.id, at=now, kind="received", actor=draft.owner))
            if notify_email:
                await queue_notification(
                    user_id=draft.owner,
                    email=notify_email,
                    kind="case_received",
                    subject=_("Your case %(reference)s has been received") % {"reference": reference},
                    body=_(
                        "We have received your application. Its reference number is %(reference)s.\n\n"
                        "Log in on My pages to follow it."
                    )
                    % {"reference": reference},
                    now=now,
                )
            return case
    except UniqueViolationError:
        # PostgreSQL: another request submitted the same draft at the same moment and won the unique source_draft.
        existing = await case_from_draft(draft.public_id)
        if existing is None:
            raise
        return existing


async def decide(case_id: int, officer_id: int | None, decision: str, now: datetime) -> bool:
    """The officer's side: the decision closes the case (its open supplement requests become moot) and the applicant
    is told that something happened, not what. False when the case was already closed."""
    async with write_transaction():
        closed = (
            await CaseRecord.update(
                {CaseRecord.status: "closed", CaseRecord.closed_at: now, CaseRecord.decision: decision}
            )
            .where((CaseRecord.id == case_id) & (CaseRecord.status != "closed"))
            .returning(CaseRecord.id)
        )
        if not closed:
            return False
        await CaseEvent.insert(
            CaseEvent(case=case_id, at=now, kind="decision", actor=officer_id, details={}),
            CaseEvent(case=case_id, at=now, kind="closed", actor=officer_id, details={}),
        )
        await notify_applicant(case_id, "status_changed", now)
    return True


# Co-signing: after the applicant signs, the draft waits (still private) for every co-applicant's signature.


async def start_cosigning(draft: DraftRecord, digest: str, coapplicants: list[str], deadline: datetime) -> None:
    async with write_transaction():
        await CoApplicant.delete().where(CoApplicant.draft == draft.id)
        await CoApplicant.insert(*(CoApplicant(draft=draft.id, personal_number=number) for number in coapplicants))
        await Draft.update(
            {
                Draft.status: "awaiting_signatures",
                Draft.digest: digest,
                Draft.signing_deadline: deadline,
                Draft.returned_reason: "",
            }
        ).where(Draft.id == draft.id)


def signing_time_is_up(draft, now: datetime) -> bool:
    return draft.status == "awaiting_signatures" and bool(draft.signing_deadline) and now > draft.signing_deadline


async def end_cosigning(draft_id: int, owner_id: int | None, now: datetime, reason: str | None = None) -> bool:
    """A co-applicant declined (`reason`) or the time to sign ran out: the application is its applicant's draft
    again, with the reason, every signature void, and the applicant gets a notice. Once: False when it had already
    ended (the job and a page view, say, at the same moment)."""
    async with write_transaction():
        returned = (
            await Draft.update(
                {
                    Draft.status: "draft",
                    Draft.digest: "",
                    Draft.signing_deadline: None,
                    Draft.returned_reason: reason or _("The time for your co-applicants to sign ran out."),
                }
            )
            .where((Draft.id == draft_id) & (Draft.status == "awaiting_signatures"))
            .returning(Draft.id)
        )
        if not returned:
            return False
        await Signature.delete().where(Signature.draft == draft_id)
        await CoApplicant.update({CoApplicant.status: "pending", CoApplicant.decided_at: None}).where(
            CoApplicant.draft == draft_id
        )
    await notify_applicant_cosigning_ended(owner_id, now)
    return True


async def record_signature(
    *,
    draft_id: int,
    signer_id: int,
    personal_number: str,
    role: str,
    digest: str,
    order_ref: str,
    completion: dict,
    now: datetime,
) -> None:
    await Signature.insert(
        Signature(
            draft=draft_id,
            signer=signer_id,
            personal_number=personal_number,
            role=role,
            digest=digest,
            order_ref=order_ref,
            signed_at=now,
            completion=completion,
        )
    )
    if role == "coapplicant":
        await CoApplicant.update({CoApplicant.status: "signed", CoApplicant.decided_at: now}).where(
            (CoApplicant.draft == draft_id) & (CoApplicant.personal_number == personal_number)
        )


def signing_deadline(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


async def attachments_of_case(case_id: int) -> list[dict]:
    """Every file of the case (sent with the form, a message or a supplement), without content, oldest first."""
    return await fetch(
        "SELECT id, public_id, field_id, message_id, supplement_id, filename, content_type, size, sha256 "
        'FROM attachment WHERE "case" = {} ORDER BY id',
        case_id,
    )


async def signatures_of_case(case_id: int) -> list[dict]:
    """Signatures with the signer's name as BankID gave it."""
    rows = await fetch(
        'SELECT role, personal_number, signed_at, completion FROM signature WHERE "case" = {} ORDER BY signed_at',
        case_id,
    )
    for row in rows:
        completion = json_column(row.pop("completion"), {})
        row["name"] = (completion.get("user") or {}).get("name") or completion.get("name", "")
    return rows


async def notify_coapplicants(personal_numbers: list[str], service_title: str, now: datetime) -> None:
    """Ask co-applicants with a known e-mail address to sign (no details: they log in to read it)."""
    for user_id, email in await emails_of(personal_numbers):
        await queue_notification(
            user_id=user_id,
            email=email,
            kind="cosign_requested",
            subject=_("An application is waiting for your signature"),
            body=_("You have been named as co-applicant on an application. Log in on My pages to read and sign it."),
            now=now,
        )


async def past_signing_deadline(now: datetime) -> list[dict]:
    """Drafts still waiting for co-applicants when their time to sign has run out."""
    return await fetch(
        "SELECT id, owner FROM draft WHERE status = 'awaiting_signatures' AND signing_deadline < {}", now
    )


async def notify_applicant_cosigning_ended(owner_id: int | None, now: datetime) -> None:
    """A co-applicant declined, or the time to sign ran out: the application is the applicant's draft again."""
    owner = await account_by_id(owner_id) if owner_id else None
    if owner and owner.email:
        await queue_notification(
            user_id=owner.id,
            email=owner.email,
            kind="cosign_declined",
            subject=_("Your application needs your attention"),
            body=_("A co-applicant did not sign your application. Log in on My pages to see what to do."),
            now=now,
        )


# A resident sees a case as its applicant, as a co-applicant, or as a representative of the organisation it was made
# for. One condition, used by every query below, so the lists and the case page can never disagree.
_VISIBLE_TO = (
    '(c.applicant = {} OR c.id IN (SELECT "case" FROM co_applicant WHERE personal_number = {}) '
    'OR c.organisation IN (SELECT organisation FROM representation WHERE "user" = {}))'
)
_CASE_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.closed_at, c.source_draft, c.applicant, c.organisation, "
    "c.decision, c.form_version, c.e_service, c.protected, e.title AS service_title, e.slug AS service_slug, "
    "e.retention_days_closed, e.allows_messages, e.allows_supplement, o.name AS organisation_name"
)
_CASE_JOINS = "JOIN e_service e ON e.id = c.e_service LEFT JOIN organisation o ON o.id = c.organisation"
_CASE_FROM = f"case_record c {_CASE_JOINS}"
GROUP_STATUSES = {"pagaende": ("received", "in_progress", "awaiting_supplement"), "avslutade": ("closed",)}


def _visible_args(user_id: int, personal_number: str) -> tuple:
    return (user_id, personal_number, user_id)


async def case_for(reference: str, user_id: int, personal_number: str) -> dict | None:
    """The case with this reference if the user may see it, with its answers, its form's definition (text),
    whether it has signatures and supplement requests at all (most have none: no need to ask for them) and how the
    user sees it (`viewer_role`: applicant, representative or coapplicant); None for a stranger (the same answer as
    no case)."""
    rows = await fetch(
        f"SELECT {_CASE_COLUMNS}, c.answers, f.definition AS form_definition, "  # noqa: S608
        'EXISTS (SELECT 1 FROM signature s WHERE s."case" = c.id) AS has_signatures, '
        'EXISTS (SELECT 1 FROM supplement_request r WHERE r."case" = c.id) AS has_supplements, '
        "CASE WHEN c.applicant = {} THEN 'applicant' "
        "WHEN c.organisation IN (SELECT organisation FROM representation WHERE \"user\" = {}) THEN 'representative' "
        "ELSE 'coapplicant' END AS viewer_role "
        f"FROM {_CASE_FROM} JOIN form_version f ON f.id = c.form_version "
        f"WHERE c.reference = {{}} AND {_VISIBLE_TO}",
        user_id,
        user_id,
        reference,
        *_visible_args(user_id, personal_number),
    )
    return rows[0] if rows else None


# What the lists mark on each case: unread messages from the officer, and open supplement requests (how many, the
# earliest due date and that request's message). Correlated subqueries, evaluated for the page's rows only.
_CASE_MARKERS = (
    "(SELECT count(*) FROM message m WHERE m.\"case\" = c.id AND m.from_officer = 'yes' "
    "AND m.read_by_resident_at IS NULL) AS unread, "
    '(SELECT count(*) FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL) AS supplements_open, '
    '(SELECT min(s.due_date) FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL) '
    "AS supplement_due, "
    '(SELECT s.message FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL '
    "ORDER BY s.due_date, s.id LIMIT 1) AS supplement_message"
)
# The same rule as _VISIBLE_TO, as the user's cases with what lists sort and filter on: own cases from a covering
# index (applicant, status, received_at, id), then the few they see as co-applicant or representative that are not
# already among them (UNION ALL: deduplicating hundreds of own cases cost more than the rest of the query). CROSS JOIN
# makes SQLite keep that order (it would rather scan every case than trust an index on a mostly empty organisation
# column); PostgreSQL reads it as a join. A list query starts with it and reads `visible` as often as it needs: it is
# computed once.
_WITH_VISIBLE = (
    "WITH visible AS MATERIALIZED (SELECT id, status, received_at FROM case_record WHERE applicant = {} "
    "UNION ALL SELECT DISTINCT v.id, v.status, v.received_at FROM co_applicant a CROSS JOIN case_record v "
    'WHERE a.personal_number = {} AND v.id = a."case" AND v.applicant IS DISTINCT FROM {} '
    "UNION ALL SELECT DISTINCT v.id, v.status, v.received_at FROM representation r CROSS JOIN case_record v "
    'WHERE r."user" = {} AND v.organisation = r.organisation AND v.applicant IS DISTINCT FROM {} '
    'AND NOT EXISTS (SELECT 1 FROM co_applicant a WHERE a."case" = v.id AND a.personal_number = {})) '
)


def _with_visible_args(user_id: int, personal_number: str) -> tuple:
    return (user_id, personal_number, user_id, user_id, user_id, personal_number)


_NEWEST_FIRST = "c.received_at DESC, c.id DESC"


# What a case list shows of each case (fewer columns: each one costs on every row of every list).
_LIST_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.closed_at, e.title AS service_title, e.retention_days_closed, "
    "o.name AS organisation_name"
)


def _page_of(where: str) -> str:
    """Rows with markers for a page of the `visible` cases that `where` selects, each with how many `where` selects
    in all (`total`): ids are sorted and cut first, and only the page's rows are joined and counted (sorting whole
    joined rows, markers and all, costs several times more; a window function costs more than the count)."""
    return (
        f"SELECT {_LIST_COLUMNS}, {_CASE_MARKERS}, (SELECT count(*) FROM visible c WHERE {where}) AS total "  # noqa: S608
        f"FROM (SELECT c.id FROM visible c WHERE {where} ORDER BY {_NEWEST_FIRST} LIMIT {{}} OFFSET {{}}) page "
        f"JOIN case_record c ON c.id = page.id {_CASE_JOINS}"
    )


async def cases_in_group(
    user_id: int, personal_number: str, group: str, *, offset: int, limit: int
) -> tuple[list[dict], int]:
    """A page of the user's cases in a group (newest first) with their markers, and how many there are in all."""
    statuses = GROUP_STATUSES[group]
    where = f"c.status IN ({', '.join('{}' for _ in statuses)})"
    visible = _with_visible_args(user_id, personal_number)
    rows = await fetch(
        f"{_WITH_VISIBLE}{_page_of(where)} ORDER BY {_NEWEST_FIRST}", *visible, *statuses, *statuses, limit, offset
    )
    if rows:
        return rows, rows[0]["total"]
    if not offset:
        return [], 0
    count = f"{_WITH_VISIBLE}SELECT count(*) AS n FROM visible c WHERE {where}"  # noqa: S608
    return [], (await fetch(count, *visible, *statuses))[0]["n"]


async def newest_cases_per_group(user_id: int, personal_number: str, per_group: int) -> dict[str, tuple[list, int]]:
    """For Mina sidor's overview: each group's newest cases with their markers, and its total (one query)."""
    closed = GROUP_STATUSES["avslutade"]
    is_closed = f"c.status IN ({', '.join('{}' for _ in closed)})"
    rows = await fetch(
        f"{_WITH_VISIBLE}SELECT * FROM ({_page_of(is_closed)}) closed_cases "  # noqa: S608
        f"UNION ALL SELECT * FROM ({_page_of(f'NOT {is_closed}')}) open_cases",
        *_with_visible_args(user_id, personal_number),
        *(*closed, *closed, per_group, 0) * 2,
    )
    groups: dict[str, tuple[list, int]] = {name: ([], 0) for name in GROUP_STATUSES}
    for row in sorted(rows, key=lambda row: (row["received_at"], row["id"]), reverse=True):
        groups["avslutade" if row["status"] in closed else "pagaende"][0].append(row)
    return {name: (rows, rows[0]["total"] if rows else 0) for name, (rows, _none) in groups.items()}


async def events_of(case_id: int) -> list[dict]:
    rows = await fetch('SELECT at, kind, details FROM case_event WHERE "case" = {} ORDER BY at, id', case_id)
    for row in rows:
        row["details"] = json_column(row["details"], {})
    return rows


async def attachment_of_case(case_id: int, public_id: str) -> dict | None:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    return (
        await Attachment.select(Attachment.filename, Attachment.content_type, Attachment.content)
        .where((Attachment.case == case_id) & (Attachment.public_id == parsed))
        .first()
    )


async def add_case_attachment(
    case_id: int, file, data: bytes, *, message_id: int | None, supplement_id: int | None, now: datetime
) -> None:
    await Attachment.insert(
        Attachment(
            public_id=uuid.uuid4(),
            case=case_id,
            message_id=message_id,
            supplement_id=supplement_id,
            field_id="",
            filename=file.filename,
            content_type=file.content_type,
            size=file.size,
            sha256=file.sha256,
            content=data,
            created_at=now,
        )
    )
