"""The officer's case view (/handlaggare/arenden/{ref}) and what an officer does with a case: take, assign, change
status, ask for a supplement, decide, write to the resident, note internally, flag. Every action is a plain form
post (JavaScript off works); a page made before someone else's change is refused, with the officer's input shown
again. The rules are in services/case_handling.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.errors import DomainError
from core.i18n import gettext as _
from services import case_handling
from services.case_handling import Changed
from services.messages import Upload
from web.auth import current_user, staff_required
from web.downloads import attachment_response, pdf_response
from web.htmx import wants_fragment
from web.params import parse_date, parse_int

BASE = "/handlaggare/arenden/{reference:str}"
MAX_BODY = 60 * 1024 * 1024


def _case_url(reference: str, anchor: str = "") -> str:
    return f"/handlaggare/arenden/{reference}" + (f"#{anchor}" if anchor else "")


async def _officer_and_case(request: Request, reference: str, purpose: str = "viewed"):
    officer = await case_handling.officer_of(current_user(request))
    return officer, await case_handling.visible_case(officer, reference, purpose=purpose)


async def _page(request: Request, officer, case: dict, *, status_code: int = 200, **extra) -> Template:
    context = await case_handling.case_view(officer, case, all_messages=extra.pop("all_messages", False))
    forms = {"errors": {}, "values": {}, "form": "", "conflict": ""}
    return Template(
        "case_handling/case.html",
        context={"nav": "staff", "viewer_id": officer.account_id, **context, **forms, **extra},
        status_code=status_code,
    )


@get(BASE, name="staff_case", guards=[staff_required])
async def case_page(
    request: Request,
    reference: FromPath[str],
    messages: Annotated[str, QueryParameter(name="meddelanden")] = "",
    template_for: Annotated[str, QueryParameter(name="status")] = "",
    sent: Annotated[str, QueryParameter(name="skickat")] = "",
) -> Template:
    """The case view; `?status=ID` (the status form's "Use the template" without JavaScript) fills the status
    message with that status's template; `?skickat=1` (after sending a message without JavaScript) says that the
    message was sent, beside the thread."""
    officer, case = await _officer_and_case(request, reference)
    extra = {"message_sent": bool(sent)}
    if template_for:
        status_id = parse_int(template_for)
        extra.update(
            {
                "form": "status",
                "values": {"status": str(status_id), "meddelande": await _status_template(case, status_id)},
            }
        )
    return await _page(request, officer, case, all_messages=messages == "alla", **extra)


async def _status_template(case: dict, status_id: int | None) -> str:
    return await case_handling.status_template(case, status_id)


@get(BASE + "/mall", name="staff_case_status_template", guards=[staff_required])
async def status_template(
    request: Request, reference: FromPath[str], status_id: Annotated[str, QueryParameter(name="status")] = ""
) -> Template:
    """The status message's text area, filled with the chosen status's template (htmx, when the status changes)."""
    _officer, case = await _officer_and_case(request, reference, purpose="viewed")
    text = await _status_template(case, parse_int(status_id))
    return Template("case_handling/_status_message.html", context={"text": text})


async def _act(request: Request, reference: str, form_name: str, action) -> Response:
    """Run an officer's change from a posted form: back to the case on success; the case view with the form's
    errors (400) or the news that the case changed meanwhile (409), the posted values kept, otherwise."""
    officer, case = await _officer_and_case(request, reference, purpose="changed")
    form = await request.form()
    values = {name: str(value) for name, value in form.items() if not isinstance(value, UploadFile)}
    version = parse_int(form.get("version"))
    try:
        if version is None:
            raise Changed("")
        errors = await action(officer, case, form, version)
    except Changed as changed:
        fresh = await case_handling.visible_case(officer, reference)
        return await _page(
            request, officer, fresh, status_code=409, form=form_name, values=values, conflict=changed.user_message
        )
    except DomainError as refused:  # the choice itself cannot be (a closed case, nobody to assign to): say so
        if refused.status_code != 400:
            raise
        errors = {form_name: refused.user_message}
    if errors:
        return await _page(request, officer, case, status_code=400, form=form_name, values=values, errors=errors)
    return Redirect(_case_url(reference, form_name), status_code=HTTP_303_SEE_OTHER)


@post(BASE + "/tilldela", name="staff_case_assign", guards=[staff_required])
async def assign(request: Request, reference: FromPath[str]) -> Response:
    async def action(officer, case, form, version):
        choice = str(form.get("till") or "")
        if choice == "mig":
            await case_handling.take(officer, case, version)
        elif choice == "ingen":
            await case_handling.assign(officer, case, None, version)
        elif parse_int(choice) is None:
            return {"assign-to": _("Choose a case officer of the unit.")}
        else:
            await case_handling.assign(officer, case, parse_int(choice), version)
        return {}

    return await _act(request, reference, "handlaggare", action)


@post(BASE + "/status", name="staff_case_status", guards=[staff_required])
async def change_status(request: Request, reference: FromPath[str]) -> Response:
    async def action(officer, case, form, version):
        await case_handling.change_status(
            officer, case, parse_int(form.get("status")), str(form.get("meddelande") or ""), version
        )
        return {}

    return await _act(request, reference, "status", action)


@post(BASE + "/forsening", name="staff_case_delay", guards=[staff_required])
async def delay_notice(request: Request, reference: FromPath[str]) -> Response:
    async def action(officer, case, form, version):
        return await case_handling.send_delay_notice(officer, case, str(form.get("text") or ""), version)

    return await _act(request, reference, "forsening", action)


@post(BASE + "/komplettering", name="staff_case_supplement", guards=[staff_required])
async def request_supplement(request: Request, reference: FromPath[str]) -> Response:
    async def action(officer, case, form, version):
        return await case_handling.request_supplement(
            officer,
            case,
            str(form.get("meddelande") or ""),
            parse_date(form.get("senast")),
            [str(value) for value in form.getall("falt", [])],
            version,
        )

    return await _act(request, reference, "komplettering", action)


@post(BASE + "/beslut", name="staff_case_decision", guards=[staff_required])
async def decide(request: Request, reference: FromPath[str]) -> Response:
    async def action(officer, case, form, version):
        return await case_handling.decide(
            officer, case, str(form.get("utfall") or ""), str(form.get("beslut") or ""), version
        )

    return await _act(request, reference, "beslut", action)


@post(BASE + "/anteckningar", name="staff_case_note", guards=[staff_required])
async def add_note(request: Request, reference: FromPath[str]) -> Response:
    officer, case = await _officer_and_case(request, reference, purpose="changed")
    form = await request.form()
    body = str(form.get("anteckning") or "")
    errors = await case_handling.add_note(officer, case, body)
    if errors:
        return await _page(
            request, officer, case, status_code=400, form="anteckningar", values={"anteckning": body}, errors=errors
        )
    return Redirect(_case_url(reference, "anteckningar"), status_code=HTTP_303_SEE_OTHER)


@post(BASE + "/flagga", name="staff_case_bookmark", guards=[staff_required])
async def bookmark(request: Request, reference: FromPath[str]) -> Response:
    officer, case = await _officer_and_case(request, reference, purpose="changed")
    form = await request.form()
    await case_handling.bookmark(officer, case, form.get("flagga") == "ja")
    return Redirect(_case_url(reference), status_code=HTTP_303_SEE_OTHER)


@post(BASE + "/meddelanden", name="staff_case_message", guards=[staff_required], request_max_body_size=MAX_BODY)
async def send_message(request: Request, reference: FromPath[str]) -> Response:
    officer, case = await _officer_and_case(request, reference, purpose="changed")
    form = await request.form()
    text = str(form.get("text") or "")
    uploads = [
        Upload(value.filename, await value.read())
        for value in form.getall("files", [])
        if isinstance(value, UploadFile) and value.filename
    ]
    # The page's cursor: the new messages shown after sending are those after it (the officer's own included).
    cursor = parse_int(form.get("efter"))
    after = cursor if cursor is not None else await case_handling.latest_message_id(case)
    errors = await case_handling.send_message(officer, case, text, uploads)
    if wants_fragment(request):
        new = await _new_messages(officer, case, after, "" if errors else _("Your message has been sent."))
        return Template(
            "messages/_sent.html",
            context={**new, "message_errors": errors, "message_text": text if errors else "", "oob": False},
            status_code=400 if errors else 200,
        )
    if errors:
        return await _page(request, officer, case, status_code=400, message_errors=errors, message_text=text)
    return Redirect(f"/handlaggare/arenden/{reference}?skickat=1#meddelanden", status_code=HTTP_303_SEE_OTHER)


@get(BASE + "/meddelanden", name="staff_case_messages_poll", guards=[staff_required])
async def poll(
    request: Request, reference: FromPath[str], after: Annotated[str, QueryParameter(name="efter")] = "0"
) -> Response:
    """Polled every 10 s by the open case view: 204 unless the resident has written since `efter`."""
    officer = await case_handling.officer_of(current_user(request))
    case = await case_handling.visible_case(officer, reference, purpose="polled")
    cursor = parse_int(after) or 0
    if not case["allows_messages"]:
        raise NotFoundException()
    if not await case_handling.has_news(case, cursor):
        return Response(content=b"", status_code=204)
    if not wants_fragment(request):
        return Redirect(_case_url(reference, "meddelanden"), status_code=HTTP_303_SEE_OTHER)
    return Template(
        "messages/_new_messages.html",
        context=await _new_messages(officer, case, cursor, _("New message from the resident.")),
    )


async def _new_messages(officer, case: dict, after: int, announcement: str) -> dict:
    new = await case_handling.new_messages(case, after)
    return {
        "new_messages": new,
        "officer_view": True,
        "viewer_id": officer.account_id,
        "announcement": announcement if new else "",
        "thread_url": _case_url(case["reference"]) + "/meddelanden",
        "attachment_base": _case_url(case["reference"]) + "/bilagor",
        "last_id": max((message["id"] for message in new), default=after),
    }


@get(BASE + "/export.pdf", name="staff_case_pdf", guards=[staff_required])
async def case_pdf(request: Request, reference: FromPath[str]) -> Response:
    _officer, case = await _officer_and_case(request, reference, purpose="exported_pdf")
    return pdf_response(await case_handling.pdf(request.app.state.settings, case), f"arende-{reference}.pdf")


@get(BASE + "/export.json", name="staff_case_json", guards=[staff_required])
async def case_json(request: Request, reference: FromPath[str]) -> Response:
    _officer, case = await _officer_and_case(request, reference, purpose="exported_json")
    return Response(
        content=await case_handling.export(case),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="arende-{reference}.json"',
            "Cache-Control": "no-store",
        },
    )


@get(BASE + "/bilagor/{attachment_id:str}", name="staff_case_attachment", guards=[staff_required])
async def attachment(request: Request, reference: FromPath[str], attachment_id: FromPath[str]) -> Response:
    _officer, case = await _officer_and_case(request, reference, purpose="attachment_downloaded")
    row = await case_handling.attachment(case, attachment_id)
    if row is None:
        raise NotFoundException()
    return attachment_response(row)


TEMPLATES = "/handlaggare/e-tjanster/{slug:str}/mallar"


def _templates_page(service: dict, fields, values: dict, errors: dict, *, saved=False, status_code=200) -> Template:
    return Template(
        "case_handling/message_templates.html",
        context={
            "nav": "staff",
            "service": service,
            "fields": fields,
            "values": values,
            "errors": errors,
            "saved": saved,
        },
        status_code=status_code,
    )


@get(TEMPLATES, name="staff_message_templates", guards=[staff_required])
async def message_templates(
    request: Request, slug: FromPath[str], saved: Annotated[str, QueryParameter(name="sparat")] = ""
) -> Template:
    """An e-service's message templates (per status, and the delay notice), for administrators of its unit."""
    officer = await case_handling.officer_of(current_user(request))
    service, fields = await case_handling.template_editor(officer, slug)
    return _templates_page(service, fields, {f.name: f.text for f in fields}, {}, saved=bool(saved))


@post(TEMPLATES, name="staff_message_templates_save", guards=[staff_required])
async def save_message_templates(request: Request, slug: FromPath[str]) -> Response:
    officer = await case_handling.officer_of(current_user(request))
    service, fields = await case_handling.template_editor(officer, slug)
    form = await request.form()
    errors = await case_handling.save_templates(officer, service, fields, form)
    if errors:
        values = {f.name: str(form.get(f.name) or "") for f in fields}
        return _templates_page(service, fields, values, errors, status_code=400)
    return Redirect(f"/handlaggare/e-tjanster/{slug}/mallar?sparat=1", status_code=HTTP_303_SEE_OTHER)


route_handlers = [
    case_page,
    status_template,
    assign,
    delay_notice,
    change_status,
    request_supplement,
    decide,
    add_note,
    bookmark,
    send_message,
    poll,
    case_pdf,
    case_json,
    attachment,
    message_templates,
    save_message_templates,
]
