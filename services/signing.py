"""Signing an application with BankID: the applicant first, then each co-applicant; the last signature submits it.
Co-applicants sign within the e-service's time (or decline with a reason); when the time runs out or someone
declines, the application goes back to its applicant as a draft, every signature void.

Every signature binds to the digest of the frozen application (answers, files, parties). If the application changes,
the digest changes and earlier signatures no longer count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core import clock
from core.i18n import gettext as _
from db import accounts, applications, signing
from db.applications import DraftRecord
from db.bankid import BankIdOrder
from db.notices import notify_coapplicants, notify_cosigning_ended
from forms import engine
from integrations.bankid import Completion
from services.applications import Application, canonical, coapplicant_numbers, submit

if TYPE_CHECKING:
    from web.auth import CurrentUser

MAX_DECLINE_REASON = 500


def role(app: Application) -> str:
    return "applicant" if app.user and app.user.id == app.draft.owner else "coapplicant"


def has_signed(personal_number: str, coapplicants: list[dict]) -> bool:
    return any(c["personal_number"] == personal_number and c["status"] == "signed" for c in coapplicants)


def applicant_digest(app: Application) -> str:
    """What the applicant signs: the application as it is now, with its co-applicants."""
    _answers, document = canonical(app, coapplicant_numbers(app))
    return engine.digest(document)


async def applicant_name(app: Application) -> str:
    """Who asks the co-applicants to sign: the applicant's name, as their account has it (register or BankID)."""
    account = await accounts.account_by_id(app.draft.owner) if app.draft.owner else None
    return f"{account.given_name} {account.surname}".strip() if account else ""


async def coapplicants(app: Application) -> list[dict]:
    """The co-applicants asked to sign, each with whether they have."""
    return await signing.coapplicants_of(app.draft.id)


@dataclass(frozen=True)
class Signed:
    """What became of a signature: `outcome` is "changed" (the application changed meanwhile: check and sign
    again), "waiting" (for co-applicants), "submitted" (with the case's reference), "gone" (the application was
    submitted meanwhile) or "stale" (a co-applicant's signature no longer needed; nothing recorded)."""

    outcome: str
    reference: str = ""


async def record(app: Application, user: CurrentUser, order: BankIdOrder, completion: Completion) -> Signed:
    """Record the signature if it signs what the application still is; submit when nobody else has to sign."""
    draft = await applications.draft_by_public_id(app.public_id)
    if draft is None:
        return Signed("gone")
    signer_role = role(app)
    if signer_role == "applicant":
        if applicant_digest(app) != order.digest or completion.personal_number != user.personal_number:
            return Signed("changed")
    elif (
        draft.status != "awaiting_signatures"
        or draft.digest != order.digest
        or has_signed(user.personal_number, await signing.coapplicants_of(draft.id))
    ):
        return Signed("stale")
    await signing.record_signature(
        draft_id=draft.id,
        signer_id=user.id,
        personal_number=completion.personal_number,
        role=signer_role,
        digest=order.digest,
        order_ref=order.order_ref,
        completion=completion.raw,  # BankID's completionData whole: the signature, OCSP response, user and device
        now=clock.now(),
    )
    if signer_role == "applicant":
        numbers = coapplicant_numbers(app)
        if numbers:
            await _ask_coapplicants(app, draft, numbers, order.digest)
            return Signed("waiting")
    elif any(c["status"] != "signed" for c in await signing.coapplicants_of(draft.id)):
        return Signed("waiting")
    case = await submit(app, draft, order.digest)
    return Signed("submitted", case.reference)


async def _ask_coapplicants(app: Application, draft: DraftRecord, numbers: list[str], digest: str) -> None:
    days = app.service.cosign_days or app.settings.default_cosign_days
    deadline = signing_deadline(clock.now(), days)
    await signing.start_cosigning(draft.id, digest, numbers, deadline)
    await notify_coapplicants(numbers, deadline, clock.now())


def signing_deadline(now: datetime, days: int) -> datetime:
    return now + timedelta(days=days)


def signing_time_is_up(draft, now: datetime) -> bool:
    return draft.status == "awaiting_signatures" and bool(draft.signing_deadline) and now > draft.signing_deadline


async def end_cosigning(draft_id: int, owner_id: int | None, reason: str | None = None) -> bool:
    """A co-applicant declined (`reason`) or the time to sign ran out: the application is its applicant's draft
    again, with the reason, every signature void, and the applicant gets a notice. Once: False when it had already
    ended (the job and a page view, say, at the same moment)."""
    ended = await signing.end_cosigning(draft_id, reason or _("The time for your co-applicants to sign ran out."))
    if ended:
        await notify_cosigning_ended(owner_id, clock.now())
    return ended


async def decline(app: Application, reason: str) -> bool:
    """A co-applicant declines to sign; False when they have already signed (taking that back would void everyone's
    signatures: they cannot, here)."""
    if has_signed(app.user.personal_number, await signing.coapplicants_of(app.draft.id)):
        return False
    reason = reason.strip()[:MAX_DECLINE_REASON]
    message = _("A co-applicant declined to sign.") + (
        " " + _("Their reason: %(reason)s") % {"reason": reason} if reason else ""
    )
    await end_cosigning(app.draft.id, app.draft.owner, message)
    return True


async def end_overdue_cosigning() -> int:
    """End co-signing whose time has run out (for the job, when nobody opens the application); returns how many."""
    ended = 0
    for draft in await signing.past_signing_deadline(clock.now()):
        ended += await end_cosigning(draft["id"], draft["owner"])
    return ended
