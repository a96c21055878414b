"""The private area: form versions, drafts and the files attached to them. Tables and queries.

A draft is not a public document: only its owner (or, for e-services without login, the browser holding the draft's
cookie) can reach it, and while it waits for their signatures its co-applicants may read it. No staff view, search,
export or log line reads the `draft` table; submission (db/cases.py) moves what it sends into a `case_record` in one
transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.reference import LazyTableReference
from piccolo.table import Table

from db.accounts import UserAccount
from db.catalogue import EService
from db.engine import fetch, json_column, json_set_arguments, json_set_keys, uuid_column
from forms.definition import FormDefinition, load_definition


class FormVersion(Table, tablename="form_version"):
    id = Serial(primary_key=True)
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=False)
    version = Integer()
    definition = Text(help_text="YAML, see forms/README.md")
    published = Boolean(default=True)
    created_at = Timestamptz()


class Draft(Table, tablename="draft"):
    id = Serial(primary_key=True)
    public_id = UUID(unique=True)
    owner = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=True)
    anonymous_key = Varchar(length=64, default="", help_text="For e-services without login: hash of a cookie token.")
    e_service = ForeignKey(references=EService, on_delete=OnDelete.cascade, null=False)
    form_version = ForeignKey(references=FormVersion, on_delete=OnDelete.restrict, null=False)
    answers = JSON(default="{}")
    status = Varchar(length=30, default="draft", help_text="draft | awaiting_signatures")
    digest = Varchar(length=64, default="", help_text="SHA-256 of the canonical submission being signed.")
    signing_deadline = Timestamptz(null=True, default=None)
    returned_reason = Text(default="", help_text="Why co-signing ended and the draft came back.")
    organisation = Integer(null=True, default=None, help_text="Applying on behalf of this organisation (id).")
    created_at = Timestamptz()
    last_activity_at = Timestamptz()
    expiry_notice_at = Timestamptz(
        null=True, default=None, help_text="When the owner was told the draft will soon be deleted."
    )


class Attachment(Table, tablename="attachment"):
    """A file, checked by content, stored in the database so every process can serve it: a draft's until
    submission moves it to the case, or a case's (sent with the form, a message or a supplement)."""

    id = Serial(primary_key=True)
    public_id = UUID(unique=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=True)
    case = ForeignKey(
        references=LazyTableReference("CaseRecord", module_path="db.cases"), on_delete=OnDelete.cascade, null=True
    )
    message_id = Integer(null=True, default=None, help_text="Sent with a message (id in `message`).")
    supplement_id = Integer(null=True, default=None, help_text="Sent with a supplement (id in `supplement_request`).")
    field_id = Varchar(length=40)
    filename = Varchar(length=200)
    content_type = Varchar(length=100)
    size = Integer()
    sha256 = Varchar(length=64)
    content = Bytea()
    created_at = Timestamptz()


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
_OPEN_DRAFT_QUERY = (
    f"SELECT {_DRAFT_COLUMNS} FROM draft WHERE owner = {{}} AND e_service = {{}} "  # noqa: S608
    "ORDER BY last_activity_at DESC LIMIT 1"
)


def _draft_record(row: dict) -> DraftRecord:
    return DraftRecord(
        **{**row, "public_id": uuid_column(row["public_id"]), "answers": json_column(row["answers"], {})}
    )


def parse_public_id(public_id: str) -> uuid.UUID | None:
    """The UUID in an address, or None when it is not one (the same answer as an unknown draft)."""
    try:
        return uuid.UUID(public_id)
    except ValueError:
        return None


async def draft_by_public_id(public_id: str) -> DraftRecord | None:
    parsed = parse_public_id(public_id)
    if parsed is None:
        return None
    rows = await fetch(_DRAFT_QUERY, parsed)
    return _draft_record(rows[0]) if rows else None


async def open_draft(owner_id: int, e_service_id: int) -> DraftRecord | None:
    """The owner's most recently used draft of the e-service."""
    rows = await fetch(_OPEN_DRAFT_QUERY, owner_id, e_service_id)
    return _draft_record(rows[0]) if rows else None


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


async def save_answers(draft: DraftRecord, changes: dict, now: datetime) -> None:
    """Store the answers in `changes` (and only those: another tab saving other answers of the same draft at the
    same moment keeps its own), in one statement; `draft.answers` becomes what the database now holds."""
    rows = await fetch(
        f"UPDATE draft SET answers = {json_set_keys('answers', len(changes))}, last_activity_at = {{}} "  # noqa: S608
        "WHERE id = {} RETURNING answers",
        *json_set_arguments(changes),
        now,
        draft.id,
    )
    if rows:
        draft.answers = json_column(rows[0]["answers"], {})
    draft.last_activity_at = now


async def delete_draft(draft_id: int) -> None:
    await Draft.delete().where(Draft.id == draft_id)


def deletion_date(last_activity: datetime, retention_days: int | None, default_days: int) -> datetime:
    return last_activity + timedelta(days=retention_days or default_days)


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
    parsed = parse_public_id(public_id)
    if parsed is None:
        return False
    removed = (
        await Attachment.delete()
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .returning(Attachment.id)
    )
    return bool(removed)


async def attachment_content(draft_id: int, public_id: str) -> dict | None:
    parsed = parse_public_id(public_id)
    if parsed is None:
        return None
    return (
        await Attachment.select(Attachment.filename, Attachment.content_type, Attachment.content)
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .first()
    )
