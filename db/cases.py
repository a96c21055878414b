"""Cases: submission (a draft becomes an incoming document, with a time of receipt and a reference number, in one
transaction), the timeline, the decision, and the files of a case. Tables and queries."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.i18n import LOCAL_TIMEZONE
from db import signing
from db.accounts import UserAccount
from db.applications import Attachment, Draft, DraftRecord, FormVersion, parse_public_id
from db.catalogue import EService
from db.engine import fetch, is_unique_violation, json_column, write_transaction
from db.notices import notify_applicant, notify_case_received, notify_unit_new_case
from db.webhooks import record_event


class CaseRecord(Table, tablename="case_record"):
    """An incoming document: created by submission, with a time of receipt and a reference number."""

    id = Serial(primary_key=True)
    reference = Varchar(length=20, unique=True)
    source_draft = UUID(unique=True, help_text="The draft it came from: one case per draft, however often submitted.")
    e_service = ForeignKey(references=EService, on_delete=OnDelete.restrict, null=False)
    form_version = ForeignKey(references=FormVersion, on_delete=OnDelete.restrict, null=False)
    applicant = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    answers = JSON(default="{}")
    digest = Varchar(length=64, default="")
    status = Varchar(length=30, default="received")
    protected = Boolean(default=False, help_text="The applicant or a party has protected identity.")
    received_at = Timestamptz()
    assigned_to = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    closed_at = Timestamptz(null=True, default=None)
    decision = Text(default="")
    receipt_key = Varchar(length=64, default="", help_text="Anonymous submissions: hash of the receipt cookie token.")
    organisation = Integer(null=True, default=None, help_text="Applied for on behalf of this organisation (id).")
    # Case handling. Plain integers, not foreign keys: SQLite cannot add a foreign key to an existing table.
    status_id = Integer(null=True, default=None, help_text="The status (id in case_status); its kind is `status`.")
    deadline = Timestamptz(null=True, default=None, help_text="When the case should leave its status.")
    outcome = Varchar(length=30, default="", help_text="The decision's outcome: bifall | avslag | delvis | avskrivet")
    version = Integer(default=0, help_text="Counts the officers' changes: a form from an older version is stale.")
    attention = Boolean(default=False, help_text="The resident wrote or supplemented since an officer last looked.")
    search_text = Text(default="", help_text="Reference, party numbers and names, casefolded, for the inbox search.")
    changed_at = Timestamptz(
        null=True, default=None, help_text="Its latest timeline event's time; a trigger on case_event keeps it."
    )


class CaseEvent(Table, tablename="case_event"):
    """The case's timeline; `details` holds no personal data beyond what the case itself holds."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    at = Timestamptz()
    kind = Varchar(length=40)
    actor = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    details = JSON(default="{}")


STATUS_KINDS = ("received", "in_progress", "awaiting_supplement", "closed")


class Status(Table, tablename="case_status"):
    """A status a case can be in. `e_service` None: the shared default set, used by every e-service without a set
    of its own. The alias is stable (integrations use it); the name is what people read."""

    id = Serial(primary_key=True)
    e_service = Integer(null=True, default=None, help_text="The e-service whose set this is; None: the default set.")
    kind = Varchar(length=30, help_text="received | in_progress | awaiting_supplement | closed")
    alias = Varchar(length=60)
    name = Varchar(length=120)
    handling_days = Integer(default=0, help_text="Days a case may stay in this status; 0: no limit.")
    resident_may_write = Boolean(default=True)
    resident_may_supplement = Boolean(default=True)
    sort_order = Integer(default=0)


class StatusPeriod(Table, tablename="status_period"):
    """A case's time in one status: the statistics of handling times are built from these."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    status = Integer(help_text="The status (id in case_status).")
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)


class ReferenceCounter(Table, tablename="reference_counter"):
    id = Serial(primary_key=True)
    year = Integer(unique=True)
    last = Integer(default=0)


# The shared default statuses, created by the migration that creates the table (aliases are stable).
DEFAULT_STATUSES = (
    # kind, alias, name, handling days, resident may write, resident may supplement
    ("received", "inkommen", "Inkommen", 5, True, True),
    ("in_progress", "under-handlaggning", "Under handläggning", 30, True, True),
    ("awaiting_supplement", "vantar-pa-komplettering", "Väntar på komplettering", 14, True, True),
    ("closed", "beslutad", "Beslutad", 0, True, False),
)


async def statuses_of(e_service_id: int) -> list[dict]:
    """The e-service's statuses in their order: its own set, or the default set."""
    rows = await fetch(
        "SELECT * FROM case_status WHERE e_service = {} OR (e_service IS NULL AND NOT EXISTS "
        "(SELECT 1 FROM case_status own WHERE own.e_service = {})) ORDER BY sort_order, id",
        e_service_id,
        e_service_id,
    )
    for row in rows:
        row["resident_may_write"] = bool(row["resident_may_write"])
        row["resident_may_supplement"] = bool(row["resident_may_supplement"])
    return rows


