"""The private area: form versions, drafts and the files attached to them. Tables and queries.

A draft is not a public document: only its owner (or, for e-services without login, the browser holding the draft's
cookie) can reach it, and while it waits for their signatures its co-applicants may read it. No staff view, search,
export or log line reads the `draft` table; submission (db/cases.py) moves what it sends into a `case_record` in one
transaction.
"""

from __future__ import annotations

import dataclasses
import functools
import json
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
from db.engine import fetch, json_column, lock_clause, uuid_column, write_transaction
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
    answers_version = Integer(
        default=0, help_text="Counts the saves that changed answers; a page carries the one it showed."
    )
    answer_marks = JSON(
        default="{}", help_text="Per question: [answers_version, page id] of the save that last changed it."
    )
    current_step = Varchar(
        length=40,
        default="",
        help_text="Where the resident left off: the step last saved or continued to, or 'granska'.",
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


class HeldAnswers(Table, tablename="held_answers"):
    """A step posted without a login to a draft that needs one (its owner's session ended while the page was open),
    kept for the browser that posted it (a cookie token, stored hashed) until the owner has logged in there and seen
    it again. Private like the draft, and deleted with it."""

    id = Serial(primary_key=True)
    draft = ForeignKey(references=Draft, on_delete=OnDelete.cascade, null=False)
    step_id = Varchar(length=40)
    key_hash = Varchar(length=64)
    form = JSON(default="{}", help_text="The posted values by name, files left out.")
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
    answers_version: int = 0
    current_step: str = ""


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


_LOCKED_DRAFT_QUERY = "SELECT answers, answer_marks, answers_version, current_step FROM draft WHERE id = {}"


@dataclasses.dataclass(frozen=True)
class Seen:
    """What a page showed: the draft's answers_version when it was rendered, and the page's own random id."""

    version: int
    page: str


async def save_answers(
    draft: DraftRecord,
    changes: dict,
    now: datetime,
    *,
    seen: Seen | None = None,
    step: str = "",
    moving_to: str = "",
) -> set[str]:
    """Store the answers in `changes` that differ from what the database holds (and only those: another tab saving
    other answers of the same draft at the same moment keeps its own), and count it as activity. With `seen`, an
    answer that another page changed after `seen.version` is not overwritten: its question id is returned. Where
    the resident left off becomes `moving_to`, or `step` when an answer was not saved. `draft` becomes what the
    database now holds."""
    async with write_transaction():  # the row stays locked from the read to the write
        rows = await fetch(_LOCKED_DRAFT_QUERY + lock_clause(), draft.id)
        if not rows:
            return set()
        answers = json_column(rows[0]["answers"], {})
        marks = json_column(rows[0]["answer_marks"], {})
        version = rows[0]["answers_version"] or 0
        changed = {key: value for key, value in changes.items() if answers.get(key) != value}
        # An empty answer posted for none ("" for a question never answered) changes nothing another page could lose.
        meant = {key for key, value in changed.items() if not (answers.get(key) in _EMPTY and value in _EMPTY)}
        stale = {key for key in meant if seen is not None and _changed_elsewhere(marks.get(key), seen)}
        accepted = {key: value for key, value in changed.items() if key not in stale}
        answers.update(accepted)
        if meant - stale:
            version += 1
            page = seen.page if seen else ""
            marks.update({key: [version, page] for key in meant - stale})
        current_step = (step if stale else moving_to or step) or rows[0]["current_step"] or ""
        await fetch(
            "UPDATE draft SET answers = {}, answer_marks = {}, answers_version = {}, last_activity_at = {}, "
            "current_step = {} WHERE id = {}",
            json.dumps(answers, ensure_ascii=False),
            json.dumps(marks, ensure_ascii=False),
            version,
            now,
            current_step,
            draft.id,
        )
    draft.answers, draft.answers_version, draft.current_step = answers, version, current_step
    draft.last_activity_at = now
    return stale


_EMPTY = (None, "", [], {})


def _changed_elsewhere(mark: list | None, seen: Seen) -> bool:
    """Whether the save that last changed an answer came after the page was shown, from another page."""
    return bool(mark) and mark[0] > seen.version and mark[1] != seen.page


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
    draft_id: int,
    field_id: str,
    *,
    filename: str,
    content_type: str,
    size: int,
    sha256: str,
    content: bytes,
    now,
    quota: int | None = None,
) -> bool:
    """Keep a file with the draft; with `quota`, only if the draft's files stay within that many bytes (False: not
    kept). The draft's row is locked first, so uploads at the same moment cannot pass the quota together."""
    async with write_transaction():
        if quota is not None:
            await fetch(f"SELECT id FROM draft WHERE id = {{}}{lock_clause()}", draft_id)  # noqa: S608
            used = await fetch("SELECT COALESCE(SUM(size), 0) AS used FROM attachment WHERE draft = {}", draft_id)
            if int(used[0]["used"]) + size > quota:
                return False
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
    return True


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


async def hold_answers(draft_id: int, step_id: str, key_hash: str, form: dict, now: datetime) -> None:
    """Keep what was posted to a step (one post per draft and step: a later one replaces it)."""
    async with write_transaction():
        await HeldAnswers.delete().where((HeldAnswers.draft == draft_id) & (HeldAnswers.step_id == step_id))
        await HeldAnswers.insert(
            HeldAnswers(draft=draft_id, step_id=step_id, key_hash=key_hash, form=form, created_at=now)
        )


async def take_held_answers(draft_id: int, step_id: str, key_hash: str, since: datetime) -> dict | None:
    """The post kept for this draft's step and this browser since `since`, removed as it is taken."""
    rows = (
        await HeldAnswers.delete()
        .where(
            (HeldAnswers.draft == draft_id)
            & (HeldAnswers.step_id == step_id)
            & (HeldAnswers.key_hash == key_hash)
            & (HeldAnswers.created_at >= since)
        )
        .returning(HeldAnswers.form)
    )
    return json_column(rows[0]["form"], {}) if rows else None


async def delete_old_held_answers(before: datetime) -> int:
    deleted = await HeldAnswers.delete().where(HeldAnswers.created_at < before).returning(HeldAnswers.id)
    return len(deleted)
