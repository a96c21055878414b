"""Mina sidor: the resident's private space. Every route here needs a logged-in user."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from services import applications, my_pages
from services.messages import mark_officer_messages_read
from web.auth import current_user, login_required
from web.downloads import attachment_response, pdf_response
from web.pagination import parse_page_number


@get("/mina-sidor", name="my_pages", guards=[login_required])
async def overview(request: Request) -> Template:
    user = current_user(request)
    groups = await my_pages.overview_groups(user, request.app.state.settings)
    return Template("my_pages/overview.html", context={"nav": "my_pages", "groups": groups})


@get("/mina-sidor/arenden", name="my_cases", guards=[login_required])
async def case_list(
    request: Request,
    group: Annotated[str, QueryParameter(name="grupp")] = "pagaende",
    page_number: Annotated[str, QueryParameter(name="sida")] = "1",
) -> Template:
    user = current_user(request)
    group = group if group in my_pages.LIST_GROUPS else "pagaende"
    page = await my_pages.group_page(
        user, group, parse_page_number(page_number), my_pages.PAGE_SIZE, request.app.state.settings
    )
    return Template(
        "my_pages/cases.html",
        context={
            "nav": "my_pages",
            "group": group,
            "groups": my_pages.LIST_GROUPS,
            "page": page,
            "page_url": lambda number: f"/mina-sidor/arenden?{urlencode({'grupp': group, 'sida': number})}",
        },
    )


@get("/mina-sidor/arenden/{reference:str}", name="my_case", guards=[login_required])
async def case_page(
    request: Request,
    reference: FromPath[str],
    messages: Annotated[str, QueryParameter(name="meddelanden")] = "",
    sent: Annotated[str, QueryParameter(name="skickat")] = "",
) -> Template:
    """The case page; `?skickat=1` (after sending a message without JavaScript) says that the message was sent."""
    user = current_user(request)
    case = await my_pages.visible_case(user, reference)
    context = await my_pages.case_page_context(
        request.app.state.settings,
        await request.app.state.catalogue.get(),
        user,
        case,
        all_messages=messages == "alla",
    )
    await mark_officer_messages_read(case, context["messages"])
    return Template("my_pages/case.html", context={**context, "message_sent": bool(sent)})


@get("/mina-sidor/arenden/{reference:str}/kvitto.pdf", name="my_case_receipt", guards=[login_required])
async def case_receipt(request: Request, reference: FromPath[str]) -> Response:
    user = current_user(request)
    case = await my_pages.visible_case(user, reference)
    pdf = await applications.receipt_pdf(
        request.app.state.settings,
        case_id=case["id"],
        reference=case["reference"],
        received_at=case["received_at"],
        service=(await request.app.state.catalogue.get()).service_by_id(case["e_service"]),
        sections=await applications.sections_of_case(case["id"], case["form_version"], case["answers"]),
        applicant_name=user.name if case["applicant"] == user.id else None,
    )
    return pdf_response(pdf, f"kvitto-{case['reference']}.pdf")


@get(
    "/mina-sidor/arenden/{reference:str}/bilagor/{attachment_id:str}",
    name="my_case_attachment",
    guards=[login_required],
)
async def case_attachment(request: Request, reference: FromPath[str], attachment_id: FromPath[str]) -> Response:
    case = await my_pages.visible_case(current_user(request), reference)
    row = await my_pages.attachment(case, attachment_id)
    if row is None:
        raise NotFoundException()
    return attachment_response(row)


@get("/mina-sidor/uppgifter", name="my_details", guards=[login_required])
async def details(request: Request, saved: Annotated[str, QueryParameter(name="sparat")] = "") -> Template:
    account = current_user(request).account
    values = my_pages.contact_details(account)
    return Template("my_pages/details.html", context=_details_context(account, values, {}, saved=bool(saved)))


@post("/mina-sidor/uppgifter", name="my_details_save", guards=[login_required])
async def save_details(request: Request) -> Response:
    account = current_user(request).account
    form = await request.form()
    values = {
        "email": str(form.get("email") or "").strip(),
        "phone": str(form.get("phone") or "").strip(),
        "notices": form.getall("notices", []),
    }
    values, errors = await my_pages.save_contact_details(account["id"], values)
    if errors:
        context = _details_context(account, values, errors, saved=False)
        return Template("my_pages/details.html", context=context, status_code=400)
    return Redirect("/mina-sidor/uppgifter?sparat=1", status_code=HTTP_303_SEE_OTHER)


def _details_context(account, values: dict, errors: dict, saved: bool) -> dict:
    return {
        "notices": my_pages.notice_choices(),
        "nav": "my_pages",
        "account": account,
        "values": values,
        "errors": errors,
        "saved": saved,
        "title": _("My details"),
    }


route_handlers = [overview, case_list, case_page, case_receipt, case_attachment, details, save_details]
