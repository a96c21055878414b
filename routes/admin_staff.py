"""The staff register in the administrators' area (/admin/personal): the list, add, change and remove (after a
confirmation). The rules are services/staff.py's, shared with cli/staff.py. Plain forms: everything works without
JavaScript. Staff are addressed by their register id, never by personal identity number (no personal data in URLs)."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from services import staff
from web.auth import admin_required, current_user, flash
from web.params import database_id

REGISTER = "/admin/personal"
NEW = REGISTER + "/ny"
MEMBER = REGISTER + "/{member_id:str}"
REMOVE = MEMBER + "/ta-bort"


def _text(value: object) -> str:
    """A posted text field; anything else (a file, nothing) is empty. NUL and other control characters go."""
    return "".join(char for char in value if char.isprintable()) if isinstance(value, str) else ""


async def _posted(request: Request) -> tuple[dict, dict]:
    """What the check reads, and the form's fields as typed (shown again beside any errors)."""
    form = await request.form()
    typed = {
        "personal_number": _text(form.get("personal_number")),
        "role": _text(form.get("role")),
        "units": [_text(value) for value in form.getall("units", [])],
        "new_unit": _text(form.get("new_unit")),
        "protected": form.get("protected") == "1",
        "valid_from": _text(form.get("valid_from")),
        "valid_to": _text(form.get("valid_to")),
    }
    return {**typed, "new_units": [typed["new_unit"]]}, typed


async def _form_page(values: dict, errors: dict, *, member: dict | None, status_code: int = 200) -> Template:
    return Template(
        "admin/staff_form.html",
        context={
            "nav": "admin",
            "member": member,
            "values": values,
            "errors": errors,
            "roles": staff.role_choices(),
            "units": await staff.units(),
            "states": staff.state_labels(),
            "formatted": staff.formatted,
        },
        status_code=status_code,
    )


async def _member(member_id: str) -> dict:
    found = await staff.member(database_id(member_id))
    if found is None:
        raise NotFoundException()
    return found


async def _done(request: Request, message: str) -> Redirect:
    await flash(current_user(request), message)
    return Redirect(REGISTER, status_code=HTTP_303_SEE_OTHER)


@get(REGISTER, name="admin_staff", guards=[admin_required])
async def register_page() -> Template:
    return Template(
        "admin/staff.html",
        context={
            "nav": "admin",
            "members": await staff.register(),
            "roles": staff.role_labels(),
            "states": staff.state_labels(),
            "masked": staff.masked,
        },
    )


@get(NEW, name="admin_staff_new", guards=[admin_required])
async def new_member_page() -> Template:
    return await _form_page(staff.form_values(None), {}, member=None)


@post(NEW, name="admin_staff_add", guards=[admin_required], request_max_body_size=64 * 1024)
async def add_member(request: Request) -> Response:
    posted, typed = await _posted(request)
    checked = await staff.check(posted, adding=True)
    if checked.errors:
        return await _form_page(typed, checked.errors, member=None, status_code=400)
    if await staff.add(checked.values, actor_id=current_user(request).id) is None:  # added by someone else meanwhile
        errors = {
            "personal_number": _("That person is already in the staff register: change them from the list instead")
        }
        return await _form_page(typed, errors, member=None, status_code=409)
    return await _done(request, _("The staff member has been added. Their rights apply from their next login."))


@get(MEMBER, name="admin_staff_member", guards=[admin_required])
async def member_page(member_id: FromPath[str]) -> Template:
    member = await _member(member_id)
    return await _form_page(staff.form_values(member), {}, member=member)


@post(MEMBER, name="admin_staff_change", guards=[admin_required], request_max_body_size=64 * 1024)
async def change_member(request: Request, member_id: FromPath[str]) -> Response:
    member = await _member(member_id)
    posted, typed = await _posted(request)
    checked = await staff.check(posted, adding=False)
    if checked.errors:
        typed["personal_number"] = member["personal_number"]
        return await _form_page(typed, checked.errors, member=member, status_code=400)
    changed = await staff.change(member["id"], checked.values, actor_id=current_user(request).id)
    if changed is None:
        raise NotFoundException()
    if not changed:
        return await _done(request, _("Nothing was changed."))
    saved = _(
        "The changes have been saved. The staff member has been logged out and gets the new rights at their next login."
    )
    return await _done(request, saved)


@get(REMOVE, name="admin_staff_remove_page", guards=[admin_required])
async def remove_page(member_id: FromPath[str]) -> Template:
    member = await _member(member_id)
    context = {"nav": "admin", "member": member, "formatted": staff.formatted, "roles": staff.role_labels()}
    return Template("admin/staff_remove.html", context=context)


@post(REMOVE, name="admin_staff_remove", guards=[admin_required])
async def remove_member(request: Request, member_id: FromPath[str]) -> Response:
    member = await _member(member_id)
    if await staff.remove(member["id"], actor_id=current_user(request).id) is None:
        raise NotFoundException()
    return await _done(request, _("The staff member has been removed from the staff register and logged out."))


route_handlers = [
    register_page,
    new_member_page,
    add_member,
    member_page,
    change_member,
    remove_page,
    remove_member,
]
