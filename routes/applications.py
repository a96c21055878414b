"""Filling in an application: start, the steps, attachments, check answers, signing, co-signing, receipt.

A draft's address (/ansokan/{id}/...) answers 404 to everyone but its owner (or, for e-services without login, the
browser holding its cookie), so staff and other users cannot tell that it exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie, UploadFile
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core import clock
from core.errors import TooMany
from core.i18n import format_datetime
from core.i18n import gettext as _
from core.nouns import for_noun
from forms import engine
from forms.definition import Field
from forms.fields import coapplicant_slots, input_id
from services import applications, limits, organisations
from services.applications import Application, Seen, filenames_by_field
from services.catalogue import EServiceView
from web.auth import LoginRequired, current_user, expired_cookie, flash, login_url, rate_keys
from web.downloads import attachment_response, pdf_response
from web.errors import SeeOther
from web.htmx import wants_fragment
from web.params import parse_int

MAX_UPLOAD_BYTES = 60 * 1024 * 1024  # the largest field limit (50 MB) plus the rest of the form


def _form_data(form: Mapping[str, Any]) -> tuple[dict[str, list[str]], dict[str, list[UploadFile]]]:
    """Posted values by name (several for checkboxes) and uploaded files by field, from a multi-dict."""
    values: dict[str, list[str]] = {}
    files: dict[str, list[UploadFile]] = {}
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if value.filename:
                files.setdefault(name, []).append(value)
        else:
            values.setdefault(name, []).append(str(value))
    return values, files


async def _published_service(request: Request, slug: str) -> EServiceView:
    service = (await request.app.state.catalogue.get()).service(slug)
    if service is None:
        raise NotFoundException()
    return service


STEP_FORM = "application-form"  # the id of a step's form, which a login keeps (see LoginRequired)


async def application_for(request: Request, draft_id: str, *, typed: bool = False, **options) -> Application:
    """The application behind /ansokan/{draft_id} for this visitor. `typed`: the request carries what the resident
    typed on a step (answers, files).

    Once the application has become a case, its old addresses (every GET, and `typed` posts, which are told that
    their changes were not saved) lead to the receipt, or for a co-applicant to the case page. A visitor without a
    login (nor the cookie of an application made without one) is asked to log in: the owner whose session ended,
    and anyone else, at any address, so a stranger learns nothing from it; htmx requests that are `typed` get the
    page's "logged out" panel instead of leaving the page. Anyone else who may not reach it gets 404."""
    user = current_user(request)
    anonymous_cookie = request.cookies.get(applications.anonymous_cookie_name(draft_id))
    settings = request.app.state.settings
    try:
        return await applications.application_for(
            await request.app.state.catalogue.get(), settings, user, draft_id, anonymous_cookie, **options
        )
    except applications.NotReachable:
        if request.method in ("GET", "HEAD") or typed:
            case_url = await applications.became_case_at(settings, user, draft_id, anonymous_cookie)
            if case_url is not None:
                if typed and user is not None:
                    await flash(
                        user, _("The application had already been sent. What you changed after that was not saved.")
                    )
                raise SeeOther(case_url) from None
        if user is None and anonymous_cookie is None:
            next_path = None if request.method in ("GET", "HEAD") else f"/ansokan/{draft_id}"
            raise LoginRequired(next_path=next_path, keep_form=STEP_FORM if typed else "") from None
        raise


async def case_for_receipt(request: Request, draft_id: str):
    """The case the draft became, for its receipt; a visitor without a login is asked to log in, as on the draft's
    addresses."""
    user = current_user(request)
    anonymous_cookie = request.cookies.get(applications.anonymous_cookie_name(draft_id))
    try:
        return await applications.case_for_receipt(request.app.state.settings, user, draft_id, anonymous_cookie)
    except applications.NotReachable:
        if user is None and anonymous_cookie is None:
            raise LoginRequired() from None
        raise


