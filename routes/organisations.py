"""Mina organisationer: the companies and associations a resident may act for, as the company register says."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from services import organisations
from services.organisations import RepresentationRefused
from web.auth import current_user, login_required
from web.params import database_id

PAGE = "/mina-sidor/organisationer"


async def _context(request: Request, *, errors: dict | None = None, value: str = "") -> dict:
    user = current_user(request)
    mine, suggestions, register_state = await organisations.overview(
        user.id, user.personal_number, request.app.state.company_register
    )
    return {
        "nav": "my_pages",
        "organisations": mine,
        "suggestions": suggestions,
        "register_state": register_state,
        "errors": errors or {},
        "value": value,
    }


@get(PAGE, name="my_organisations", guards=[login_required])
async def organisations_page(request: Request) -> Template:
    user = current_user(request)
    await organisations.drop_lapsed_representations(user.id, user.personal_number, request.app.state.company_register)
    return Template("organisations/organisations.html", context=await _context(request))


@post(PAGE, name="my_organisations_add", guards=[login_required])
async def add_organisation(request: Request) -> Response:
    user = current_user(request)
    form = await request.form()
    typed = str(form.get("organisation_number") or "").strip()[:20]
    try:
        number = await organisations.add(user.id, user.personal_number, typed, request.app.state.company_register)
    except RepresentationRefused as refused:
        context = await _context(request, errors={"organisation_number": refused.message}, value=typed)
        return Template("organisations/organisations.html", context=context, status_code=400)
    return Redirect(f"{PAGE}?tillagd={number}", status_code=HTTP_303_SEE_OTHER)


@post(PAGE + "/{organisation_id:str}/ta-bort", name="my_organisations_remove", guards=[login_required])
async def remove_organisation(request: Request, organisation_id: FromPath[str]) -> Response:
    await organisations.remove(current_user(request).id, database_id(organisation_id))
    return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)


route_handlers = [organisations_page, add_organisation, remove_organisation]
