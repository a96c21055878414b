"""Queries of the private area: drafts, their attachments, co-applicants and signatures while a draft is open.

Only the owner (or, for anonymous e-services, the browser holding the draft's cookie) can reach a draft; while it
waits for co-signatures its co-applicants may read it. Nothing here is used by staff views.
"""

from __future__ import annotations

import functools
import uuid
from collections import defaultdict
from datetime import datetime, timedelta

from core.settings import Settings
from db.applications import Attachment, CoApplicant, Draft, FormVersion, Signature
from db.catalogue import EService
from forms.definition import FormDefinition, load_definition

ATTACHMENT_LISTING = (
    Attachment.id,
    Attachment.public_id,
    Attachment.field_id,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
    Attachment.sha256,
)


async def latest_form_version(e_service_id: int) -> FormVersion | None:
    return (
        await FormVersion.objects()
        .where((FormVersion.e_service == e_service_id) & (FormVersion.published == True))  # noqa: E712
        .order_by(FormVersion.version, ascending=False)
        .first()
    )


async def definition_of(form_version_id: int) -> tuple[FormDefinition, int]:
    """The parsed definition and version number of a form version (immutable, so parsed once per process)."""
    return await _definition(form_version_id)


@functools.cache
def _parsed(text: str) -> FormDefinition:
    return load_definition(text)


async def _definition(form_version_id: int) -> tuple[FormDefinition, int]:
    row = (
        await FormVersion.select(FormVersion.definition, FormVersion.version)
        .where(FormVersion.id == form_version_id)
        .first()
    )
    return _parsed(row["definition"]), row["version"]


async def open_draft(owner_id: int, e_service_id: int) -> Draft | None:
    return (
        await Draft.objects()
        .where((Draft.owner == owner_id) & (Draft.e_service == e_service_id))
        .order_by(Draft.last_activity_at, ascending=False)
        .output(load_json=True)
        .first()
    )


async def create_draft(
    *, owner_id: int | None, anonymous_key: str, e_service_id: int, form_version_id: int, answers: dict, now: datetime
) -> Draft:
    draft = Draft(
        public_id=uuid.uuid4(),
        owner=owner_id,
        anonymous_key=anonymous_key,
        e_service=e_service_id,
        form_version=form_version_id,
        answers=answers,
        created_at=now,
        last_activity_at=now,
    )
    await draft.save()
    return draft


async def draft_by_public_id(public_id: str) -> Draft | None:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    return await Draft.objects().where(Draft.public_id == parsed).output(load_json=True).first()


async def save_answers(draft: Draft, answers: dict, now: datetime) -> None:
    draft.answers, draft.last_activity_at = answers, now
    await Draft.update({Draft.answers: answers, Draft.last_activity_at: now}).where(Draft.id == draft.id)


async def delete_draft(draft_id: int) -> None:
    await Draft.delete().where(Draft.id == draft_id)


async def drafts_of(owner_id: int) -> list[dict]:
    """The owner's drafts with their e-service's title and slug, newest activity first."""
    return (
        await Draft.select(
            Draft.public_id,
            Draft.status,
            Draft.last_activity_at,
            Draft.returned_reason,
            Draft.e_service.title.as_alias("service_title"),
            Draft.e_service.slug.as_alias("service_slug"),
            Draft.e_service.retention_days_draft.as_alias("retention_days"),
        )
        .where(Draft.owner == owner_id)
        .order_by(Draft.last_activity_at, ascending=False)
    )


def deletion_date(last_activity: datetime, retention_days: int | None, settings: Settings) -> datetime:
    return last_activity + timedelta(days=retention_days or settings.default_retention_days_draft)


async def service_of(draft: Draft) -> EService:
    return await EService.objects().where(EService.id == draft.e_service).first()


async def attachments_of(draft_id: int) -> list[dict]:
    return await Attachment.select(*ATTACHMENT_LISTING).where(Attachment.draft == draft_id).order_by(Attachment.id)


def by_field(attachments: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for attachment in attachments:
        grouped[attachment["field_id"]].append(attachment)
    return grouped


async def add_attachment(
    draft_id: int, field_id: str, *, filename: str, content_type: str, size: int, sha256: str, content: bytes, now
) -> None:
    await Attachment.insert(
        Attachment(
            public_id=uuid.uuid4(),
            draft=draft_id,
            field_id=field_id,
            filename=filename,
            content_type=content_type,
            size=size,
            sha256=sha256,
            content=content,
            created_at=now,
        )
    )


async def remove_attachment(draft_id: int, public_id: str) -> bool:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return False
    removed = (
        await Attachment.delete()
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .returning(Attachment.id)
    )
    return bool(removed)


async def attachment_content(draft_id: int, public_id: str) -> dict | None:
    try:
        parsed = uuid.UUID(public_id)
    except ValueError:
        return None
    return (
        await Attachment.select(Attachment.filename, Attachment.content_type, Attachment.content)
        .where((Attachment.draft == draft_id) & (Attachment.public_id == parsed))
        .first()
    )


async def coapplicants_of(draft_id: int) -> list[dict]:
    return await CoApplicant.select().where(CoApplicant.draft == draft_id).order_by(CoApplicant.id)


async def signatures_of(draft_id: int) -> list[dict]:
    return (
        await Signature.select().where(Signature.draft == draft_id).order_by(Signature.signed_at).output(load_json=True)
    )
