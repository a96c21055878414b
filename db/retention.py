"""Queries for the retention job: which drafts and closed cases have passed their e-service's retention time, and
which drafts are about to. Everything is selected per e-service, so each rule's effect can be counted."""

from __future__ import annotations

from datetime import datetime

from db.applications import Draft
from db.cases import CaseRecord
from db.catalogue import EService
from db.engine import write_transaction
from db.notices import Notification
from db.webhooks import record_events


async def rules() -> list[dict]:
    """Every e-service's retention days (None: the default applies), published or not."""
    return await EService.select(
        EService.id, EService.slug, EService.retention_days_draft, EService.retention_days_closed
    ).order_by(EService.id)


async def delete_drafts(e_service_id: int, inactive_since: datetime) -> int:
    """Delete the e-service's drafts untouched since `inactive_since`, also those waiting for co-applicants;
    attachments, co-applicants and signatures go with them (foreign keys cascade)."""
    deleted = (
        await Draft.delete()
        .where((Draft.e_service == e_service_id) & (Draft.last_activity_at < inactive_since))
        .returning(Draft.id)
    )
    return len(deleted)


async def delete_anonymous_drafts(inactive_since: datetime) -> int:
    """Delete drafts made without a login (nobody can save one on purpose) untouched since `inactive_since`."""
    deleted = (
        await Draft.delete()
        .where(Draft.owner.is_null() & (Draft.last_activity_at < inactive_since))
        .returning(Draft.id)
    )
    return len(deleted)


async def delete_closed_cases(e_service_id: int, closed_before: datetime, now: datetime) -> int:
    """Delete the e-service's cases closed before `closed_before`, with their events, messages, supplement requests,
    attachments, co-applicants and signatures (foreign keys cascade); the integration API's `case.deleted` event of
    each is written in the same transaction."""
    async with write_transaction():
        deleted = (
            await CaseRecord.delete()
            .where(
                (CaseRecord.e_service == e_service_id)
                & (CaseRecord.status == "closed")
                & (CaseRecord.closed_at < closed_before)
            )
            .returning(CaseRecord.reference)
        )
        if deleted:
            slug = (await EService.select(EService.slug).where(EService.id == e_service_id).first())["slug"]
            cases = [(row["reference"], slug) for row in deleted]
            await record_events("case.deleted", cases, now, {"reason": "retention"})
    return len(deleted)


async def drafts_to_warn(e_service_id: int, inactive_since: datetime) -> list[dict]:
    """The e-service's drafts of logged-in owners untouched since `inactive_since` that have not had a warning
    since their owner last worked on them, with the owner's e-mail address (may be empty)."""
    return (
        await Draft.select(Draft.id, Draft.owner, Draft.last_activity_at, Draft.owner.email.as_alias("email"))
        .where(
            (Draft.e_service == e_service_id)
            & (Draft.last_activity_at < inactive_since)
            & Draft.owner.is_not_null()
            & (Draft.expiry_notice_at.is_null() | (Draft.expiry_notice_at < Draft.last_activity_at))
        )
        .order_by(Draft.id)
    )


async def mark_warned(draft_ids: list[int], now: datetime) -> None:
    if draft_ids:
        await Draft.update({Draft.expiry_notice_at: now}).where(Draft.id.is_in(draft_ids))


async def delete_finished_notifications(finished_before: datetime) -> int:
    """Delete outbox messages sent (or given up) before `finished_before`: they name case references."""
    deleted = (
        await Notification.delete()
        .where(Notification.sent_at.is_not_null() & (Notification.sent_at < finished_before))
        .returning(Notification.id)
    )
    return len(deleted)
