"""The resident's side of a case's conversation: messages with the case officer (who may write, what counts as read)
and answering supplement requests. The staff views will use the same queries (db/messages.py) from the other side."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from core import clock
from core.errors import NotFound, Refused
from core.i18n import gettext as _
from core.settings import Settings
from db import applications
from db import messages as conversations
from forms import engine
from forms.definition import Field, Step
from forms.engine import display_lines
from forms.uploads import CheckedFile, UploadRejected, check_upload
from services.applications import today

if TYPE_CHECKING:
    from web.auth import CurrentUser

# A case page shows the latest messages; older ones are a link away (long threads are slow to read on a phone too).
THREAD_LATEST = 20
MAX_MESSAGE_LENGTH = 5000
# All files of one case together (messages and supplements): a case is not a file store.
CASE_MAX_BYTES = 200 * 1024 * 1024
# Files sent with a message or a supplement: the same checks by content as in the form.
CONVERSATION_FILES = Field(
    id="files", type="file", label="", max_files=5, max_size_mb=10, accept=("pdf", "jpg", "png", "heic", "docx")
)


@dataclass(frozen=True)
class Upload:
    """A file as posted: its name and content."""

    filename: str
    data: bytes


async def thread_context(case: dict, all_messages: bool, attachments: list[dict]) -> dict:
    """The thread as the case page shows it: the latest THREAD_LATEST messages unless all are asked for, and how
    many older ones there are."""
    if not case["allows_messages"]:
        return {"messages": [], "older_messages": 0, "last_id": 0, "thread_key": ()}
    latest = None if all_messages else THREAD_LATEST
    messages = await conversations.thread(case["id"], latest=latest, attachments=attachments)
    older = messages[0]["thread_total"] - latest if latest is not None and len(messages) == latest else 0
    return {
        "messages": messages,
        "older_messages": older,
        "last_id": max((m["id"] for m in messages), default=0),
        "thread_key": conversations.thread_key(messages),
    }


def takes_supplements(case: dict) -> bool:
    """The e-service takes supplements, the case is open and its status lets the resident answer."""
    return bool(case["allows_supplement"]) and case["status"] != "closed" and case.get("status_may_supplement", True)


def reads_for_applicant(case: dict) -> bool:
    """Whether the viewer's reading counts as the applicant's side having read the officer's messages: the applicant
    and the organisation's representatives, not a co-applicant (the applicant would lose their unread marker)."""
    return case["viewer_role"] != "coapplicant"


async def mark_officer_messages_read(case: dict, messages: list[dict]) -> None:
    if reads_for_applicant(case) and any(m["from_officer"] and m["read_by_resident_at"] is None for m in messages):
        await conversations.mark_read(case["id"], by_officer=False, now=clock.now())


def messaging_open(case: dict, settings: Settings) -> bool:
    """Residents may write while the case is open and for a while after it closed, unless the case's status says
    they may not (a status of the e-service's own, say "Beslut under expedition")."""
    if not case["allows_messages"] or not case.get("status_may_write", True):
        return False
    if case["closed_at"] is None:
        return True
    return clock.now() < case["closed_at"] + timedelta(days=settings.messages_open_days_after_close)


def supplements_with_changes(requests: list[dict], definition) -> list[dict]:
    """Each answered request with its changed answers as (question, before, after) in words a person reads."""
    for request_row in requests:
        changes = []
        for field_id, after in (request_row.get("new_answers") or {}).items():
            try:
                field = definition.field(field_id)
            except KeyError:
                continue
            before = (request_row.get("previous_answers") or {}).get(field_id)
            changes.append(
                (
                    field.label,
                    ", ".join(display_lines(field, before)) or "–",
                    ", ".join(display_lines(field, after)) or "–",
                )
            )
        request_row["changes"] = changes
    return requests


async def new_messages(case: dict, after: int) -> list[dict]:
    """The messages after the page's cursor, to add to its thread; those from the officer are now read."""
    new = await conversations.thread(case["id"], after=after)
    await mark_officer_messages_read(case, new)
    return new


async def has_news(case: dict, after: int) -> bool:
    """Whether anything was written in the case's thread after message `after`."""
    return await conversations.latest_message_id(case["id"]) > after


async def latest_message_id(case: dict) -> int:
    return await conversations.latest_message_id(case["id"])


def check_can_write(case: dict, settings: Settings) -> None:
    if not case["allows_messages"]:
        raise NotFound()
    if not messaging_open(case, settings):
        raise Refused(_("Messages about this case are closed."))


