"""Cases: submission (a draft becomes an incoming document in one transaction), reference numbers, co-signing,
timelines and the notification outbox."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from asyncpg.exceptions import UniqueViolationError

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
from db.engine import write_transaction
from db.notices import queue_notification

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
    digest: str,
    protected: bool,
    now: datetime,
    receipt_key: str = "",
    notify_email: str = "",
) -> CaseRecord:
    """Turn the draft into a case, once: attachments, signatures and co-applicants move over, the draft is deleted.
    A second submission of the same draft (double click, second tab, retry) returns the case the first one made."""
    try:
        async with write_transaction():
            existing = await case_from_draft(draft.public_id)
            if existing is not None:
                return existing
            reference = await next_reference(now.year)
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
            for table in (Attachment, Signature, CoApplicant):
                await table.update({table.case: case.id, table.draft: None}).where(table.draft == draft.id)
            await Draft.delete().where(Draft.id == draft.id)
            signed = (
                await Signature.select(Signature.signed_at, Signature.role, Signature.signer)
                .where(Signature.case == case.id)
                .order_by(Signature.signed_at)
            )
            events = [
                CaseEvent(
                    case=case.id, at=s["signed_at"], kind="signed", actor=s["signer"], details={"role": s["role"]}
                )
                for s in signed
            ]
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


async def add_event(case_id: int, kind: str, now: datetime, actor_id: int | None = None, **details) -> None:
    await CaseEvent.insert(CaseEvent(case=case_id, at=now, kind=kind, actor=actor_id, details=details))


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


async def return_to_applicant(draft_id: int, reason: str) -> None:
    """Co-signing ended without all signatures: the draft is editable again and every signature is void."""
    async with write_transaction():
        await Signature.delete().where(Signature.draft == draft_id)
        await CoApplicant.update({CoApplicant.status: "pending", CoApplicant.decided_at: None}).where(
            CoApplicant.draft == draft_id
        )
        await Draft.update(
            {Draft.status: "draft", Draft.digest: "", Draft.signing_deadline: None, Draft.returned_reason: reason}
        ).where(Draft.id == draft_id)


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


async def drafts_awaiting(personal_number: str) -> list[dict]:
    """Drafts waiting for this person's signature as co-applicant."""
    return await CoApplicant.select(
        CoApplicant.draft.public_id.as_alias("public_id"),
        CoApplicant.draft.signing_deadline.as_alias("deadline"),
        CoApplicant.draft.e_service.title.as_alias("service_title"),
    ).where(
        (CoApplicant.personal_number == personal_number)
        & (CoApplicant.status == "pending")
        & (CoApplicant.draft.status == "awaiting_signatures")
    )


def signing_deadline(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


async def attachments_of_case(case_id: int) -> list[dict]:
    return (
        await Attachment.select(
            Attachment.id,
            Attachment.public_id,
            Attachment.field_id,
            Attachment.filename,
            Attachment.content_type,
            Attachment.size,
            Attachment.sha256,
        )
        .where(Attachment.case == case_id)
        .order_by(Attachment.id)
    )


async def signatures_of_case(case_id: int) -> list[dict]:
    """Signatures with the signer's name as BankID gave it."""
    rows = (
        await Signature.select().where(Signature.case == case_id).order_by(Signature.signed_at).output(load_json=True)
    )
    for row in rows:
        row["name"] = row["completion"].get("name", "")
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


async def notify_applicant_of_decline(owner_id: int | None, service_title: str, now: datetime) -> None:
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
_CASE_FROM = "case_record c JOIN e_service e ON e.id = c.e_service LEFT JOIN organisation o ON o.id = c.organisation"
GROUP_STATUSES = {"pagaende": ("received", "in_progress", "awaiting_supplement"), "avslutade": ("closed",)}


def _visible_args(user_id: int, personal_number: str) -> tuple:
    return (user_id, personal_number, user_id)


async def case_for(reference: str, user_id: int, personal_number: str) -> dict | None:
    """The case with this reference if the user may see it; None for a stranger (the same answer as no case)."""
    rows = await CaseRecord.raw(
        f"SELECT {_CASE_COLUMNS}, c.answers FROM {_CASE_FROM} WHERE c.reference = {{}} AND {_VISIBLE_TO}",  # noqa: S608
        reference,
        *_visible_args(user_id, personal_number),
    )
    return rows[0] if rows else None


async def cases_in_group(
    user_id: int, personal_number: str, group: str, *, offset: int, limit: int
) -> tuple[list[dict], int]:
    """A page of the user's cases in a group (newest first) and how many there are in all."""
    statuses = GROUP_STATUSES[group]
    status_test = "c.status IN (" + ", ".join("{}" for _ in statuses) + ")"
    where = f"{_VISIBLE_TO} AND {status_test}"
    args = (*_visible_args(user_id, personal_number), *statuses)
    total = await CaseRecord.raw(f"SELECT count(*) AS n FROM case_record c WHERE {where}", *args)  # noqa: S608
    rows = await CaseRecord.raw(
        f"SELECT {_CASE_COLUMNS} FROM {_CASE_FROM} WHERE {where} "  # noqa: S608
        "ORDER BY c.received_at DESC, c.id DESC LIMIT {} OFFSET {}",
        *args,
        limit,
        offset,
    )
    return rows, total[0]["n"]


async def open_supplement_counts(case_ids: list[int]) -> dict[int, dict]:
    """Per case: how many supplement requests wait for an answer, and the earliest due date among them."""
    if not case_ids:
        return {}
    placeholders = ", ".join("{}" for _ in case_ids)
    rows = await CaseRecord.raw(
        'SELECT "case" AS case_id, count(*) AS open, min(due_date) AS due FROM supplement_request '  # noqa: S608
        f'WHERE answered_at IS NULL AND "case" IN ({placeholders}) GROUP BY "case"',
        *case_ids,
    )
    return {row["case_id"]: row for row in rows}


async def events_of(case_id: int) -> list[dict]:
    return (
        await CaseEvent.select(CaseEvent.at, CaseEvent.kind, CaseEvent.details)
        .where(CaseEvent.case == case_id)
        .order_by(CaseEvent.at)
        .order_by(CaseEvent.id)
        .output(load_json=True)
    )


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
