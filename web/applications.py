"""An application in progress as the handlers see it: the draft with its e-service, form definition, answers and
files, who may reach it, and submission. Glue between the request, db/drafts.py, db/cases.py and forms/."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import NotFoundException

from core import clock
from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _
from core.settings import Settings
from db import accounts, cases, drafts, sessions
from db.applications import CaseRecord
from db.catalogue_index import EServiceView
from db.drafts import DraftRecord as Draft
from forms import engine
from forms.definition import Field, FormDefinition
from forms.fields import Context
from forms.receipt_pdf import receipt_pdf as build_receipt_pdf
from forms.uploads import CheckedFile, UploadRejected, check_upload
from forms.validators import display_phone
from web.auth import CurrentUser, current_user

ANONYMOUS_COOKIE = "ansokan"


def today() -> date:
    return clock.now().astimezone(LOCAL_TIMEZONE).date()


@dataclass
class Application:
    draft: Draft
    service: EServiceView
    definition: FormDefinition
    version: int
    user: CurrentUser | None
    settings: Settings | None = None
    files: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def public_id(self) -> str:
        return str(self.draft.public_id)

    @property
    def answers(self) -> dict[str, Any]:
        return self.draft.answers

    @property
    def context(self) -> Context:
        return Context(today=today(), own_personal_number=self.user.personal_number if self.user else None)

    @property
    def can_save(self) -> bool:
        """Saving to continue later needs an account and an e-service that allows drafts."""
        return self.user is not None and self.service.allows_drafts

    async def save(self, answers: dict[str, Any]) -> None:
        await drafts.save_answers(self.draft, answers, clock.now())

    async def reload_files(self) -> None:
        self.files = drafts.by_field(await drafts.attachments_of(self.draft.id))


async def application_for(
    request: Request,
    public_id: str,
    *,
    editable: bool = False,
    coapplicant_may_read: bool = False,
    with_files: bool = True,
) -> Application:
    """The application behind /ansokan/{id}, or 404 for anyone who may not reach it (a stranger cannot tell a
    draft from a missing one). `editable`: only the owner, and only while it is not waiting for signatures."""
    draft = await drafts.draft_by_public_id(public_id)
    if draft is None:
        raise NotFoundException()
    if cases.signing_time_is_up(draft, clock.now()):  # whoever comes first after the deadline ends co-signing
        await cases.end_cosigning(draft.id, draft.owner, clock.now())
        draft = await drafts.draft_by_public_id(public_id)
    user = current_user(request)
    if not _may_reach(request, draft, user):
        if not (coapplicant_may_read and user and await _is_coapplicant(draft, user)):
            raise NotFoundException()
    elif editable and draft.status != "draft":
        raise NotFoundException()
    service = (await request.app.state.catalogue.get()).service_by_id(draft.e_service)
    if service is None:  # unpublished since the draft began
        raise NotFoundException()
    definition, version = await drafts.definition_of(draft.form_version)
    app = Application(draft, service, definition, version, user, request.app.state.settings)
    if with_files and definition.file_fields:
        await app.reload_files()
    return app


def _may_reach(request: Request, draft: Draft, user: CurrentUser | None) -> bool:
    if draft.owner is not None:
        return user is not None and user.id == draft.owner
    token = request.cookies.get(ANONYMOUS_COOKIE)
    return bool(token) and sessions.hash_token(token) == draft.anonymous_key


async def _is_coapplicant(draft: Draft, user: CurrentUser) -> bool:
    if draft.status != "awaiting_signatures":
        return False
    return any(c["personal_number"] == user.personal_number for c in await drafts.coapplicants_of(draft.id))


def prefilled_answers(definition: FormDefinition, user: CurrentUser | None) -> dict[str, Any]:
    """Answers known from the account: contact details, the registered address (never for protected identity)."""
    if user is None:
        return {}
    account = user.account
    known = {
        "name": user.name,
        "email": account["email"],
        "phone": display_phone(account["phone"]),
        "personnummer": user.personal_number,
        "address": None
        if user.protected_identity or not account["street"]
        else {
            "care_of": account["care_of"],
            "street": account["street"],
            "postal_code": account["postal_code"],
            "city": account["city"],
        },
    }
    answers = {}
    for step in definition.steps:
        for f in step.fields:
            if f.prefill and known.get(f.prefill):
                answers[f.id] = known[f.prefill]
    return answers


def filenames_by_field(files: dict[str, list[dict]]) -> dict[str, list[str]]:
    return {field_id: [a["filename"] for a in items] for field_id, items in files.items()}


def canonical(app: Application, coapplicants: list[str]) -> tuple[dict[str, Any], bytes]:
    answers = app.definition.visible_answers(app.answers)
    files = app.definition.visible_files(app.files, app.answers)
    attachments = [(a["field_id"], a["filename"], a["sha256"]) for items in files.values() for a in items]
    document = engine.canonical_submission(
        service_slug=app.service.slug,
        form_version=app.version,
        answers=answers,
        attachments=attachments,
        applicant=app.user.personal_number if app.user else None,
        coapplicants=coapplicants,
    )
    return answers, document


def coapplicant_numbers(app: Application) -> list[str]:
    answers = app.definition.visible_answers(app.answers)
    return [
        number
        for step in app.definition.steps
        for f in step.fields
        if f.type == "coapplicants"
        for number in answers.get(f.id) or []
    ]


async def submit_application(request: Request, app: Application) -> CaseRecord:
    """Submit an application that needs no signature."""
    _answers, document = canonical(app, coapplicant_numbers(app))
    return await _submit(app, app.draft, engine.digest(document))


async def submit_signed(request: Request, app: Application, draft: Draft, digest: str) -> CaseRecord:
    """Submit once every signature is in: the digest is the one all of them signed."""
    return await _submit(app, draft, digest)


async def _submit(app: Application, draft: Draft, digest: str) -> CaseRecord:
    owner = await accounts.account_by_id(draft.owner) if draft.owner else None
    coapplicants = [c["personal_number"] for c in await drafts.coapplicants_of(draft.id)]
    return await cases.submit(
        draft,
        answers=app.definition.visible_answers(draft.answers),
        file_fields=set(
            app.definition.visible_files(drafts.by_field(await drafts.attachments_of(draft.id)), draft.answers)
        ),
        digest=digest,
        protected=bool(owner and owner.protected_identity) or await accounts.any_protected(coapplicants),
        now=clock.now(),
        # Anonymous: the browser's application cookie opens the receipt too (a second submit changes nothing).
        receipt_key=draft.anonymous_key,
        notify_email=owner.email if owner else "",
    )


async def case_for_receipt(request: Request, public_id: str) -> CaseRecord:
    """The case a draft became, for its applicant (or the browser that submitted it anonymously); 404 otherwise."""
    try:
        source = uuid.UUID(public_id)
    except ValueError:
        raise NotFoundException() from None
    case = await cases.case_from_draft(source)
    if case is None:
        raise NotFoundException()
    user = current_user(request)
    if case.applicant is not None:
        if user is None or user.id != case.applicant:
            raise NotFoundException()
    else:
        token = request.cookies.get(ANONYMOUS_COOKIE)
        if not token or not case.receipt_key or sessions.hash_token(token) != case.receipt_key:
            raise NotFoundException()
    return case


def case_sections(definition, answers: dict, form_files: list[dict]) -> list[engine.Section]:
    """A case's answers as summary sections, with the names of the files sent with the form."""
    return engine.summarise(definition, answers, filenames_by_field(drafts.by_field(form_files)))


