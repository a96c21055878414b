"""Signatures and co-applicants: who has signed which digest of an application, and the co-applicants asked to sign
it. Tables and queries. While an application is a draft they belong to the draft; submission moves them to its case.
"""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import JSON, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from db.accounts import UserAccount
from db.applications import Draft
from db.engine import fetch, json_column, write_transaction

_CASE = LazyTableReference("CaseRecord", module_path="db.cases")


class CoApplicant(Table, tablename="co_applicant"):
    id = Serial(primary_key=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(references=_CASE, on_delete=OnDelete.cascade, null=True)
    personal_number = Varchar(length=12)
    status = Varchar(length=20, default="pending", help_text="pending | signed | declined")
    decided_at = Timestamptz(null=True, default=None)


class Signature(Table, tablename="signature"):
    """A BankID signature: who signed which digest when, and BankID's completion data (signature and OCSP)."""

    id = Serial(primary_key=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(references=_CASE, on_delete=OnDelete.cascade, null=True)
    signer = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    personal_number = Varchar(length=12)
    role = Varchar(length=20, help_text="applicant | coapplicant")
    digest = Varchar(length=64)
    order_ref = Varchar(length=64)
    signed_at = Timestamptz()
    completion = JSON(default="{}")


async def coapplicants_of(draft_id: int) -> list[dict]:
    return await CoApplicant.select().where(CoApplicant.draft == draft_id).order_by(CoApplicant.id)


async def start_cosigning(draft_id: int, digest: str, coapplicants: list[str], deadline: datetime) -> None:
    """The applicant has signed: the draft waits (still private) for every co-applicant's signature."""
    async with write_transaction():
        await CoApplicant.delete().where(CoApplicant.draft == draft_id)
        await CoApplicant.insert(*(CoApplicant(draft=draft_id, personal_number=number) for number in coapplicants))
        await Draft.update(
            {
                Draft.status: "awaiting_signatures",
                Draft.digest: digest,
                Draft.signing_deadline: deadline,
                Draft.returned_reason: "",
            }
        ).where(Draft.id == draft_id)


async def end_cosigning(draft_id: int, reason: str) -> bool:
    """The application is its applicant's draft again, with the reason, and every signature void. Once: False when
    it had already ended (the job and a page view, say, at the same moment)."""
    async with write_transaction():
        returned = (
            await Draft.update(
                {Draft.status: "draft", Draft.digest: "", Draft.signing_deadline: None, Draft.returned_reason: reason}
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


async def past_signing_deadline(now: datetime) -> list[dict]:
    """Drafts still waiting for co-applicants when their time to sign has run out."""
    return await fetch(
        "SELECT id, owner FROM draft WHERE status = 'awaiting_signatures' AND signing_deadline < {}", now
    )


async def move_to_case(draft_id: int, case_id: int) -> list[dict]:
    """Submission: the draft's signatures and co-applicants become the case's. Returns the signatures (when, role,
    signer), oldest first, for the case's timeline. Call inside the submission's transaction."""
    for table in (Signature, CoApplicant):
        await table.update({table.case: case_id, table.draft: None}).where(table.draft == draft_id)
    return (
        await Signature.select(Signature.signed_at, Signature.role, Signature.signer)
        .where(Signature.case == case_id)
        .order_by(Signature.signed_at)
    )


async def signature_records(case_id: int) -> list[dict]:
    """The case's signatures whole, with BankID's completion data (the signature and OCSP response, the user and
    device) and the order and digest they bind to: for staff and exports."""
    rows = await fetch(
        "SELECT role, personal_number, signed_at, digest, order_ref, completion FROM signature "
        'WHERE "case" = {} ORDER BY signed_at',
        case_id,
    )
    for row in rows:
        row["completion"] = json_column(row["completion"], {})
    return rows


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
