"""Cases: submission (a draft becomes an incoming document in one transaction), reference numbers, co-signing,
timelines and the notification outbox."""

from __future__ import annotations

import logging
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
    Notification,
    ReferenceCounter,
    Signature,
)
from db.drafts import DraftRecord
from db.engine import write_transaction

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


async def queue_notification(
    *, user_id: int | None, email: str, kind: str, subject: str, body: str, now: datetime
) -> None:
    await Notification.insert(
        Notification(
            user=user_id, email=email, kind=kind, subject=subject, body=body, created_at=now, next_attempt_at=now
        )
    )


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


async def cases_of(user_id: int, *, closed: bool, limit: int = 20) -> list[dict]:
    status_test = (CaseRecord.status == "closed") if closed else (CaseRecord.status != "closed")
    return (
        await CaseRecord.select(
            CaseRecord.reference,
            CaseRecord.status,
            CaseRecord.received_at,
            CaseRecord.closed_at,
            CaseRecord.source_draft,
            CaseRecord.e_service.title.as_alias("service_title"),
        )
        .where((CaseRecord.applicant == user_id) & status_test)
        .order_by(CaseRecord.received_at, ascending=False)
        .limit(limit)
    )