async def _notices(request: Request, service: EServiceView):
    """The operating notices the start shows now, and the one that closes the e-service for new applications."""
    catalogue = await request.app.state.catalogue.get()
    now = clock.now()
    return catalogue.service_notices(service.id, now), catalogue.closed_by(service.id, now)


@get("/e-tjanster/{slug:str}/starta", name="start_application")
async def start_page(request: Request, slug: FromPath[str]) -> Response:
    """The start; while an operating notice closes the e-service, it says so and offers only a saved application."""
    service = await _published_service(request, slug)
    if not await applications.has_form(service):
        raise SeeOther(f"{service.url}#how-to-apply")  # its page says how to apply instead
    user = current_user(request)
    if service.requires_login and user is None:
        raise LoginRequired()
    notices, closed = await _notices(request, service)
    return Template(
        "applications/start.html",
        context={
            "service": service,
            "existing": await applications.existing_draft(user, service),
            "organisations": await organisations.represented(user.id) if user else [],
            "notices": notices,
            "closed": closed,
        },
    )


@post("/e-tjanster/{slug:str}/starta", name="start_application_post", request_max_body_size=64 * 1024)
async def start_application(request: Request, slug: FromPath[str]) -> Response:
    service = await _published_service(request, slug)
    if not await applications.has_form(service):
        raise SeeOther(f"{service.url}#how-to-apply")
    user = current_user(request)
    if service.requires_login and user is None:
        raise LoginRequired()
    form = await request.form()
    address_key, session_key = rate_keys(request)
    await limits.check("application_start", address_key, session_key)
    notices, closed = await _notices(request, service)
    try:
        started = await applications.start(
            request.app.state.settings,
            service,
            user,
            action=str(form.get("action") or ""),
            organisation_id=parse_int(form.get("for")),
            visitor_key=session_key,
            closed=closed is not None,
        )
    except applications.ClosedForNew as refused:
        context = {
            "service": service,
            "existing": await applications.existing_draft(user, service),
            "organisations": [],
            "notices": notices,
            "closed": closed,
        }
        return Template("applications/start.html", context=context, status_code=refused.status_code)
    response = Redirect(f"/ansokan/{started.public_id}", status_code=HTTP_303_SEE_OTHER)
    if started.anonymous_cookie:
        settings = request.app.state.settings
        response.set_cookie(
            Cookie(
                key=applications.anonymous_cookie_name(started.public_id),
                value=started.anonymous_cookie,
                path=f"/ansokan/{started.public_id}",
                httponly=True,
                samesite="lax",
                secure=settings.secure_cookies,
            )
        )
    return response


@get("/ansokan/{draft_id:str}", name="application")
async def resume(request: Request, draft_id: FromPath[str]) -> Response:
    """Continue where the resident left off (services.applications.resume_path)."""
    app = await application_for(request, draft_id)
    if app.draft.status == "awaiting_signatures":
        return Redirect(f"/ansokan/{draft_id}/vantar", status_code=HTTP_303_SEE_OTHER)
    return Redirect(applications.resume_path(app), status_code=HTTP_303_SEE_OTHER)


def _step_context(
    app: Application,
    step,
    *,
    errors=None,
    upload_errors=None,
    revealed=(),
    return_to="",
    seen: Seen | None = None,
    stale=(),
    held=False,
) -> dict:
    """`seen`: what the page is to say it shows (by default the answers as of now); `stale`: questions whose answers
    the post did not save because another page had changed them; `held`: the answers shown are what the resident
    posted while logged out, not yet saved."""
    position, total = engine.step_position(app.definition, app.answers, step)
    previous = engine.previous_step(app.definition, app.answers, step.id)
    visible = app.definition.visible_fields(step, app.answers)
    return {
        "app": app,
        "service": app.service,
        "step": step,
        "fields": step.fields,
        "visible_ids": {f.id for f in visible},
        "answers": app.answers,
        "files": app.files,
        "position": position,
        "total": total,
        "back_url": (
            f"/ansokan/{app.public_id}/granska"
            if return_to == "granska"
            else f"/ansokan/{app.public_id}/steg/{previous.id}"
            if previous
            else f"/e-tjanster/{app.service.slug}/starta"
        ),
        "errors": errors or {},
        "upload_errors": upload_errors or {},
        "revealed": [app.definition.field(field_id) for field_id in revealed],
        "return_to": return_to,
        "input_id": input_id,
        "coapplicant_slots": coapplicant_slots,
        "can_save": app.can_save,
        "deleted_on": app.deleted_on,
        "seen": applications.seen_field(seen or app.seen_now()),
        "stale": stale,
        "held": held,
        "step_form": STEP_FORM,
    }


