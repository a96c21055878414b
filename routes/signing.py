"""Signing an application with BankID (/ansokan/{id}/signera, /medsokande, /vantar): the applicant first, then each
co-applicant; the last signature submits it. The rules are in services/signing.py."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import PermissionDeniedException
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from core.i18n import gettext as _
from forms import engine
from integrations.bankid import BankIdError, error_message
from routes import bankid
from routes.applications import application_for
from routes.bankid import BankIdPage, bankid_status_response, finished_response, order_cookie, qr_response
from services import limits, signing
from services.applications import Application, filenames_by_field
from services.bankid import handled, order_for, wait_until_handled
from web.auth import current_user, expired_cookie, flash, login_required, rate_keys
from web.errors import SeeOther

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
ORDER_COOKIE = "bankid_sign"
ORDER_COOKIE_PATH = "/ansokan"


@get("/ansokan/{draft_id:str}/signera", name="sign_page", guards=[login_required])
async def sign_page(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, editable=True)
    if engine.check_all(app.definition, app.answers, app.context, app.files):
        return Redirect(f"/ansokan/{draft_id}/granska", status_code=HTTP_303_SEE_OTHER)
    return Template("signing/sign.html", context=_sign_context(app, "applicant"))


def _sign_context(app: Application, role: str, error: str = "") -> dict:
    return {
        "app": app,
        "service": app.service,
        "role": role,
        "error": error,
        "start_url": f"/ansokan/{app.public_id}/signera"
        if role == "applicant"
        else f"/ansokan/{app.public_id}/medsokande",
        "sections": engine.summarise(app.definition, app.answers, filenames_by_field(app.files)),
    }


@post("/ansokan/{draft_id:str}/signera", name="sign_start", guards=[login_required])
async def sign_start(request: Request, draft_id: FromPath[str], data: Annotated[dict[str, str], Form]) -> Response:
    app = await application_for(request, draft_id, editable=True)
    await limits.check("signing_start", *rate_keys(request))
    if engine.check_all(app.definition, app.answers, app.context, app.files):
        return Redirect(f"/ansokan/{draft_id}/granska", status_code=HTTP_303_SEE_OTHER)
    return await _start_order(request, app, "applicant", signing.applicant_digest(app), data)


@get("/ansokan/{draft_id:str}/medsokande", name="cosign_page", guards=[login_required])
async def cosign_page(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    if signing.role(app) == "applicant":
        return Redirect(f"/ansokan/{draft_id}/vantar", status_code=HTTP_303_SEE_OTHER)
    coapplicants = await signing.coapplicants(app)
    context = {**_sign_context(app, "coapplicant"), "coapplicants": coapplicants}
    context["already_signed"] = signing.has_signed(app.user.personal_number, coapplicants)
    context["applicant_name"] = await signing.applicant_name(app)
    return Template("signing/cosign.html", context=context)


@post("/ansokan/{draft_id:str}/medsokande", name="cosign_start", guards=[login_required])
async def cosign_start(request: Request, draft_id: FromPath[str], data: Annotated[dict[str, str], Form]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    await limits.check("signing_start", *rate_keys(request))
    if signing.role(app) != "coapplicant":
        raise PermissionDeniedException()
    if signing.has_signed(app.user.personal_number, await signing.coapplicants(app)):  # once is enough
        return Redirect(f"/ansokan/{draft_id}/medsokande", status_code=HTTP_303_SEE_OTHER)
    return await _start_order(request, app, "coapplicant", app.draft.digest, data)


async def _start_order(request: Request, app: Application, role: str, digest: str, data: dict) -> Response:
    user = current_user(request)
    settings = request.app.state.settings
    sections = engine.summarise(app.definition, app.answers, filenames_by_field(app.files))
    try:
        token = await bankid.start_order(
            request,
            purpose="sign",
            same_device=data.get("enhet") == "denna",
            next_url="",
            return_path=f"/ansokan/{app.public_id}/signera/status",
            sign_text=engine.signing_text(settings.municipality_name, app.service.title, sections, app.service.noun),
            sign_payload=engine.signing_payload(digest, app.public_id, role),
            personal_number=user.personal_number,
            draft_public_id=app.public_id,
            digest=digest,
            replacing=await order_for(request.cookies.get(ORDER_COOKIE), "sign"),
        )
    except BankIdError as error:
        template = "signing/sign.html" if role == "applicant" else "signing/cosign.html"
        context = _sign_context(app, role, error_message(error))
        context.setdefault("coapplicants", await signing.coapplicants(app))
        if role == "coapplicant":
            context["applicant_name"] = await signing.applicant_name(app)
        return Template(template, context=context, status_code=503)
    response = Redirect(f"/ansokan/{app.public_id}/signera/status", status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(order_cookie(settings, ORDER_COOKIE, token, ORDER_COOKIE_PATH))
    return response


async def _order(request: Request, draft_id: str):
    order = await order_for(request.cookies.get(ORDER_COOKIE), "sign")
    return order if order is not None and order.draft_public_id == draft_id else None


@get("/ansokan/{draft_id:str}/signera/status", name="sign_status", guards=[login_required])
async def sign_status(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    role = signing.role(app)
    order = await _order(request, draft_id)
    if order is None or order.status == "cancelled":
        return finished_response(request, _after_signing_url(app, role))
    state = await bankid.poll(request, order) if order.status != "complete" else None
    if state is None or state.status == "complete":
        if state is not None and state.completion is not None:
            target = await _signed(request, app, role, order, state.completion)
            await handled(order, target)
        else:  # another poll (a second tab, or polls that crossed) took the signature: go where it sends them
            target = await wait_until_handled(request.cookies.get(ORDER_COOKIE), "sign")
            target = target or await _signed_elsewhere(request, app, role)
        response = finished_response(request, target)
        response.set_cookie(expired_cookie(request.app.state.settings, ORDER_COOKIE, ORDER_COOKIE_PATH))
        return response
    page = BankIdPage(
        title=_("Sign with BankID"),
        failed_title=_("The signing did not go through"),
        lead=_("You sign “%(title)s”.") % {"title": app.service.title},
        status_url=f"/ansokan/{draft_id}/signera/status",
        qr_url=f"/ansokan/{draft_id}/signera/qr",
        cancel_url=f"/ansokan/{draft_id}/signera/avbryt",
        retry_url=f"/ansokan/{draft_id}/signera" if role == "applicant" else f"/ansokan/{draft_id}/medsokande",
        choose_url=f"/ansokan/{draft_id}/signera" if role == "applicant" else f"/ansokan/{draft_id}/medsokande",
        retry_fields={"enhet": "denna" if order.same_device else "annan"},
    )
    return await bankid_status_response(request, order, state, page)


async def _signed_elsewhere(request: Request, app: Application, role: str) -> str:
    """Where to go when the poll that took the signature never said: the receipt or case page if the application
    went in, else as after signing."""
    await application_for(request, app.public_id, coapplicant_may_read=True, with_files=False)  # SeeOther if sent
    return _after_signing_url(app, role)


def _after_signing_url(app: Application, role: str) -> str:
    return f"/ansokan/{app.public_id}/vantar" if role == "applicant" else f"/ansokan/{app.public_id}/medsokande"


async def _signed(request: Request, app: Application, role: str, order, completion) -> str:
    """Where the signer goes once BankID has the signature."""
    user = current_user(request)
    signed = await signing.record(app, user, order, completion)
    if signed.outcome == "gone":  # submitted meanwhile
        return f"/ansokan/{app.public_id}/kvittens"
    if signed.outcome == "changed":
        return f"/ansokan/{app.public_id}/granska"  # changed meanwhile: check and sign again
    if signed.outcome == "stale":
        return f"/ansokan/{app.public_id}/medsokande"
    if signed.outcome == "waiting":
        return _after_signing_url(app, role)
    if role == "applicant":
        return f"/ansokan/{app.public_id}/kvittens"
    # The last co-applicant's signature sent the application: tell them, on the case they can now follow.
    message = _("You have signed. The application has been sent with reference number %(reference)s.")
    await flash(user, message % {"reference": signed.reference})
    return f"/mina-sidor/arenden/{signed.reference}"


@get("/ansokan/{draft_id:str}/signera/qr", name="sign_qr", guards=[login_required])
async def sign_qr(request: Request, draft_id: FromPath[str]) -> Response:
    try:
        await application_for(request, draft_id, coapplicant_may_read=True, with_files=False)  # 404 for strangers
    except SeeOther:  # sent meanwhile: the status poll leads on (once), the code just stops
        return qr_response(None)
    return qr_response(await _order(request, draft_id))


@post("/ansokan/{draft_id:str}/signera/avbryt", name="sign_cancel", guards=[login_required])
async def sign_cancel(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    order = await _order(request, draft_id)
    if order is not None:
        await bankid.cancel(request, order)
    target = f"/ansokan/{draft_id}/granska" if signing.role(app) == "applicant" else f"/ansokan/{draft_id}/medsokande"
    response = Redirect(target, status_code=HTTP_303_SEE_OTHER)
    response.set_cookie(expired_cookie(request.app.state.settings, ORDER_COOKIE, ORDER_COOKIE_PATH))
    return response


@get("/ansokan/{draft_id:str}/vantar", name="awaiting_signatures", guards=[login_required])
async def waiting(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id)
    if app.draft.status != "awaiting_signatures":
        return Redirect(f"/ansokan/{draft_id}", status_code=HTTP_303_SEE_OTHER)
    return Template(
        "signing/waiting.html",
        context={"app": app, "service": app.service, "coapplicants": await signing.coapplicants(app)},
    )


@post("/ansokan/{draft_id:str}/medsokande/avboj", name="cosign_decline", guards=[login_required])
async def decline(request: Request, draft_id: FromPath[str]) -> Response:
    app = await application_for(request, draft_id, coapplicant_may_read=True)
    if signing.role(app) != "coapplicant":
        raise PermissionDeniedException()
    form = await request.form()
    reason = str(form.get("reason") or "")
    if not await signing.decline(app, reason):
        # Having signed, they cannot take it back here (that would void everyone's signatures): say so.
        return Redirect(f"/ansokan/{draft_id}/medsokande", status_code=HTTP_303_SEE_OTHER)
    if reason.strip():
        confirmation = _(
            "You have declined to sign. The application has gone back to the applicant, who can see your reason."
        )
    else:
        confirmation = _("You have declined to sign. The application has gone back to the applicant.")
    await flash(current_user(request), confirmation)
    return Redirect("/mina-sidor", status_code=HTTP_303_SEE_OTHER)


route_handlers = [
    sign_page,
    sign_start,
    cosign_page,
    cosign_start,
    sign_status,
    sign_qr,
    sign_cancel,
    waiting,
    decline,
]
