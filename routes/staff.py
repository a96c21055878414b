"""An officer's own settings (/handlaggare/installningar): which e-mail notices they want; for an administrator,
links to the message templates of their units' e-services."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from services import staff
from services.case_handling import officer_of, template_services
from web.auth import current_user, staff_required

PAGE = "/handlaggare/installningar"


@get(PAGE, name="staff_settings", guards=[staff_required])
async def settings_page(request: Request, saved: Annotated[str, QueryParameter(name="sparat")] = "") -> Template:
    user = current_user(request)
    officer = await officer_of(user)
    return Template(
        "staff/settings.html",
        context={
            "nav": "staff",
            "choices": await staff.notice_choices(user.personal_number),
            "saved": bool(saved),
            "template_services": await template_services(officer),
        },
    )


@post(PAGE, name="staff_settings_save", guards=[staff_required])
async def save_settings(request: Request) -> Response:
    user = current_user(request)
    await officer_of(user)
    form = await request.form()
    await staff.save_notice_choices(
        user.personal_number,
        new_case=str(form.get("nya-arenden") or ""),
        activity=form.get("handelser") == "ja",
        deadline=form.get("handlaggningstid") == "ja",
    )
    return Redirect(f"{PAGE}?sparat=1", status_code=HTTP_303_SEE_OTHER)


route_handlers = [settings_page, save_settings]