async def sections_of_case(case_id: int, form_version_id: int, answers: dict) -> list[engine.Section]:
    definition, _version = await drafts.definition_of(form_version_id)
    form_files = [a for a in await cases.attachments_of_case(case_id) if a["field_id"]]
    return case_sections(definition, answers, form_files)


async def receipt_for(request: Request, public_id: str) -> tuple[CaseRecord, EServiceView, list[engine.Section]]:
    case = await case_for_receipt(request, public_id)
    service = (await request.app.state.catalogue.get()).service_by_id(case.e_service)
    return case, service, await sections_of_case(case.id, case.form_version, case.answers)


async def receipt_pdf(
    request: Request,
    *,
    case_id: int,
    reference: str,
    received_at,
    service: EServiceView | None,
    sections: list[engine.Section],
    applicant_name: str | None,
) -> bytes:
    settings = request.app.state.settings
    attachments = await cases.attachments_of_case(case_id)
    return build_receipt_pdf(
        municipality=settings.municipality_name,
        contact_phone=settings.contact_phone,
        contact_email=settings.contact_email,
        service_title=service.title if service else "",
        reference=reference,
        received_at=received_at,
        applicant_name=applicant_name,
        sections=[(s.step.title, [(row.field.label, "\n".join(row.lines)) for row in s.rows]) for s in sections],
        attachments=[a["filename"] for a in attachments if a["field_id"]],
        signatures=[
            (signature["name"], signature["signed_at"]) for signature in await cases.signatures_of_case(case_id)
        ],
        next_steps=next_steps_text(service),
    )


async def receipt_pdf_for(request: Request, public_id: str) -> tuple[CaseRecord, bytes]:
    case, service, sections = await receipt_for(request, public_id)
    user = current_user(request)
    pdf = await receipt_pdf(
        request,
        case_id=case.id,
        reference=case.reference,
        received_at=case.received_at,
        service=service,
        sections=sections,
        applicant_name=user.name if user and user.id == case.applicant else None,
    )
    return case, pdf


def next_steps_text(service: EServiceView | None) -> str:
    text = _("Your case is now with the municipality. A case officer will handle it.")
    if service and service.processing_time:
        text += " " + _("Processing time: %(time)s") % {"time": service.processing_time}
    if service and service.requires_login:
        text += " " + _("Follow the case on My pages.")
    return text


def attachment_response(row: dict) -> Response:
    """A stored file as a download: never shown inline, never sniffed, never cached."""
    return Response(
        content=bytes(row["content"]),
        media_type=row["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row['filename'])}",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


# Files sent with a message or a supplement: the same checks by content as in the form.
CONVERSATION_FILES = Field(
    id="files", type="file", label="", max_files=5, max_size_mb=10, accept=("pdf", "jpg", "png", "heic", "docx")
)


async def check_files(uploads: list) -> tuple[list[tuple[CheckedFile, bytes]], str]:
    """Read and check uploaded files; returns the accepted ones with their content, or the first problem."""
    accepted: list[tuple[CheckedFile, bytes]] = []
    for upload in uploads:
        data = await upload.read()
        try:
            accepted.append((check_upload(data, upload.filename or "", CONVERSATION_FILES, len(accepted)), data))
        except UploadRejected as rejected:
            return [], _("%(file)s: %(message)s") % {
                "file": upload.filename or _("The file"),
                "message": rejected.message,
            }
    return accepted, ""


async def store_files(
    case_id: int,
    checked: list[tuple[CheckedFile, bytes]],
    *,
    message_id: int | None = None,
    supplement_id: int | None = None,
) -> None:
    for file, data in checked:
        await cases.add_case_attachment(
            case_id, file, data, message_id=message_id, supplement_id=supplement_id, now=clock.now()
        )
