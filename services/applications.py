"""Applications in progress: starting one, who may reach a draft, its answers and files, and submission (which
makes it a case). The rules of /ansokan/...; db/applications.py holds the drafts, db/cases.py the cases."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from core import clock
from core.errors import DomainError, NotFound
from core.i18n import LOCAL_TIMEZONE
from core.i18n import gettext as _
from core.nouns import DEFAULT_NOUN
from core.settings import Settings
from core.text import normalise
from core.tokens import hash_token, new_token
from db import accounts, applications, cases, catalogue, my_pages, organisations, signing
from db.applications import DraftRecord as Draft
from db.applications import Seen
from db.cases import CaseRecord
from forms import engine
from forms.definition import Field, FormDefinition
from forms.fields import Context
from forms.receipt_pdf import receipt_pdf as build_receipt_pdf
from forms.uploads import UploadRejected, check_upload
from forms.validators import display_phone
from services import limits
from services.catalogue import CatalogueIndex, EServiceView

if TYPE_CHECKING:
    from web.auth import CurrentUser

# An anonymous draft belongs to the browser holding its cookie: one per draft, named after it and scoped to its
# address (so starting another application never replaces it). The cookie ends with the browser; its signature also
# ends it after a day, so an old copy opens nothing.
ANONYMOUS_COOKIE_MAX_AGE = timedelta(days=1)
# All files of one application together (a field allows at most 50 MB per file): room for a whole building permit,
# not for filling the database from a script.
DRAFT_MAX_BYTES = 100 * 1024 * 1024


def anonymous_cookie_name(public_id: str) -> str:
    return f"ansokan-{public_id}"


class NotReachable(NotFound):
    """No such application for this visitor: answered like a page that does not exist, so a stranger cannot tell a
    draft from a missing one."""


def today() -> date:
    return clock.now().astimezone(LOCAL_TIMEZONE).date()


@dataclass
class Application:
    draft: Draft
    service: EServiceView
    definition: FormDefinition
    version: int
    user: CurrentUser | None
    settings: Settings
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

    @property
    def deleted_on(self) -> datetime:
        return draft_deletion_date(self.draft.last_activity_at, self.service.retention_days_draft, self.settings)

    def changes(self, answers: dict[str, Any]) -> dict[str, Any]:
        """The answers that differ from those this request read."""
        return {key: value for key, value in answers.items() if self.answers.get(key) != value}

    def seen_now(self) -> Seen:
        """What a page rendered now shows: the answers as of now, from a page of its own."""
        return Seen(self.draft.answers_version, secrets.token_urlsafe(9))

    async def save(
        self, answers: dict[str, Any], *, seen: Seen | None = None, step: str = "", moving_to: str = ""
    ) -> list[Field]:
        """Store what changed against the answers this request read, and count it as activity; the resident left
        off at `moving_to` (a step id or "granska"), or at `step` when something stops them there. Answers to other
        questions that another tab saved meanwhile stay. With `seen` (what the posting page showed), an answer that
        another page changed after it was shown is not overwritten: those questions are returned, and the resident
        stays at `step`. `self.answers` becomes what the database now holds."""
        stale = await applications.save_answers(
            self.draft, self.changes(answers), clock.now(), seen=seen, step=step, moving_to=moving_to
        )
        return [f for step_ in self.definition.steps for f in step_.fields if f.id in stale]

    def showing(self, answers: dict[str, Any]) -> Application:
        """This application as a page shows it with `answers` that are not saved (yet)."""
        return dataclasses.replace(self, draft=dataclasses.replace(self.draft, answers=answers))

    async def reload_files(self) -> None:
        self.files = applications.by_field(await applications.attachments_of(self.draft.id))


CHECK_ANSWERS = "granska"  # where the resident left off when it is the check page rather than a step


def resume_path(app: Application) -> str:
    """Where an application continues: the step the resident last saved or continued to (or the check page), if the
    answers still show it; else its first step."""
    base = f"/ansokan/{app.public_id}"
    steps = app.definition.visible_steps(app.answers)
    if app.draft.current_step == CHECK_ANSWERS:
        return f"{base}/granska"
    step = next((s for s in steps if s.id == app.draft.current_step), steps[0])
    return f"{base}/steg/{step.id}"


def seen_from(value: str | None) -> Seen | None:
    """What the posting page showed, from its `_seen` field ("version.page"); None when it sent none (or garbage)."""
    match = _SEEN.fullmatch(value or "")
    return Seen(int(match[1]), match[2]) if match else None


_SEEN = re.compile(r"([0-9]{1,9})\.([A-Za-z0-9_-]{1,32})")


def seen_field(seen: Seen) -> str:
    return f"{seen.version}.{seen.page}"


def draft_deletion_date(last_activity: datetime, retention_days: int | None, settings: Settings) -> datetime:
    return last_activity + timedelta(days=retention_days or settings.default_retention_days_draft)


class _ClockSigner(TimestampSigner):
    def get_timestamp(self) -> int:  # the project's clock, which tests can move
        return int(clock.now().timestamp())


def _anonymous_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="anonymous-draft", signer=_ClockSigner)


def anonymous_cookie_value(settings: Settings, public_id: str, token: str) -> str:
    """The cookie that opens one anonymous draft (and, once submitted, its receipt): the draft's id and a random
    token, signed; the database keeps only the token's hash."""
    return _anonymous_serializer(settings).dumps([public_id, token])


