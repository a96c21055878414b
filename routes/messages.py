"""The resident's side of a case's conversation (/mina-sidor/arenden/{ref}/meddelanden, /komplettering/{id}):
messages with the case officer, and answering supplement requests. The rules are in services/messages.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from forms.fields import coapplicant_slots, input_id
from services import limits, messages, my_pages
from services.messages import MAX_MESSAGE_LENGTH, Upload
from web.auth import current_user, login_required, rate_keys
from web.htmx import wants_fragment
from web.params import parse_int

MAX_BODY = 60 * 1024 * 1024


def _thread_url(reference: str) -> str:
    return f"/mina-sidor/arenden/{reference}/meddelanden"


async def _uploads(form, name: str) -> list[Upload]:
    return [
        Upload(value.filename, await value.read())
        for value in form.getall(name, [])
        if isinstance(value, UploadFile) and value.filename
    ]


@get("/mina-sidor/arenden/{reference:str}/meddelanden", name="case_messages_poll", guards=[login_required])
async def poll(
    request: Request, reference: FromPath[str], after: Annotated[str, QueryParameter(name="efter")] = "0"
) -> Response:
    """Polled every 10 s by the open case page: 204 (nothing to do) unless the officer has written since `efter`."""
    cursor = parse_int(after) or 0
    user = current_user(request)
    case = await my_pages.visible_case(user, reference)
    if not case["allows_messages"]:
        raise NotFoundException()
    if not await messages.has_news(case, cursor):
        return Response(content=b"", status_code=204)
    if not wants_fragment(request):
        return Redirect(f"/mina-sidor/arenden/{reference}#meddelanden", status_code=HTTP_303_SEE_OTHER)
    return Template(
        "messages/_new_messages.html",
        context=await _new_messages(case, user.id, reference, cursor, _("New message from the case officer.")),
    )


async def _new_messages(case: dict, viewer_id: int, reference: str, after: int, announcement: str) -> dict:
    new = await messages.new_messages(case, after)
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
    case = await my_pages.visible_case(user, reference)
    messages.check_can_write(case, request.app.state.settings)
    await limits.check("message", *rate_keys(request))
    form = await request.form()
    text = str(form.get("text") or "").strip()
    # The page's cursor: the new messages shown after sending are those after it (the resident's own included).
    cursor = parse_int(form.get("efter"))
    after = cursor if cursor is not None else await messages.latest_message_id(case)
    errors = await messages.send(case, user.id, text, await _uploads(form, "files"))
    if not wants_fragment(request):
        if errors:
            page = await my_pages.case_page_context(
                request.app.state.settings,
                await request.app.state.catalogue.get(),
                user,
                case,
                message_errors=errors,
                message_text=text,
            )
            return Template("my_pages/case.html", context=page, status_code=400)
        return Redirect(f"/mina-sidor/arenden/{reference}?skickat=1#meddelanden", status_code=HTTP_303_SEE_OTHER)
    new = await _new_messages(case, user.id, reference, after, "" if errors else _("Your message has been sent."))
    return Template(
        "messages/_sent.html",
        context={**new, "message_errors": errors, "message_text": text if errors else "", "oob": False},
        status_code=400 if errors else 200,
    )


async def _supplement(request: Request, reference: str, supplement_id: str) -> messages.Supplement:
    case = await my_pages.visible_case(current_user(request), reference)
    return await messages.supplement(case, parse_int(supplement_id))


@get(
    "/mina-sidor/arenden/{reference:str}/komplettering/{supplement_id:str}", name="supplement", guards=[login_required]
)
async def supplement_page(request: Request, reference: FromPath[str], supplement_id: FromPath[str]) -> Template:
    item = await _supplement(request, reference, supplement_id)
    return Template("messages/supplement.html", context=_supplement_context(item, item.case["answers"], {}, ""))


def _supplement_context(item: messages.Supplement, answers, errors, text) -> dict:
    return {
        "nav": "my_pages",
        "case": item.case,
        "supplement": item.request,
        "step": item.step,
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
    item = await _supplement(request, reference, supplement_id)
    if item.request["answered_at"] is not None:
        return Redirect(f"/mina-sidor/arenden/{reference}", status_code=HTTP_303_SEE_OTHER)
    form = await request.form()
    values: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if not isinstance(value, UploadFile):
            values.setdefault(name, []).append(str(value))
    text = str(form.get("text") or "").strip()[:MAX_MESSAGE_LENGTH]
    answers, errors = await messages.answer_supplement(
        item, current_user(request), values, text, await _uploads(form, "files")
    )
    if errors:
        page = _supplement_context(item, answers, errors, text)
        return Template("messages/supplement.html", context=page, status_code=400)
    return Redirect(f"/mina-sidor/arenden/{reference}?kompletterat=1", status_code=HTTP_303_SEE_OTHER)


route_handlers = [poll, send, supplement_page, supplement_answer]