async def first_status_of_kind(e_service_id: int, kind: str) -> dict | None:
    return next((status for status in await statuses_of(e_service_id) if status["kind"] == kind), None)


def deadline(started_at: datetime, status: dict) -> datetime | None:
    """When a case that entered `status` at `started_at` should have left it; None when the status has no limit."""
    return started_at + timedelta(days=status["handling_days"]) if status["handling_days"] else None


async def enter_status(case_id: int, status: dict, now: datetime) -> None:
    """The case is in `status` from now: its period in the previous status ends, a new one starts, and the case
    carries the status, its kind and its deadline. Call inside the change's transaction."""
    await StatusPeriod.update({StatusPeriod.ended_at: now}).where(
        (StatusPeriod.case == case_id) & StatusPeriod.ended_at.is_null()
    )
    await StatusPeriod.insert(StatusPeriod(case=case_id, status=status["id"], started_at=now))
    await CaseRecord.update(
        {
            CaseRecord.status: status["kind"],
            CaseRecord.status_id: status["id"],
            CaseRecord.deadline: deadline(now, status),
        }
    ).where(CaseRecord.id == case_id)


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
    search_text: str = "",
) -> CaseRecord:
    """Turn the draft into a case, once: the attachments of `file_fields` (those shown), signatures and
    co-applicants move over, the draft is deleted with anything else, and the case enters its e-service's first
    'received' status. A second submission of the same draft (double click, second tab, retry) returns the case the
    first one made. `search_text`: what the staff's search finds it by (the reference is added here)."""
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
                changed_at=now,
                receipt_key=receipt_key,
                organisation=draft.organisation,
                search_text=f"{reference} {search_text}".strip(),
            )
            await case.save()
            await enter_status(case.id, await first_status_of_kind(draft.e_service, "received"), now)
            if file_fields:
                await Attachment.delete().where(
                    (Attachment.draft == draft.id) & Attachment.field_id.not_in(list(file_fields))
                )
            else:
                await Attachment.delete().where(Attachment.draft == draft.id)
            await Attachment.update({Attachment.case: case.id, Attachment.draft: None}).where(
                Attachment.draft == draft.id
            )
            signed = await signing.move_to_case(draft.id, case.id)
            await Draft.delete().where(Draft.id == draft.id)
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
                noun = (await fetch("SELECT noun FROM e_service WHERE id = {}", draft.e_service))[0]["noun"]
                await notify_case_received(draft.owner, notify_email, reference, now, noun)
            await notify_unit_new_case(draft.e_service, reference, now)
            await record_event("case.submitted", case.id, now)
            return case
    except Exception as error:
        if not is_unique_violation(error):
            raise
        # Another request submitted the same draft at the same moment and won the unique source_draft.
        existing = await case_from_draft(draft.public_id)
        if existing is None:
            raise
        return existing


async def decide(
    case_id: int,
    officer_id: int | None,
    decision: str,
    now: datetime,
    *,
    outcome: str = "",
    version: int | None = None,
    via: dict | None = None,
) -> bool:
    """The officer's side (or an API client's, `via`): the decision closes the case (its open supplement requests
    become moot) and the applicant is told that something happened, not what. False when the case was already closed
    (or, with `version`, changed since the officer's page was made)."""
    async with write_transaction():
        changed = CaseRecord.status != "closed"
        if version is not None:
            changed &= CaseRecord.version == version
        closed = (
            await CaseRecord.update(
                {
                    CaseRecord.closed_at: now,
                    CaseRecord.decision: decision,
                    CaseRecord.outcome: outcome,
                    CaseRecord.version: CaseRecord.version + 1,
                }
            )
            .where((CaseRecord.id == case_id) & changed)
            .returning(CaseRecord.e_service)
        )
        if not closed:
            return False
        await enter_status(case_id, await first_status_of_kind(closed[0]["e_service"], "closed"), now)
        await CaseEvent.insert(
            CaseEvent(
                case=case_id, at=now, kind="decision", actor=officer_id, details={"outcome": outcome, **(via or {})}
            ),
            CaseEvent(case=case_id, at=now, kind="closed", actor=officer_id, details=via or {}),
        )
        await notify_applicant(case_id, "status_changed", now)
    return True


async def attachments_of_case(case_id: int) -> list[dict]:
    """Every file of the case (sent with the form, a message or a supplement), without content, oldest first."""
    return await fetch(
        "SELECT id, public_id, field_id, message_id, supplement_id, filename, content_type, size, sha256 "
        'FROM attachment WHERE "case" = {} ORDER BY id',
        case_id,
    )


async def events_of(case_id: int) -> list[dict]:
    rows = await fetch('SELECT at, kind, details FROM case_event WHERE "case" = {} ORDER BY at, id', case_id)
    for row in rows:
        row["details"] = json_column(row["details"], {})
    return rows


async def attachment_of_case(case_id: int, public_id: str) -> dict | None:
    parsed = parse_public_id(public_id)
    if parsed is None:
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
