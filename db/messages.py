"""Messages between residents and case officers, and supplement requests (kompletteringar), per case. Tables and
queries; both sides of the conversation (Mina sidor and the staff views) use them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from piccolo.columns import JSON, Date, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.accounts import UserAccount
from db.cases import CaseEvent, CaseRecord, add_case_attachment, enter_status, first_status_of_kind
from db.engine import fetch, json_column, lock_clause, write_transaction
from db.notices import notify_applicant, notify_assignee
from db.webhooks import record_event


class Message(Table, tablename="message"):
    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    author = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    # Text, not a boolean: plain SQL reads booleans back as 0/1 on SQLite and as bool on PostgreSQL; `thread()` turns
    # it into a bool, so nothing outside this module sees the difference.
    from_officer = Varchar(length=5, default="no", help_text="'yes' when written by staff")
    body = Text()
    created_at = Timestamptz()
    read_by_resident_at = Timestamptz(null=True, default=None)
    read_by_officer_at = Timestamptz(null=True, default=None)


class SupplementRequest(Table, tablename="supplement_request"):
    """An officer asks for more: a message, a due date, and optionally fields of the form reopened for new values."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    officer = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    message = Text()
    fields = JSON(default="[]", help_text="Ids of the form's fields the resident may answer again.")
    due_date = Date()
    created_at = Timestamptz()
    answered_at = Timestamptz(null=True, default=None)
    answered_by = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    response_text = Text(default="")
    previous_answers = JSON(default="{}", help_text="The answers the reopened fields had before.")
    new_answers = JSON(default="{}")
    reviewed_at = Timestamptz(null=True, default=None, help_text="When an officer first saw the answer.")


_THREAD_COLUMNS = "m.*, u.given_name AS author_given_name, u.surname AS author_surname"
_THREAD_SOURCE = 'message m LEFT JOIN user_account u ON u.id = m.author WHERE m."case" = {} AND m.id > {}'
_THREAD_AFTER = f"SELECT {_THREAD_COLUMNS} FROM {_THREAD_SOURCE} ORDER BY m.created_at, m.id"  # noqa: S608
_THREAD_LATEST = (
    f"SELECT {_THREAD_COLUMNS}, "  # noqa: S608
    '(SELECT count(*) FROM message t WHERE t."case" = {}) AS thread_total '
    f"FROM {_THREAD_SOURCE} ORDER BY m.created_at DESC, m.id DESC LIMIT {{}}"
)


async def thread(
    case_id: int, *, after: int = 0, latest: int | None = None, attachments: list[dict] | None = None
) -> list[dict]:
    """The case's messages after message id `after` (or the `latest` few), oldest first, each with its attachments
    (listing only, no content; pass the case's `attachments` if they are at hand) and, for `latest`, how many
    messages the case has in all (`thread_total`: a count in the same query, not a window: SQLite computes
    `count(*) OVER ()` several times slower)."""
    if latest is None:
        messages = await fetch(_THREAD_AFTER, case_id, after)
    else:
        messages = await fetch(_THREAD_LATEST, case_id, case_id, after, latest)
        messages.reverse()
    if not messages:
        return messages
    if attachments is None:
        attachments = await fetch(
            'SELECT public_id, message_id, filename, size FROM attachment WHERE "case" = {} AND message_id >= {} '
            "ORDER BY id",
            case_id,
            min(message["id"] for message in messages),
        )
    by_message: dict[int, list[dict]] = {}
    for attachment in attachments:
        if attachment["message_id"] is not None:
            by_message.setdefault(attachment["message_id"], []).append(attachment)
    for message in messages:
        message["attachments"] = by_message.get(message["id"], [])
        message["from_officer"] = message["from_officer"] == "yes"
    return messages


def thread_key(messages: list[dict]) -> tuple:
    """A key for the rendered messages (web.templating.FragmentCache): what may change in a message once written is
    who has read it, its author's name and the files added after it; its text, time and sender never change. The
    time is in the key all the same: SQLite may give a deleted message's id to a new one."""
    return tuple(
        (
            message["id"],
            message["created_at"],
            message["read_by_officer_at"],
            message["read_by_resident_at"],
            message["author_given_name"],
            message["author_surname"],
            tuple(attachment["public_id"] for attachment in message["attachments"]),
        )
        for message in messages
    )


async def latest_message_id(case_id: int) -> int:
    rows = await fetch('SELECT max(id) AS latest FROM message WHERE "case" = {}', case_id)
    return rows[0]["latest"] or 0


async def add_message(
    case_id: int,
    author_id: int | None,
    *,
    from_officer: bool,
    body: str,
    now: datetime,
    event: str = "message",
    files: Sequence[tuple[Any, bytes]] = (),
    quota: int | None = None,
    via: dict | None = None,
) -> int | None:
    """A message in the case's thread, with its checked `files`. The officer's also go on the timeline (as `event`:
    a delay notice is a message too) and are noticed to the applicant; the resident's ask for the officers'
    attention. With `quota`, None (nothing stored) when the case's files would pass that many bytes: the case's row
    is locked first, so messages sent at the same moment cannot pass it together."""
    async with write_transaction():
        if not await _files_fit(case_id, files, quota):
            return None
        rows = await Message.insert(
            Message(
                case=case_id, author=author_id, from_officer="yes" if from_officer else "no", body=body, created_at=now
            )
        ).returning(Message.id)
        if from_officer:
            await CaseEvent.insert(CaseEvent(case=case_id, at=now, kind=event, actor=author_id, details=via or {}))
            await notify_applicant(case_id, "message_received", now)
        else:
            # Not on the timeline, but a change the API's clients list by (the timeline's events move it by trigger).
            await CaseRecord.update({CaseRecord.attention: True, CaseRecord.changed_at: now}).where(
                CaseRecord.id == case_id
            )
            await notify_assignee(case_id, now)
        for file, data in files:
            await add_case_attachment(case_id, file, data, message_id=rows[0]["id"], supplement_id=None, now=now)
        if not from_officer:
            await record_event("message.received", case_id, now, {"message_id": rows[0]["id"]})
    return rows[0]["id"]


