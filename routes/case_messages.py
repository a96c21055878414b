"""The resident's side of a case's conversation: messages with the case officer, and answering supplement requests.
(The officer's side uses the same queries and thread templates from the staff views.)"""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from db import conversations, drafts
from forms import engine
from forms.definition import Step
from forms.fields import coapplicant_slots, input_id
from web import my_cases
from web.applications import check_files, store_files
from web.auth import current_user, login_required
from web.htmx import wants_fragment

MAX_MESSAGE_LENGTH = 5000
MAX_BODY = 60 * 1024 * 1024


def _thread_url(reference: str) -> str:
    return f"/mina-sidor/arenden/{reference}/meddelanden"


@get("/mina-sidor/arenden/{reference:str}/meddelanden", name="case_messages_poll", guards=[login_required])
async def poll(
    request: Request, reference: FromPath[str], after: Annotated[str, QueryParameter(name="efter")] = "0"
) -> Response:
    """Polled every 10 s by the open case page: 204 (nothing to do) unless the officer has written since `efter`."""
    efter = int(after) if after.isdigit() else 0
    user = current_user(request)
    case = await my_cases.visible_case(request, user, reference)
    if not case["allows_messages"]:
        raise NotFoundException()
    if await conversations.latest_message_id(case["id"]) <= efter:
        return Response(content=b"", status_code=204)
    if not wants_fragment(request):
        return Redirect(f"/mina-sidor/arenden/{reference}#meddelanden", status_code=HTTP_303_SEE_OTHER)
    return Template(
        "messages/_new_messages.html",
        context=await _new_messages(case, user.id, reference, efter, _("New message from the case officer.")),
    )


async def _new_messages(case: dict, viewer_id: int, reference: str, after: int, announcement: str) -> dict:
    """The messages after the page's cursor, to add to its thread; those from the officer are now read."""
    new = await conversations.thread(case["id"], after=after)
    await my_cases.mark_officer_messages_read(case, new)
    return {
        "new_messages": new,
        "officer_view": False,
        "viewer_id": viewer_id,
        "announcement": announcement if new else "",
        "thread_url": _thread_url(reference),
        "attachment_base": f"/mina-sidor/arenden/{reference}/bilagor",
        "last_id": max((message["id"] for message in new), default=after),
    }


@post(
    "/mina-sidor/arenden/{reference:str}/meddelanden",
    name="case_messages_send",
    guards=[login_required],
    request_max_body_size=MAX_BODY,
)
async def send(request: Request, reference: FromPath[str]) -> Response:
    user = current_user(request)
    case = await my_cases.visible_case(request, user, reference)
    settings = request.app.state.settings
    if not case["allows_messages"]:
        raise NotFoundException()
    if not my_cases.messaging_open(case, settings):
        raise PermissionDeniedException(detail=_("Messages about this case are closed."))
    form = await request.form()
    text = str(form.get("text") or "").strip()
    uploads = [value for value in form.getall("files", []) if isinstance(value, UploadFile) and value.filename]
    errors = {}
    checked, file_error = await check_files(uploads)
    if file_error:
        errors["message-file"] = file_error
    if not text and not uploads:
        errors["message-text"] = _("Write a message or attach a file")
    elif len(text) > MAX_MESSAGE_LENGTH:
        errors["message-text"] = _("A message can be at most %(max)d characters") % {"max": MAX_MESSAGE_LENGTH}
    cursor = str(form.get("efter") or "")
    after = int(cursor) if cursor.isdigit() else await conversations.latest_message_id(case["id"])
    if not errors:
        message_id = await conversations.add_message(
            case["id"], user.id, from_officer=False, body=text, now=clock.now()
        )
        await store_files(case["id"], checked, message_id=message_id)
    if not wants_fragment(request):
        if errors:
            page = await my_cases.case_page_context(request, user, case, message_errors=errors, message_text=text)
            return Template("my_pages/case.html", context=page, status_code=400)
        return Redirect(f"/mina-sidor/arenden/{reference}#meddelanden", status_code=HTTP_303_SEE_OTHER)
    new = await _new_messages(case, user.id, reference, after, "" if errors else _("Your message has been sent."))
    return Template(
        "messages/_sent.html",
        context={**new, "message_errors": errors, "message_text": text if errors else "", "oob": False},
        status_code=400 if errors else 200,
    )


