"""Mina organisationer: the companies and associations a resident may act for, as the company register says."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from core.identity_numbers import InvalidIdentityNumber, parse_organisation_number
from db import accounts, audit
from web.auth import current_user, login_required

PAGE = "/mina-sidor/organisationer"


async def _context(request: Request, *, errors: dict | None = None, value: str = "", added: str = "") -> dict:
    user = current_user(request)
    register = request.app.state.company_register
    mine = await accounts.organisations_of(user.id)
    known = {organisation["organisation_number"] for organisation in mine}
    suggestions = [
        record
        for record in await register.organisations_of(user.personal_number)
        if record.active and record.organisation_number not in known
    ]
    return {
        "nav": "my_pages",
        "organisations": mine,
        "suggestions": suggestions,
        "errors": errors or {},
        "value": value,
        "added": added,
    }


@get(PAGE, name="my_organisations", guards=[login_required])
async def organisations(request: Request) -> Template:
    user = current_user(request)
    await accounts.drop_lapsed_representations(user.id, user.personal_number, request.app.state.company_register)
    return Template("my_pages/organisations.html", context=await _context(request))


@post(PAGE, name="my_organisations_add", guards=[login_required])
async def add_organisation(request: Request) -> Response:
    user = current_user(request)
    form = await request.form()
    typed = str(form.get("organisation_number") or "").strip()[:20]
    try:
        number = parse_organisation_number(typed).value
    except InvalidIdentityNumber as error:
        context = await _context(request, errors={"organisation_number": error.message}, value=typed)
        return Template("my_pages/organisations.html", context=context, status_code=400)
    record = await request.app.state.company_register.lookup(number)
    problem = None
    if record is None:
        problem = _("We could not find the organisation in the company register. Check the number.")
    elif not record.active:
        problem = _("The organisation is deregistered, so nobody can act for it.")
    elif not record.may_sign(user.personal_number):
        problem = _("You are not a signatory of %(name)s according to the company register.") % {"name": record.name}
    if problem:
        context = await _context(request, errors={"organisation_number": problem}, value=typed)
        return Template("my_pages/organisations.html", context=context, status_code=400)
    organisation_id = await accounts.add_representation(user.id, number, record.name, clock.now())
    await audit.record("representation.added", actor_id=user.id, target=f"organisation:{organisation_id}")
    return Redirect(f"{PAGE}?tillagd={number}", status_code=HTTP_303_SEE_OTHER)


@post(PAGE + "/{organisation_id:int}/ta-bort", name="my_organisations_remove", guards=[login_required])
async def remove_organisation(request: Request, organisation_id: FromPath[int]) -> Response:
    user = current_user(request)
    if await accounts.remove_representation(user.id, organisation_id):
        await audit.record("representation.removed", actor_id=user.id, target=f"organisation:{organisation_id}")
    return Redirect(PAGE, status_code=HTTP_303_SEE_OTHER)


route_handlers = [organisations, add_organisation, remove_organisation]