async def _files_fit(case_id: int, files: Sequence[tuple[Any, bytes]], quota: int | None) -> bool:
    """Whether the case's files stay within `quota` bytes with `files` added. Inside a write transaction: the case's
    row is locked first, so files sent at the same moment (messages, supplement answers) cannot pass it together."""
    if not files or quota is None:
        return True
    await fetch(f"SELECT id FROM case_record WHERE id = {{}}{lock_clause()}", case_id)  # noqa: S608
    used = await fetch('SELECT COALESCE(SUM(size), 0) AS used FROM attachment WHERE "case" = {}', case_id)
    return int(used[0]["used"]) + sum(file.size for file, _data in files) <= quota


async def mark_read(case_id: int, *, by_officer: bool, now: datetime, up_to: int | None = None) -> int:
    """Mark the other side's messages (up to message id `up_to`, the last one shown) as read by this side; returns
    how many were unread."""
    if by_officer:
        column, written_by = Message.read_by_officer_at, "no"
    else:
        column, written_by = Message.read_by_resident_at, "yes"
    condition = (Message.case == case_id) & (Message.from_officer == written_by) & column.is_null()
    if up_to is not None:
        condition &= Message.id <= up_to
    marked = await Message.update({column: now}).where(condition).returning(Message.id)
    return len(marked)


async def supplements_of(case_id: int) -> list[dict]:
    rows = await fetch('SELECT * FROM supplement_request WHERE "case" = {} ORDER BY created_at, id', case_id)
    for row in rows:
        row["fields"] = json_column(row["fields"], [])
        row["previous_answers"] = json_column(row["previous_answers"], {})
        row["new_answers"] = json_column(row["new_answers"], {})
    return rows


async def supplement(case_id: int, supplement_id: int) -> dict | None:
    return (
        await SupplementRequest.select()
        .where((SupplementRequest.case == case_id) & (SupplementRequest.id == supplement_id))
        .output(load_json=True)
        .first()
    )


async def request_supplement(
    case_id: int,
    officer_id: int | None,
    *,
    message: str,
    fields: list[str],
    due_date: date,
    now: datetime,
    version: int | None = None,
    via: dict | None = None,
) -> int | None:
    """The officer's side (or an API client's, `via`): ask for more. The case waits for the resident until they
    answer (its e-service's status of that kind). None when the case changed since the officer's page was made
    (`version`) or is closed."""
    async with write_transaction():
        open_case = (CaseRecord.id == case_id) & (CaseRecord.status != "closed")
        if version is not None:
            open_case &= CaseRecord.version == version
        changed = (
            await CaseRecord.update({CaseRecord.version: CaseRecord.version + 1})
            .where(open_case)
            .returning(CaseRecord.e_service)
        )
        if not changed:
            return None
        rows = await SupplementRequest.insert(
            SupplementRequest(
                case=case_id, officer=officer_id, message=message, fields=fields, due_date=due_date, created_at=now
            )
        ).returning(SupplementRequest.id)
        await enter_status(case_id, await first_status_of_kind(changed[0]["e_service"], "awaiting_supplement"), now)
        await CaseEvent.insert(
            CaseEvent(case=case_id, at=now, kind="supplement_requested", actor=officer_id, details=via or {})
        )
        await notify_applicant(case_id, "supplement_requested", now)
    return rows[0]["id"]


async def answer_supplement(
    case_id: int,
    supplement_id: int,
    user_id: int,
    *,
    text: str,
    previous: dict,
    new: dict,
    answers: dict,
    now: datetime,
    files: Sequence[tuple[Any, bytes]] = (),
    quota: int | None = None,
) -> str:
    """Record the answer with its checked `files`, update the case's answers (both versions kept on the request), and
    hand the case back to the officer. Returns "answered", or "already answered" (a second submit changes nothing),
    or "over quota" (nothing stored: the case's files would pass `quota` bytes)."""
    async with write_transaction():
        if not await _files_fit(case_id, files, quota):
            return "over quota"
        answered = (
            await SupplementRequest.update(
                {
                    SupplementRequest.answered_at: now,
                    SupplementRequest.answered_by: user_id,
                    SupplementRequest.response_text: text,
                    SupplementRequest.previous_answers: previous,
                    SupplementRequest.new_answers: new,
                }
            )
            .where((SupplementRequest.id == supplement_id) & SupplementRequest.answered_at.is_null())
            .returning(SupplementRequest.id)
        )
        if not answered:
            return "already answered"
        for file, data in files:
            await add_case_attachment(case_id, file, data, message_id=None, supplement_id=supplement_id, now=now)
        still_open = await SupplementRequest.count().where(
            (SupplementRequest.case == case_id) & SupplementRequest.answered_at.is_null()
        )
        updated = (
            await CaseRecord.update(
                {CaseRecord.answers: answers, CaseRecord.attention: True, CaseRecord.version: CaseRecord.version + 1}
            )
            .where(CaseRecord.id == case_id)
            .returning(CaseRecord.e_service)
        )
        await notify_assignee(case_id, now)
        if not still_open:  # back to the officer
            await enter_status(case_id, await first_status_of_kind(updated[0]["e_service"], "in_progress"), now)
        await CaseEvent.insert(CaseEvent(case=case_id, at=now, kind="supplement_answered", actor=user_id, details={}))
        await record_event("case.supplemented", case_id, now, {"supplement_id": supplement_id})
    return "answered"
