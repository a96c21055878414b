"""Mina sidor: the resident's private space. Every route here needs a logged-in user."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from db import accounts, cases
from db.notices import NOTICE_KINDS, notice_label
from forms.validators import FieldError, display_phone, email_address, mobile_number
from web import my_cases
from web.applications import attachment_response, receipt_pdf, sections_of_case
from web.auth import current_user, login_required
from web.pagination import parse_page_number

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


@get("/mina-sidor", name="my_pages", guards=[login_required])
async def overview(request: Request) -> Template:
    user = current_user(request)
    groups = await my_cases.overview_groups(user, request.app.state.settings)
    return Template("my_pages/overview.html", context={"nav": "my_pages", "groups": groups})


@get("/mina-sidor/arenden", name="my_cases", guards=[login_required])
async def case_list(
    request: Request,
    group: Annotated[str, QueryParameter(name="grupp")] = "pagaende",
    page_number: Annotated[str, QueryParameter(name="sida")] = "1",
) -> Template:
    user = current_user(request)
    group = group if group in my_cases.LIST_GROUPS else "pagaende"
    page = await my_cases.group_page(
        user, group, parse_page_number(page_number), my_cases.PAGE_SIZE, request.app.state.settings
    )
    return Template(
        "my_pages/cases.html",
        context={
            "nav": "my_pages",
            "group": group,
            "groups": my_cases.LIST_GROUPS,
            "page": page,
            "page_url": lambda number: f"/mina-sidor/arenden?{urlencode({'grupp': group, 'sida': number})}",
        },
    )


@get("/mina-sidor/arenden/{reference:str}", name="my_case", guards=[login_required])
async def case_page(
    request: Request,
    reference: FromPath[str],
    messages: Annotated[str, QueryParameter(name="meddelanden")] = "",
) -> Template:
    user = current_user(request)
    case = await my_cases.visible_case(request, user, reference)
    context = await my_cases.case_page_context(request, user, case, all_messages=messages == "alla")
    await my_cases.mark_officer_messages_read(case, context["messages"])
    return Template("my_pages/case.html", context=context)


@get("/mina-sidor/arenden/{reference:str}/kvitto.pdf", name="my_case_receipt", guards=[login_required])
async def case_receipt(request: Request, reference: FromPath[str]) -> Response:
    user = current_user(request)
    case = await my_cases.visible_case(request, user, reference)
    service = (await request.app.state.catalogue.get()).service_by_id(case["e_service"])
    pdf = await receipt_pdf(
        request,
        case_id=case["id"],
        reference=case["reference"],
        received_at=case["received_at"],
        service=service,
        sections=await sections_of_case(case["id"], case["form_version"], case["answers"]),
        applicant_name=user.name if case["applicant"] == user.id else None,
    )
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="kvitto-{reference}.pdf"', "Cache-Control": "no-store"},
    )


@get(
    "/mina-sidor/arenden/{reference:str}/bilagor/{attachment_id:str}",
    name="my_case_attachment",
    guards=[login_required],
)
async def case_attachment(request: Request, reference: FromPath[str], attachment_id: FromPath[str]) -> Response:
    case = await my_cases.visible_case(request, current_user(request), reference)
    row = await cases.attachment_of_case(case["id"], attachment_id)
    if row is None:
        raise NotFoundException()
    return attachment_response(row)


@get("/mina-sidor/uppgifter", name="my_details", guards=[login_required])
async def details(request: Request, saved: Annotated[str, QueryParameter(name="sparat")] = "") -> Template:
    account = current_user(request).account
    values = {
        "email": account["email"],
        "phone": display_phone(account["phone"]),
        "notices_off": _json_list(account["notices_off"]),
    }
    return Template("my_pages/details.html", context=_details_context(account, values, {}, saved=bool(saved)))


@post("/mina-sidor/uppgifter", name="my_details_save", guards=[login_required])
async def save_details(request: Request) -> Response:
    account = current_user(request).account
    form = await request.form()
    wanted = set(form.getall("notices", []))
    values = {
        "email": str(form.get("email") or "").strip(),
        "phone": str(form.get("phone") or "").strip(),
        "notices_off": [kind for kind in NOTICE_KINDS if kind not in wanted],
    }
    errors: dict[str, str] = {}
    cleaned = {}
    for field, validate in (("email", email_address), ("phone", mobile_number)):
        try:
            cleaned[field] = validate(values[field]) if values[field] else ""
        except FieldError as error:
            errors[field] = error.message
    if errors:
        context = _details_context(account, values, errors, saved=False)
        return Template("my_pages/details.html", context=context, status_code=400)
    await accounts.update_contact_details(
        account["id"], cleaned["email"], cleaned["phone"], notices_off=values["notices_off"]
    )
    return Redirect("/mina-sidor/uppgifter?sparat=1", status_code=HTTP_303_SEE_OTHER)


def _json_list(value) -> list:
    return json.loads(value) if isinstance(value, str) else list(value or [])


def _details_context(account, values: dict, errors: dict, saved: bool) -> dict:
    return {
        "notices": [(kind, notice_label(kind)) for kind in NOTICE_KINDS],
        "nav": "my_pages",
        "account": account,
        "values": values,
        "errors": errors,
        "saved": saved,
        "title": _("My details"),
    }


route_handlers = [overview, case_list, case_page, case_receipt, case_attachment, details, save_details]