def _visible_step(app: Application, step_id: str):
    step = app.definition.step(step_id)
    if step is None:
        raise NotFoundException()
    if step not in app.definition.visible_steps(app.answers):
        return None
    return step


@get("/ansokan/{draft_id:str}/steg/{step_id:str}", name="application_step")
async def step_page(
    request: Request,
    draft_id: FromPath[str],
    step_id: FromPath[str],
    return_to: Annotated[str, QueryParameter(name="tillbaka")] = "",
) -> Response:
    app = await application_for(request, draft_id, editable=True)
    step = _visible_step(app, step_id)
    if step is None:
        return Redirect(f"/ansokan/{draft_id}", status_code=HTTP_303_SEE_OTHER)
    held_cookie = applications.held_cookie_name(draft_id)
    held = await applications.take_held(app, step.id, request.cookies.get(held_cookie))
    if held is None:
        return Template("applications/step.html", context=_step_context(app, step, return_to=_granska(return_to)))
    # Back from logging in again: the page shows what they had posted (unsaved, checked like autosave), as the
    # page they posted it from showed it, so a save is checked against what that page showed.
    outcome = engine.read_step(app.definition, step, held, app.answers, app.context, files=app.files, shown=None)
    context = _step_context(
        app.showing(outcome.answers),
        step,
        return_to=_granska((held.get("return_to") or [""])[0]),
        seen=applications.seen_from((held.get("_seen") or [""])[0]),
        held=True,
    )
    response = Template("applications/step.html", context=context)
    response.set_cookie(expired_cookie(request.app.state.settings, held_cookie, f"/ansokan/{draft_id}"))
    return response


def _granska(value: str | None) -> str:
    return "granska" if value == "granska" else ""