def anonymous_key(settings: Settings, public_id: str, cookie: str | None) -> str:
    """The hashed token of the draft's cookie, if the cookie is genuine, recent and made for this draft; '' if not."""
    if not cookie:
        return ""
    try:
        signed_id, token = _anonymous_serializer(settings).loads(
            cookie, max_age=int(ANONYMOUS_COOKIE_MAX_AGE.total_seconds())
        )
    except (BadSignature, ValueError, TypeError):
        return ""
    return hash_token(token) if signed_id == public_id and isinstance(token, str) else ""


async def application_for(
    catalogue_index: CatalogueIndex,
    settings: Settings,
    user: CurrentUser | None,
    public_id: str,
    anonymous_cookie: str | None,
    *,
    editable: bool = False,
    coapplicant_may_read: bool = False,
    with_files: bool = True,
) -> Application:
    """The application behind /ansokan/{id}, or NotReachable for anyone who may not reach it. `editable`: only the
    owner, and only while it is not waiting for signatures."""
    draft = await applications.draft_by_public_id(public_id)
    if draft is None:
        raise NotReachable()
    owner = _is_owner(settings, draft, user, anonymous_cookie)
    if not owner and not (coapplicant_may_read and user and await _is_coapplicant(draft, user)):
        raise NotReachable()
    # Whoever may see it and comes first after the co-signing deadline ends co-signing (see also jobs/cosigning.py).
    if await end_cosigning_if_time_is_up(draft):
        draft = await applications.draft_by_public_id(public_id)
        if draft is None or not (owner or await _is_coapplicant(draft, user)):
            raise NotReachable()
    if editable and (not owner or draft.status != "draft"):
        raise NotReachable()
    service = catalogue_index.service_by_id(draft.e_service)
    if service is None:  # unpublished since the draft began
        raise NotReachable()
    definition, version = await applications.definition_of(draft.form_version)
    app = Application(draft, service, definition, version, user, settings)
    if with_files and definition.file_fields:
        await app.reload_files()
    return app


def _is_owner(settings: Settings, draft: Draft, user: CurrentUser | None, anonymous_cookie: str | None) -> bool:
    if draft.owner is not None:
        return user is not None and user.id == draft.owner
    key = anonymous_key(settings, str(draft.public_id), anonymous_cookie)
    return bool(key) and key == draft.anonymous_key


async def _is_coapplicant(draft: Draft, user: CurrentUser | None) -> bool:
    if user is None or draft.status != "awaiting_signatures":
        return False
    return any(c["personal_number"] == user.personal_number for c in await signing.coapplicants_of(draft.id))


