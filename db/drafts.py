"""Queries of the private area: drafts, their attachments, co-applicants and signatures while a draft is open.

Only the owner (or, for anonymous e-services, the browser holding the draft's cookie) can reach a draft; while it
waits for co-signatures its co-applicants may read it. Nothing here is used by staff views.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from core.settings import Settings
from db.applications import Attachment, CoApplicant, Draft, FormVersion, Signature
from db.catalogue import EService
from db.engine import fetch
from forms.definition import FormDefinition, load_definition


async def latest_form_version(e_service_id: int) -> FormVersion | None:
    return (
        await FormVersion.objects()
        .where((FormVersion.e_service == e_service_id) & (FormVersion.published == True))  # noqa: E712
        .order_by(FormVersion.version, ascending=False)
        .first()
    )


_FORM_VERSION_QUERY = "SELECT definition, version FROM form_version WHERE id = {}"


async def definition_of(form_version_id: int) -> tuple[FormDefinition, int]:
    """The parsed definition and version number of a form version (parsed once per distinct text)."""
    rows = await fetch(_FORM_VERSION_QUERY, form_version_id)
    return parsed_definition(rows[0]["definition"]), rows[0]["version"]


@functools.lru_cache(maxsize=256)
def parsed_definition(text: str) -> FormDefinition:
    """A stored definition, parsed once per distinct text (they are never changed once stored)."""
    return load_definition(text)


async def open_draft(owner_id: int, e_service_id: int) -> Draft | None:
    return (
        await Draft.objects()
        .where((Draft.owner == owner_id) & (Draft.e_service == e_service_id))
        .order_by(Draft.last_activity_at, ascending=False)
        .output(load_json=True)
        .first()
    )


async def create_draft(
    *,
    owner_id: int | None,
    anonymous_key: str,
    e_service_id: int,
    form_version_id: int,
    answers: dict,
    now: datetime,
    organisation_id: int | None = None,
) -> Draft:
    draft = Draft(
        public_id=uuid.uuid4(),
        owner=owner_id,
        anonymous_key=anonymous_key,
        e_service=e_service_id,
        form_version=form_version_id,
        answers=answers,
        organisation=organisation_id,
        created_at=now,
        last_activity_at=now,
    )
    await draft.save()
    return draft


@dataclasses.dataclass
class DraftRecord:
    """A draft as the request handling needs it (read with plain SQL: every step and autosave reads one)."""

    id: int
    public_id: uuid.UUID
    owner: int | None
    anonymous_key: str
    e_service: int
    form_version: int
    answers: dict
    status: str
    digest: str
    signing_deadline: datetime | None
    returned_reason: str
    created_at: datetime
    last_activity_at: datetime
    organisation: int | None = None


# Names its columns, so a column added to the table later does not break DraftRecord.
_DRAFT_COLUMNS = ", ".join(f.name for f in dataclasses.fields(DraftRecord))
_DRAFT_QUERY = f"SELECT {_DRAFT_COLUMNS} FROM draft WHERE public_id = {{}}"  # noqa: S608 (column names are ours)
_SAVE_QUERY = "UPDATE draft SET answers = {}, last_activity_at = {} WHERE id = {}"


async def draft_by_public_id(public_id: str) -> DraftRecord | None:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    rows = await fetch(_DRAFT_QUERY, parsed)
    if not rows:
        return None
    row = rows[0]
    answers = row["answers"]
    return DraftRecord(
        **{
            **row,
            "public_id": row["public_id"] if isinstance(row["public_id"], uuid.UUID) else uuid.UUID(row["public_id"]),
            "answers": json.loads(answers) if isinstance(answers, str) else answers,
        }
    )


async def save_answers(draft: DraftRecord, answers: dict, now: datetime) -> None:
    draft.answers, draft.last_activity_at = answers, now
    await fetch(_SAVE_QUERY, json.dumps(answers, ensure_ascii=False), now, draft.id)


async def delete_draft(draft_id: int) -> None:
    await Draft.delete().where(Draft.id == draft_id)


# Mina sidor asks on every view for the user's own drafts and those waiting for their signature: one query.
_DRAFT_LIST_COLUMNS = (
    "d.public_id, d.status, d.last_activity_at, d.returned_reason, d.signing_deadline AS deadline, "
    "e.title AS service_title, e.retention_days_draft AS retention_days"
)
_OWN_AND_TO_SIGN = (
    f"SELECT 0 AS to_sign, {_DRAFT_LIST_COLUMNS} FROM draft d JOIN e_service e ON e.id = d.e_service "  # noqa: S608
    "WHERE d.owner = {} "
    f"UNION ALL SELECT 1 AS to_sign, {_DRAFT_LIST_COLUMNS} FROM co_applicant c JOIN draft d ON d.id = c.draft "
    "JOIN e_service e ON e.id = d.e_service "
    "WHERE c.personal_number = {} AND c.status = 'pending' AND d.status = 'awaiting_signatures' "
    "AND d.signing_deadline > {}"
)


async def drafts_of(owner_id: int, personal_number: str, now: datetime) -> tuple[list[dict], list[dict]]:
    """The owner's drafts (newest activity first) and the drafts still waiting for their signature as co-applicant
    (nearest deadline first), each with its e-service's title."""
    rows = await fetch(_OWN_AND_TO_SIGN, owner_id, personal_number, now)
    own = sorted((row for row in rows if not row["to_sign"]), key=lambda row: row["last_activity_at"], reverse=True)
    to_sign = sorted((row for row in rows if row["to_sign"]), key=lambda row: row["deadline"])
    return own, to_sign


def deletion_date(last_activity: datetime, retention_days: int | None, settings: Settings) -> datetime:
    return last_activity + timedelta(days=retention_days or settings.default_retention_days_draft)


async def service_of(draft: Draft) -> EService:
    return await EService.objects().where(EService.id == draft.e_service).first()


_ATTACHMENTS_QUERY = (
    "SELECT id, public_id, field_id, filename, content_type, size, sha256 FROM attachment WHERE draft = {} ORDER BY id"
)


async def attachments_of(draft_id: int) -> list[dict]:
    return await fetch(_ATTACHMENTS_QUERY, draft_id)


def by_field(attachments: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for attachment in attachments:
        grouped[attachment["field_id"]].append(attachment)
    return grouped


async def add_attachment(
    draft_id: int, field_id: str, *, filename: str, content_type: str, size: int, sha256: str, content: bytes, now
) -> None:
    await Attachment.insert(
        Attachment(
            public_id=uuid.uuid4(),
            draft=draft_id,
            field_id=field_id,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            content=content,
            created_at=now,
        )
    )


async def remove_attachment(draft_id: int, public_id: str) -> bool:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return False
    removed = (
        await Attachment.delete()
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .returning(Attachment.id)
    )
    return bool(removed)


async def attachment_content(draft_id: int, public_id: str) -> dict | None:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    return (
        await Attachment.select(Attachment.filename, Attachment.content_type, Attachment.content)
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .first()
    )


async def coapplicants_of(draft_id: int) -> list[dict]:
    return await CoApplicant.select().where(CoApplicant.draft == draft_id).order_by(CoApplicant.id)


async def signatures_of(draft_id: int) -> list[dict]:
    return (
        await Signature.select().where(Signature.draft == draft_id).order_by(Signature.signed_at).output(load_json=True)
    )
