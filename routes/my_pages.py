"""Mina sidor: the resident's private space. Every route here needs a logged-in user."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from db import accounts, cases, drafts
from forms.validators import FieldError, display_phone, email_address, mobile_number
from web.auth import current_user, login_required

Form = Body(media_type=RequestEncodingType.URL_ENCODED)


@get("/mina-sidor", name="my_pages", guards=[login_required])
async def overview(request: Request) -> Template:
    user = current_user(request)
    settings = request.app.state.settings
    saved = [
        {**draft, "deleted_on": drafts.deletion_date(draft["last_activity_at"], draft["retention_days"], settings)}
        for draft in await drafts.drafts_of(user.id)
    ]
    return Template(
        "my_pages/overview.html",
        context={
            "nav": "my_pages",
            "to_sign": await cases.drafts_awaiting(user.personal_number),
            "saved": saved,
            "ongoing": await cases.cases_of(user.id, closed=False),
            "closed": await cases.cases_of(user.id, closed=True),
        },
    )


@get("/mina-sidor/uppgifter", name="my_details", guards=[login_required])
async def details(request: Request, saved: Annotated[str, QueryParameter(name="sparat")] = "") -> Template:
    account = current_user(request).account
    values = {"email": account["email"], "phone": display_phone(account["phone"])}
    return Template("my_pages/details.html", context=_details_context(account, values, {}, saved=bool(saved)))


@post("/mina-sidor/uppgifter", name="my_details_save", guards=[login_required])
async def save_details(request: Request, data: Annotated[dict[str, str], Form]) -> Response:
    account = current_user(request).account
    values = {"email": data.get("email", "").strip(), "phone": data.get("phone", "").strip()}
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
    await accounts.update_contact_details(account["id"], cleaned["email"], cleaned["phone"])
    return Redirect("/mina-sidor/uppgifter?sparat=1", status_code=HTTP_303_SEE_OTHER)


def _details_context(account, values: dict, errors: dict, saved: bool) -> dict:
    return {
        "nav": "my_pages",
        "account": account,
        "values": values,
        "errors": errors,
        "saved": saved,
        "title": _("My details"),
    }


route_handlers = [overview, details, save_details]