@post(
    "/ansokan/{draft_id:str}/steg/{step_id:str}",
    name="application_step_post",
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def step_post(request: Request, draft_id: FromPath[str], step_id: FromPath[str]) -> Response:
    try:
        app = await application_for(request, draft_id, editable=True, typed=True)
    except LoginRequired:
        return await _hold_until_logged_in(request, draft_id, step_id)
    step = app.definition.step(step_id)
    if step is None:
        raise NotFoundException()
    values, uploads = _form_data(await request.form())
    action = (values.get("action") or ["continue"])[0]
    return_to = _granska((values.get("return_to") or [""])[0])
    upload_errors = await _attach(request, app, step, uploads)
    shown = set((values.get("shown") or [""])[0].split(",")) if "shown" in values else None
    outcome = engine.read_step(
        app.definition,
        step,
        values,
        app.answers,
        app.context,
        files=app.files,
        shown=shown,
        validate=action == "continue",
    )
    moving_to = ""
    if action == "continue" and not upload_errors and outcome.complete:
        following = engine.next_step(app.definition, outcome.answers, step.id)
        moving_to = applications.CHECK_ANSWERS if return_to == "granska" or following is None else following.id
    seen = applications.seen_from((values.get("_seen") or [""])[0])
    stale = await app.save(outcome.answers, seen=seen, step=step.id, moving_to=moving_to)
    if stale:
        # Another page changed these answers after this one was shown: nothing it saved is overwritten unseen.
        errors = {**upload_errors, **_stale_errors(app, stale, outcome.answers)}
        context = _step_context(app, step, errors=errors, upload_errors=upload_errors, return_to=return_to)
        return Template("applications/step.html", context=context, status_code=409)
    if action == "save" and app.can_save:
        await flash(current_user(request), for_noun(app.service.noun, "Your application has been saved."))
        return Redirect("/mina-sidor", status_code=HTTP_303_SEE_OTHER)
    if not moving_to:
        errors = {**upload_errors, **outcome.errors}
        context = _step_context(
            app, step, errors=errors, upload_errors=upload_errors, revealed=outcome.revealed, return_to=return_to
        )
        return Template("applications/step.html", context=context, status_code=400 if errors else 200)
    if moving_to == applications.CHECK_ANSWERS:
        return Redirect(f"/ansokan/{draft_id}/granska", status_code=HTTP_303_SEE_OTHER)
    return Redirect(f"/ansokan/{draft_id}/steg/{moving_to}", status_code=HTTP_303_SEE_OTHER)


def _stale_errors(app: Application, stale: list[Field], posted: dict) -> dict[str, str]:
    """Beside each question another page changed: that the saved answer is shown, and what this page had."""
    errors = {}
    for f in stale:
        message = _(
            "This answer was changed in another window or tab after you opened this page. The saved answer is "
            "shown; what you wrote here was not saved."
        )
        written = " ".join(engine.display_lines(f, posted.get(f.id)))
        if written:
            message += " " + _("You wrote: %(answer)s") % {"answer": _shortened(written)}
        errors[input_id(f)] = message
    return errors


def _shortened(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def _hold_until_logged_in(request: Request, draft_id: str, step_id: str) -> Response:
    """A step posted without a login (the owner's session ended while the page was open): keep what it says for
    this browser, and come back to the step once logged in, where it is shown again."""
    values, _uploads = _form_data(await request.form())
    back = f"/ansokan/{draft_id}/steg/{step_id}"
    response = Redirect(login_url(back, logged_out=True), status_code=HTTP_303_SEE_OTHER)
    cookie = applications.held_cookie_name(draft_id)
    token = await applications.hold(draft_id, step_id, values, request.cookies.get(cookie))
    if token is None:
        return response
    settings = request.app.state.settings
    response.set_cookie(
        Cookie(
            key=cookie,
            value=token,
            path=f"/ansokan/{draft_id}",
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
        )
    )
    return response


async def _attach(request: Request, app: Application, step, uploads: dict[str, list[UploadFile]]) -> dict[str, str]:
    """Check and store the files posted for the step's file fields; returns messages by input id (a file over the
    upload limit is one of them: the answers posted with it are kept)."""
    errors: dict[str, str] = {}
    for f in step.fields:
        if f.type != "file":
            continue
        for upload in uploads.get(f.id, []):
            try:
                message = await _attach_one(request, app, f, upload)
            except TooMany as too_many:
                message = too_many.user_message
            if message:
                errors[input_id(f)] = message
    return errors


async def _attach_one(request: Request, app: Application, f: Field, upload: UploadFile) -> str | None:
    await limits.check("upload", *rate_keys(request))
    return await applications.attach(app, f, upload.filename or "", await upload.read())


@post("/ansokan/{draft_id:str}/autospara", name="application_autosave", request_max_body_size=256 * 1024)
async def autosave(request: Request, draft_id: FromPath[str]) -> Response:
    """While the user types: keep the answers, and show or hide the fields whose conditions changed."""
    app = await application_for(request, draft_id, editable=True, with_files=False, typed=True)
    values, _uploads = _form_data(await request.form())
    step = app.definition.step((values.get("step") or [""])[0])
    if step is None:
        raise NotFoundException()
    before = {f.id for f in app.definition.visible_fields(step, app.answers)}
    # Checked like a step post, errors left for the post to show: valid answers are stored normalised, so an autosave
    # that lands after "Fortsätt" (they race when leaving a field) stores what the post stored.
    outcome = engine.read_step(app.definition, step, values, app.answers, app.context, files=app.files, shown=None)
    changes = app.changes(outcome.answers)
    stale = []
    if changes:  # focus moves and tabbing fire events too: write only what is new
        seen = applications.seen_from((values.get("_seen") or [""])[0])
        stale = await app.save(outcome.answers, seen=seen, step=step.id)
    saved = bool(changes) and len(stale) < len(changes)
    after = {f.id for f in app.definition.visible_fields(step, app.answers)}
    changed = [f for f in step.fields if (f.id in before) != (f.id in after)]
    context = {
        **_step_context(app, step, stale=stale),
        "changed": changed,
        "appeared": [f for f in changed if f.id in after],
        "disappeared": [f for f in changed if f.id not in after],
        "saved_at": format_datetime(clock.now(), "HH.mm") if app.can_save and saved else "",
    }
    return Template("applications/_autosave.html", context=context)


@post(
    "/ansokan/{draft_id:str}/bilagor/{field_id:str}",
    name="application_upload",
    request_max_body_size=MAX_UPLOAD_BYTES,
)
async def upload(request: Request, draft_id: FromPath[str], field_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, editable=True, typed=True)
    try:
        f = app.definition.field(field_id)
    except KeyError:
        raise NotFoundException() from None
    if f.type != "file":
        raise NotFoundException()
    _values, uploads = _form_data(await request.form())
    try:
        messages = [m for m in [await _attach_one(request, app, f, file) for file in uploads.get(f.id, [])] if m]
    except TooMany as too_many:
        if not wants_fragment(request):
            raise
        response = _file_field(app, f, error=too_many.user_message)
        response.status_code = too_many.status_code
        response.headers["Retry-After"] = str(too_many.retry_after)
        return response
    if not uploads.get(f.id):
        messages.append(_("Choose a file to upload"))
    if not wants_fragment(request):
        step = next(step for step in app.definition.steps if f in step.fields)
        context = _step_context(app, step, errors={input_id(f): " ".join(messages)} if messages else {})
        return Template("applications/step.html", context=context, status_code=400 if messages else 200)
    return _file_field(app, f, error=" ".join(messages), uploaded=not messages)


def _file_field(app: Application, f: Field, *, error: str = "", uploaded: bool = False, removed: bool = False):
    """The file field after an htmx upload or removal, focus back on its (fresh) input."""
    return Template(
        "applications/_file_field.html",
        context={
            "app": app,
            "f": f,
            "id": input_id(f),
            "error": error,
            "uploaded": uploaded,
            "removed": removed,
            "focus": True,
        },
        status_code=400 if error else 200,
    )


@post("/ansokan/{draft_id:str}/bilagor/{attachment_id:str}/ta-bort", name="application_remove_attachment")
async def remove_attachment(request: Request, draft_id: FromPath[str], attachment_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, editable=True, typed=True)
    field_id = next(
        (a["field_id"] for items in app.files.values() for a in items if str(a["public_id"]) == attachment_id), None
    )
    if field_id is None or not await applications.remove_attachment(app, attachment_id):
        raise NotFoundException()
    await app.reload_files()
    f = app.definition.field(field_id)
    if wants_fragment(request):
        return _file_field(app, f, removed=True)
    step = next(step for step in app.definition.steps if f in step.fields)
    return Redirect(f"/ansokan/{draft_id}/steg/{step.id}#{input_id(f)}", status_code=HTTP_303_SEE_OTHER)


@get("/ansokan/{draft_id:str}/bilagor/{attachment_id:str}", name="application_attachment")
async def attachment(request: Request, draft_id: FromPath[str], attachment_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    row = await applications.attachment(app, attachment_id)
    if row is None:
        raise NotFoundException()
    return attachment_response(row)


@get("/ansokan/{draft_id:str}/granska", name="application_check")
async def check_page(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, editable=True)
    problems = engine.check_all(app.definition, app.answers, app.context, app.files)
    return Template("applications/check.html", context=_check_context(app, problems))


def _check_context(app: Application, problems: dict[str, dict[str, str]], *, submitted: bool = False) -> dict:
    """`problems` (by step and input id) mark their answers; `submitted`: a refused submission, shown as errors."""
    return {
        "app": app,
        "service": app.service,
        "sections": engine.summarise(app.definition, app.answers, filenames_by_field(app.files)),
        "problems": problems,
        "submitted": submitted,
        "back_url": f"/ansokan/{app.public_id}/steg/{app.definition.visible_steps(app.answers)[-1].id}",
    }


@post("/ansokan/{draft_id:str}/granska", name="application_check_post")
async def check_post(request: Request, draft_id: FromPath[str]) -> Response:
    try:
        app = await application_for(request, draft_id, editable=True)
    except applications.NotReachable:
        # A retry of a submission that went through (double click, second tab, a lost response): its receipt,
        # for whoever may see that receipt.
        await case_for_receipt(request, draft_id)
        return Redirect(f"/ansokan/{draft_id}/kvittens", status_code=HTTP_303_SEE_OTHER)
    problems = engine.check_all(app.definition, app.answers, app.context, app.files)
    if problems:
        return Template(
            "applications/check.html", context=_check_context(app, problems, submitted=True), status_code=400
        )
    if app.service.requires_signing:
        return Redirect(f"/ansokan/{draft_id}/signera", status_code=HTTP_303_SEE_OTHER)
    await applications.submit_application(app)
    return Redirect(f"/ansokan/{draft_id}/kvittens", status_code=HTTP_303_SEE_OTHER)


@get("/ansokan/{draft_id:str}/kvittens", name="application_receipt")
async def receipt(request: Request, draft_id: FromPath[str]) -> Template:
    case = await case_for_receipt(request, draft_id)
    service = (await request.app.state.catalogue.get()).service_by_id(case.e_service)
    sections = await applications.sections_of_case(case.id, case.form_version, case.answers)
    return Template("applications/receipt.html", context={"case": case, "service": service, "sections": sections})


@get("/ansokan/{draft_id:str}/kvittens.pdf", name="application_receipt_pdf")
async def receipt_pdf(request: Request, draft_id: FromPath[str]) -> Response:
    case = await case_for_receipt(request, draft_id)
    user = current_user(request)
    pdf = await applications.receipt_pdf(
        request.app.state.settings,
        case_id=case.id,
        reference=case.reference,
        received_at=case.received_at,
        service=(await request.app.state.catalogue.get()).service_by_id(case.e_service),
        sections=await applications.sections_of_case(case.id, case.form_version, case.answers),
        applicant_name=user.name if user and user.id == case.applicant else None,
    )
    return pdf_response(pdf, f"kvitto-{case.reference}.pdf")


@get("/ansokan/{draft_id:str}/ta-bort", name="application_delete_page")
async def delete_page(request: Request, draft_id: FromPath[str]) -> Template:
    app = await application_for(request, draft_id, with_files=False)
    return Template("applications/delete.html", context={"app": app, "service": app.service})


@post("/ansokan/{draft_id:str}/ta-bort", name="application_delete")
async def delete_application(request: Request, draft_id: FromPath[str]) -> Response:
    """The owner deletes a saved application, also one waiting for co-applicants (their signing ends with it).
    A submitted application is a case, which the resident cannot delete: its draft is gone, so this answers 404."""
    app = await application_for(request, draft_id, with_files=False)
    await applications.delete(app)
    user = current_user(request)
    if user is None:
        return Redirect(app.service.url, status_code=HTTP_303_SEE_OTHER)
    await flash(
        user, for_noun(app.service.noun, "The saved application %(title)s has been deleted.", title=app.service.title)
    )
    return Redirect("/mina-sidor", status_code=HTTP_303_SEE_OTHER)


route_handlers = [
    start_page,
    start_application,
    resume,
    step_page,
    step_post,
    autosave,
    upload,
    remove_attachment,
    attachment,
    check_page,
    check_post,
    delete_page,
    delete_application,
    receipt,
    receipt_pdf,
]