async def end_cosigning_if_time_is_up(draft: Draft) -> bool:
    from services.signing import end_cosigning, signing_time_is_up

    if not signing_time_is_up(draft, clock.now()):
        return False
    return await end_cosigning(draft.id, draft.owner)


# A session that ends while a step is open (idle timeout, or logging out in another tab): what the page posts next
# is held for the browser that posted it, and shown on the step again once the owner has logged in there.

HELD_FOR = timedelta(hours=1)  # time enough to log in again
MAX_HELD_CHARACTERS = 256 * 1024  # more than any step's text answers, and no more is kept for an unknown visitor


def held_cookie_name(public_id: str) -> str:
    return f"kvar-{public_id}"


async def hold(public_id: str, step_id: str, form: dict[str, list[str]], token: str | None) -> str | None:
    """Keep what a visitor without a login posted to a step; returns the token of the browser's cookie (a token it
    already has is reused), None for an address that cannot be a draft's. Kept only for a saved draft that needs a
    login, but the answer is the same for any draft's address, so a stranger learns nothing from it."""
    parsed = applications.parse_public_id(public_id)
    if parsed is None or str(parsed) != public_id:
        return None
    token = token if token and len(token) <= 64 else new_token()
    form = {name: values for name, values in form.items() if name != "_csrf_token"}
    draft = await applications.draft_by_public_id(public_id)
    if (
        draft is not None
        and draft.owner is not None
        and draft.status == "draft"
        and sum(len(name) + sum(map(len, values)) for name, values in form.items()) <= MAX_HELD_CHARACTERS
    ):
        await applications.hold_answers(draft.id, step_id[:40], hash_token(token), form, clock.now())
    return token


async def take_held(app: Application, step_id: str, token: str | None) -> dict[str, list[str]] | None:
    """What this browser posted to the step while logged out (within the hour), for its owner; taken once."""
    if not token:
        return None
    return await applications.take_held_answers(app.draft.id, step_id, hash_token(token), clock.now() - HELD_FOR)


async def forget_held() -> int:
    """Delete what was held for a login that never came (for the session clean-up job); returns how many."""
    return await applications.delete_old_held_answers(clock.now() - HELD_FOR)


# Starting an application.


class NoForm(NotFound):
    """The e-service has no published form yet."""


class ClosedForNew(DomainError):
    """An operating notice closes the e-service for new applications; drafts already started go on."""

    status_code = 409


@dataclass(frozen=True)
class Started:
    public_id: str
    anonymous_cookie: str = ""  # for an anonymous draft: the value of the cookie that opens it
    resumed: bool = False  # an existing saved application was continued instead


async def has_form(service: EServiceView) -> bool:
    return await applications.latest_form_version(service.id) is not None


async def existing_draft(user: CurrentUser | None, service: EServiceView) -> Draft | None:
    """The user's saved application of this e-service, which the start page offers to continue."""
    if user is None or not service.allows_drafts:
        return None
    return await applications.open_draft(user.id, service.id)


async def start(
    settings: Settings,
    service: EServiceView,
    user: CurrentUser | None,
    *,
    action: str,
    organisation_id: int | None,
    visitor_key: str = "",
    closed: bool = False,
) -> Started:
    """Start an application (or continue the saved one, unless `action` is "new"). `organisation_id`: the
    organisation the user chose to apply for (ignored unless they represent it). `visitor_key` (the session or the
    browser): the "Populära" ranking counts one start per visitor, e-service and day, not every post. `closed`: an
    operating notice closes the e-service for new applications; a saved one is continued, nothing new is started
    (ClosedForNew), and the saved one is not deleted to make room."""
    version = await applications.latest_form_version(service.id)
    if version is None:
        raise NoForm()
    now = clock.now()
    if user is not None:
        existing = await applications.open_draft(user.id, service.id)
        if existing is not None:
            if service.allows_drafts and action != "new":
                return Started(str(existing.public_id), resumed=True)
            if closed:
                raise ClosedForNew()
            if existing.status == "draft":
                await applications.delete_draft(existing.id)
    if closed:
        raise ClosedForNew()
    definition, _version = await applications.definition_of(version.id)
    if user is None or organisation_id is None or not await organisations.represents(user.id, organisation_id):
        organisation_id = None
    token = "" if user else new_token()
    draft = await applications.create_draft(
        owner_id=user.id if user else None,
        anonymous_key=hash_token(token) if token else "",
        e_service_id=service.id,
        form_version_id=version.id,
        answers=prefilled_answers(definition, user),
        organisation_id=organisation_id,
        now=now,
    )
    if await limits.first_today(f"start:{service.id}", visitor_key):
        await catalogue.count_start(service.id)
    public_id = str(draft.public_id)
    return Started(public_id, anonymous_cookie_value(settings, public_id, token) if token else "")


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