async def send(
    case: dict,
    author_id: int,
    text: str,
    uploads: list[Upload],
    *,
    from_officer: bool = False,
    max_length: int = MAX_MESSAGE_LENGTH,
) -> dict[str, str]:
    """A message in the case's thread, from the resident (or, `from_officer`, the case officer) with its files;
    returns what is wrong by input id (nothing is stored then)."""
    return (await post(case, author_id, text, uploads, from_officer=from_officer, max_length=max_length))[1]


async def post(
    case: dict,
    author_id: int | None,
    text: str,
    uploads: list[Upload],
    *,
    from_officer: bool = False,
    max_length: int = MAX_MESSAGE_LENGTH,
    via: dict | None = None,
) -> tuple[int | None, dict[str, str]]:
    """send(), also for the integration API (`via`, no author): (the new message's id, what is wrong by input id)."""
    errors = {}
    checked, file_error = check_files(uploads)
    if file_error:
        errors["message-file"] = file_error
    if not text and not uploads:
        errors["message-text"] = _("Write a message or attach a file")
    elif len(text) > max_length:
        errors["message-text"] = _("A message can be at most %(max)d characters") % {"max": max_length}
    if not errors:
        message_id = await conversations.add_message(
            case["id"],
            author_id,
            from_officer=from_officer,
            body=text,
            now=clock.now(),
            files=checked,
            quota=CASE_MAX_BYTES,
            via=via,
        )
        if message_id is None:
            errors["message-file"] = case_quota_message()
        return message_id, errors
    return None, errors


def case_quota_message() -> str:
    return _(
        "The case's files may be at most %(size)s MB together. Send a smaller file, or ask the case officer "
        "how to send it."
    ) % {"size": CASE_MAX_BYTES // (1024 * 1024)}


def check_files(uploads: list[Upload]) -> tuple[list[tuple[CheckedFile, bytes]], str]:
    """Check uploaded files by content; returns the accepted ones with their content, or the first problem."""
    accepted: list[tuple[CheckedFile, bytes]] = []
    for upload in uploads:
        try:
            accepted.append(
                (check_upload(upload.data, upload.filename, CONVERSATION_FILES, len(accepted)), upload.data)
            )
        except UploadRejected as rejected:
            return [], _("%(file)s: %(message)s") % {
                "file": upload.filename or _("The file"),
                "message": rejected.message,
            }
    return accepted, ""


# Supplements.


@dataclass
class Supplement:
    """An open supplement request as the resident answers it: the request, the case's form and the step of the
    fields the officer reopened."""

    case: dict
    request: dict
    definition: Any
    step: Step
    errors: dict[str, str] = field(default_factory=dict)


async def supplement(case: dict, supplement_id: int | None) -> Supplement:
    if not takes_supplements(case) or supplement_id is None:
        raise NotFound()
    request_row = await conversations.supplement(case["id"], supplement_id)
    if request_row is None:
        raise NotFound()
    definition = applications.parsed_definition(case["form_definition"])
    return Supplement(case, request_row, definition, _reopened_step(definition, request_row["fields"]))


def _reopened_step(definition, field_ids: list[str]) -> Step:
    fields = []
    for field_id in field_ids:
        try:
            reopened = definition.field(field_id)
        except KeyError:
            continue
        if reopened.takes_input and reopened.type != "file":  # files come with the supplement's own file input
            fields.append(reopened)
    return Step(id="komplettering", title="", fields=tuple(fields))


async def answer_supplement(
    item: Supplement, user: CurrentUser, values: dict[str, list[str]], text: str, uploads: list[Upload]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the answer like the form; if it holds, store it with its files (the case keeps both versions of the
    answers and goes back to the officer). Returns the answers as read and what is wrong by input id."""
    case, step = item.case, item.step
    context = engine.Context(today=today(), own_personal_number=user.personal_number)
    outcome = engine.read_step(item.definition, step, values, case["answers"], context, files={}, shown=None)
    errors = dict(outcome.errors)
    if not text and not uploads and not step.fields:
        errors["supplement-text"] = _("Write what you want to add, or attach a file")
    if errors:
        return outcome.answers, errors
    checked, file_error = check_files(uploads)
    if file_error:
        return outcome.answers, {"supplement-files": file_error}
    stored = await conversations.answer_supplement(
        case["id"],
        item.request["id"],
        user.id,
        text=text,
        previous={f.id: case["answers"].get(f.id) for f in step.fields},
        new={f.id: outcome.answers.get(f.id) for f in step.fields},
        answers=outcome.answers,
        now=clock.now(),
        files=checked,
        quota=CASE_MAX_BYTES,
    )
    if stored == "over quota":
        return outcome.answers, {"supplement-files": case_quota_message()}
    return outcome.answers, {}
