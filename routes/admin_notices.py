"""Operating notices in the administrators' area (/admin/driftmeddelanden): the list (current, coming, past),
create, edit, end now and delete. Plain forms: everything works without JavaScript."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.i18n import gettext as _
from services import admin_notices
from web.auth import admin_required, current_user, flash
from web.params import database_id

NOTICES = "/admin/driftmeddelanden"
NEW = NOTICES + "/nytt"
NOTICE = NOTICES + "/{notice_id:str}"
END = NOTICE + "/avsluta"
DELETE = NOTICE + "/ta-bort"
PAST_SHOWN = 50


async def _posted(request: Request) -> dict[str, str]:
    form = await request.form()
    return {name: value if isinstance(value := form.get(name), str) else "" for name in admin_notices.FIELDS}


async def _form_page(values: dict, errors: dict, *, notice: dict | None, status_code: int = 200) -> Template:
    return Template(
        "admin/notice_form.html",
        context={
            "nav": "admin",
            "notice": notice,
            "values": values,
            "errors": errors,
            "scopes": await admin_notices.scope_choices(),
            "levels": admin_notices.level_choices(),
        },
        status_code=status_code,
    )


async def _notice(notice_id: str) -> dict:
    row = await admin_notices.notice(database_id(notice_id))
    if row is None:
        raise NotFoundException()
    return row


async def _saved(request: Request, message: str) -> Redirect:
    request.app.state.catalogue.invalidate()  # this process shows the change at once; the others at their next check
    await flash(current_user(request), message)
    return Redirect(NOTICES, status_code=HTTP_303_SEE_OTHER)


@get(NOTICES, name="admin_notices", guards=[admin_required])
async def notices_page() -> Template:
    now = clock.now()
    groups = await admin_notices.grouped(now)
    return Template(
        "admin/notices.html",
        context={
            "nav": "admin",
            "groups": groups,
            "past": groups["past"][:PAST_SHOWN],
            "past_hidden": max(0, len(groups["past"]) - PAST_SHOWN),
            "levels": dict(admin_notices.level_choices()),
        },
    )


@get(NEW, name="admin_notice_new", guards=[admin_required])
async def new_notice_page() -> Template:
    return await _form_page(admin_notices.form_values(None, now=clock.now()), {}, notice=None)


@post(NEW, name="admin_notice_create", guards=[admin_required], request_max_body_size=64 * 1024)
async def create_notice(request: Request) -> Response:
    posted = await _posted(request)
    checked = await admin_notices.check(posted, now=clock.now())
    if checked.errors:
        return await _form_page(posted, checked.errors, notice=None, status_code=400)
    await admin_notices.create(current_user(request).id, checked.values)
    return await _saved(request, _("The operating notice has been saved."))


@get(NOTICE, name="admin_notice", guards=[admin_required])
async def edit_notice_page(notice_id: FromPath[str]) -> Template:
    notice = await _notice(notice_id)
    return await _form_page(admin_notices.form_values(notice, now=clock.now()), {}, notice=notice)


@post(NOTICE, name="admin_notice_save", guards=[admin_required], request_max_body_size=64 * 1024)
async def save_notice(request: Request, notice_id: FromPath[str]) -> Response:
    notice = await _notice(notice_id)
    posted = await _posted(request)
    checked = await admin_notices.check(posted, now=clock.now())
    if checked.errors:
        return await _form_page(posted, checked.errors, notice=notice, status_code=400)
    if not await admin_notices.update(current_user(request).id, notice["id"], checked.values):
        raise NotFoundException()
    return await _saved(request, _("The operating notice has been saved."))


@post(END, name="admin_notice_end", guards=[admin_required])
async def end_notice(request: Request, notice_id: FromPath[str]) -> Response:
    notice = await _notice(notice_id)
    if not await admin_notices.end_now(current_user(request).id, notice["id"], clock.now()):
        return await _saved(request, _("The operating notice was not shown, so there was nothing to end."))
    return await _saved(request, _("The operating notice has been ended. It is no longer shown."))


@get(DELETE, name="admin_notice_delete_page", guards=[admin_required])
async def delete_notice_page(notice_id: FromPath[str]) -> Template:
    return Template("admin/notice_delete.html", context={"nav": "admin", "notice": await _notice(notice_id)})


@post(DELETE, name="admin_notice_delete", guards=[admin_required])
async def delete_notice(request: Request, notice_id: FromPath[str]) -> Response:
    notice = await _notice(notice_id)
    if not await admin_notices.delete(current_user(request).id, notice["id"]):
        raise NotFoundException()
    return await _saved(request, _("The operating notice has been deleted."))


route_handlers = [
    notices_page,
    new_notice_page,
    create_notice,
    edit_notice_page,
    save_notice,
    end_notice,
    delete_notice_page,
    delete_notice,
]