def _reopened_step(definition, field_ids: list[str]) -> Step:
    fields = []
    for field_id in field_ids:
        try:
            field = definition.field(field_id)
        except KeyError:
            continue
        if field.takes_input and field.type != "file":  # files come with the supplement's own file input
            fields.append(field)
    return Step(id="komplettering", title="", fields=tuple(fields))


async def _supplement(request: Request, reference: str, supplement_id: str):
    user = current_user(request)
    case = await my_cases.visible_case(request, user, reference)
    if not my_cases.takes_supplements(case):
        raise NotFoundException()
    request_row = await conversations.supplement(case["id"], int(supplement_id)) if supplement_id.isdigit() else None
    if request_row is None:
        raise NotFoundException()
    definition = drafts.parsed_definition(case["form_definition"])
    return user, case, request_row, definition, _reopened_step(definition, request_row["fields"])


@get(
    "/mina-sidor/arenden/{reference:str}/komplettering/{supplement_id:str}", name="supplement", guards=[login_required]
)
async def supplement_page(request: Request, reference: FromPath[str], supplement_id: FromPath[str]) -> Template:
    _user, case, request_row, _definition, step = await _supplement(request, reference, supplement_id)
    return Template(
        "my_pages/supplement.html",
        context=_supplement_context(case, request_row, step, case["answers"], {}, ""),
    )


def _supplement_context(case, request_row, step, answers, errors, text) -> dict:
    return {
        "nav": "my_pages",
        "case": case,
        "supplement": request_row,
        "step": step,
        "answers": answers,
        "errors": errors,
        "text": text,
        "input_id": input_id,
        "coapplicant_slots": coapplicant_slots,
    }


@post(
    "/mina-sidor/arenden/{reference:str}/komplettering/{supplement_id:str}",
    name="supplement_answer",
    guards=[login_required],
    request_max_body_size=MAX_BODY,
)
async def supplement_answer(request: Request, reference: FromPath[str], supplement_id: FromPath[str]) -> Response:
    user, case, request_row, definition, step = await _supplement(request, reference, supplement_id)
    if request_row["answered_at"] is not None:
        return Redirect(f"/mina-sidor/arenden/{reference}", status_code=HTTP_303_SEE_OTHER)
    form = await request.form()
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            values.setdefault(name, []).append(str(value))
    uploads = [value for value in form.getall("files", []) if isinstance(value, UploadFile) and value.filename]
    text = str(form.get("text") or "").strip()[:MAX_MESSAGE_LENGTH]
    context = engine.Context(today=clock.now().date(), own_personal_number=user.personal_number)
    outcome = engine.read_step(definition, step, values, case["answers"], context, files={}, shown=None)
    errors = dict(outcome.errors)
    if not text and not uploads and not step.fields:
        errors["supplement-text"] = _("Write what you want to add, or attach a file")
    if errors:
        page = _supplement_context(case, request_row, step, outcome.answers, errors, text)
        return Template("my_pages/supplement.html", context=page, status_code=400)
    checked, file_error = await check_files(uploads)
    if file_error:
        page = _supplement_context(case, request_row, step, outcome.answers, {"supplement-files": file_error}, text)
        return Template("my_pages/supplement.html", context=page, status_code=400)
    await store_files(case["id"], checked, supplement_id=request_row["id"])
    previous = {f.id: case["answers"].get(f.id) for f in step.fields}
    new = {f.id: outcome.answers.get(f.id) for f in step.fields}
    await conversations.answer_supplement(
        case["id"],
        request_row["id"],
        user.id,
        text=text,
        previous=previous,
        new=new,
        answers=outcome.answers,
        now=clock.now(),
    )
    return Redirect(f"/mina-sidor/arenden/{reference}?kompletterat=1", status_code=HTTP_303_SEE_OTHER)


route_handlers = [poll, send, supplement_page, supplement_answer]