# Attachments of a draft.


async def attach(app: Application, f: Field, filename: str, data: bytes) -> str | None:
    """Check a file by its content and keep it with the draft; returns what is wrong with it, if anything."""
    digest = hashlib.sha256(data).hexdigest()
    if any(a["sha256"] == digest for a in app.files.get(f.id, [])):
        return None  # the same file posted again (a browser that kept it in the input after uploading it)
    try:
        checked = check_upload(data, filename, f, already_attached=len(app.files.get(f.id, [])))
    except UploadRejected as rejected:
        return _("%(file)s: %(message)s") % {"file": filename or _("The file"), "message": rejected.message}
    kept = await applications.add_attachment(
        app.draft.id,
        f.id,
        filename=checked.filename,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        content=data,
        now=clock.now(),
        quota=DRAFT_MAX_BYTES,
    )
    if not kept:
        return _(
            "%(file)s: the application's files may be at most %(size)s MB together. Remove a file you do not need, "
            "or make the file smaller."
        ) % {"file": filename or _("The file"), "size": DRAFT_MAX_BYTES // (1024 * 1024)}
    await app.reload_files()
    return None


async def remove_attachment(app: Application, public_id: str) -> bool:
    return await applications.remove_attachment(app.draft.id, public_id)


async def attachment(app: Application, public_id: str) -> dict | None:
    """A file of the draft with its content."""
    return await applications.attachment_content(app.draft.id, public_id)


async def delete(app: Application) -> None:
    """The owner deletes their saved application, also one waiting for co-applicants (their signing ends with it).
    A submitted application is a case, which the resident cannot delete."""
    await applications.delete_draft(app.draft.id)


def filenames_by_field(files: dict[str, list[dict]]) -> dict[str, list[str]]:
    return {field_id: [a["filename"] for a in items] for field_id, items in files.items()}


# Submission.


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


async def submit_application(app: Application) -> CaseRecord:
    """Submit an application that needs no signature."""
    _answers, document = canonical(app, coapplicant_numbers(app))
    return await submit(app, app.draft, engine.digest(document))


async def submit(app: Application, draft: Draft, digest: str) -> CaseRecord:
    """Make the draft a case; `digest` is what every signature (if any) signed."""
    owner = await accounts.account_by_id(draft.owner) if draft.owner else None
    coapplicants = [c["personal_number"] for c in await signing.coapplicants_of(draft.id)]
    return await cases.submit(
        draft,
        answers=app.definition.visible_answers(draft.answers),
        file_fields=set(
            app.definition.visible_files(
                applications.by_field(await applications.attachments_of(draft.id)), draft.answers
            )
        ),
        digest=digest,
        protected=bool(owner and owner.protected_identity) or await accounts.any_protected(coapplicants),
        now=clock.now(),
        # Anonymous: the browser's application cookie opens the receipt too (a second submit changes nothing).
        receipt_key=draft.anonymous_key,
        notify_email=owner.email if owner else "",
        search_text=await _search_text(owner, draft.organisation, coapplicants),
    )


async def _search_text(owner, organisation_id: int | None, coapplicants: list[str]) -> str:
    """What staff may search a case by: the parties' identity numbers and names, the organisation's number and
    name (casefolded and without diacritics, as the search compares)."""
    parts = list(coapplicants)
    if owner is not None:
        parts += [owner.personal_number, owner.given_name, owner.surname]
    if organisation_id is not None:
        organisation = await organisations.organisation(organisation_id)
        if organisation is not None:
            parts += [organisation["organisation_number"], organisation["name"]]
    return normalise(" ".join(part for part in parts if part))


async def case_for_receipt(
    settings: Settings, user: CurrentUser | None, public_id: str, anonymous_cookie: str | None
) -> CaseRecord:
    """The case a draft became, for its applicant (or the browser that submitted it anonymously)."""
    case = await _case_from(public_id)
    if case is None or not _may_see_receipt(settings, user, public_id, anonymous_cookie, case):
        raise NotReachable()
    return case


async def _case_from(public_id: str) -> CaseRecord | None:
    source = applications.parse_public_id(public_id)
    return await cases.case_from_draft(source) if source else None


def _may_see_receipt(
    settings: Settings, user: CurrentUser | None, public_id: str, anonymous_cookie: str | None, case: CaseRecord
) -> bool:
    if case.applicant is not None:
        return user is not None and user.id == case.applicant
    key = anonymous_key(settings, public_id, anonymous_cookie)
    return bool(key) and bool(case.receipt_key) and key == case.receipt_key


async def became_case_at(
    settings: Settings, user: CurrentUser | None, public_id: str, anonymous_cookie: str | None
) -> str | None:
    """Where the addresses of a draft that became a case lead now: its receipt, for the applicant (or the browser
    that submitted it); the case page, for a co-applicant or representative. None when no case came from the draft
    or the visitor may not see it (the same answer as for no draft)."""
    case = await _case_from(public_id)
    if case is None:
        return None
    if _may_see_receipt(settings, user, public_id, anonymous_cookie, case):
        return f"/ansokan/{case.source_draft}/kvittens"
    if user is not None and await my_pages.case_for(case.reference, user.id, user.personal_number):
        return f"/mina-sidor/arenden/{case.reference}"
    return None


def case_sections(definition, answers: dict, form_files: list[dict]) -> list[engine.Section]:
    """A case's answers as summary sections, with the names of the files sent with the form."""
    return engine.summarise(definition, answers, filenames_by_field(applications.by_field(form_files)))


async def sections_of_case(case_id: int, form_version_id: int, answers: dict) -> list[engine.Section]:
    definition, _version = await applications.definition_of(form_version_id)
    form_files = [a for a in await cases.attachments_of_case(case_id) if a["field_id"]]
    return case_sections(definition, answers, form_files)


async def receipt_pdf(
    settings: Settings,
    *,
    case_id: int,
    reference: str,
    received_at,
    service: EServiceView | None,
    sections: list[engine.Section],
    applicant_name: str | None,
) -> bytes:
    attachments = await cases.attachments_of_case(case_id)
    return build_receipt_pdf(
        municipality=settings.municipality_name,
        contact_phone=settings.contact_phone,
        contact_email=settings.contact_email,
        service_title=service.title if service else "",
        reference=reference,
        received_at=received_at,
        noun=service.noun if service else DEFAULT_NOUN,
        applicant_name=applicant_name,
        sections=[(s.step.title, [(row.field.label, "\n".join(row.lines)) for row in s.rows]) for s in sections],
        attachments=[a["filename"] for a in attachments if a["field_id"]],
        signatures=[
            (signature["name"], signature["signed_at"]) for signature in await signing.signatures_of_case(case_id)
        ],
        next_steps=next_steps_text(service),
    )


def next_steps_text(service: EServiceView | None) -> str:
    text = _("Your case is now with the municipality. A case officer will handle it.")
    if service and service.processing_time:
        text += " " + _("Processing time: %(time)s") % {"time": service.processing_time}
    if service and service.requires_login:
        text += " " + _("Follow the case on My pages.")
    return text
