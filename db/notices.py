"""E-mail notices: the kinds a resident can turn off, and their texts. A notice says that something happened and
gives at most the reference number: never a name, an answer or a message text (an e-mail is not a safe channel)."""

from __future__ import annotations

from datetime import datetime

from core.i18n import format_date
from core.i18n import gettext as _
from db.accounts import UserAccount
from db.applications import CaseRecord, Notification

NOTICE_KINDS = (
    "case_received",
    "message_received",
    "supplement_requested",
    "status_changed",
    "cosign_requested",
    "draft_expiring",
)


def notice_label(kind: str) -> str:
    return {
        "case_received": _("When my case has been received"),
        "message_received": _("When I have a new message from a case officer"),
        "supplement_requested": _("When a case officer asks me for a supplement"),
        "status_changed": _("When my case changes status or gets a decision"),
        "cosign_requested": _("When someone asks me to sign an application as co-applicant"),
        "draft_expiring": _("A week before a saved application is deleted"),
    }[kind]


def _texts(kind: str, reference: str) -> tuple[str, str]:
    values = {"reference": reference}
    texts = {
        "message_received": (
            _("New message in case %(reference)s"),
            _("You have a new message from the case officer in case %(reference)s. Log in on My pages to read it."),
        ),
        "supplement_requested": (
            _("Case %(reference)s needs a supplement"),
            _("The case officer asks you to add to case %(reference)s. Log in on My pages to see what is needed."),
        ),
        "status_changed": (
            _("Case %(reference)s has been updated"),
            _("Something has happened in case %(reference)s. Log in on My pages to see what."),
        ),
    }
    subject, body = texts[kind]
    return subject % values, body % values


async def notify_applicant(case_id: int, kind: str, now: datetime) -> None:
    """Queue a notice about a case to its applicant, when they have an e-mail address (the outbox job checks
    whether they want this kind)."""
    case = await CaseRecord.select(CaseRecord.reference, CaseRecord.applicant).where(CaseRecord.id == case_id).first()
    if case is None or case["applicant"] is None:
        return
    account = await UserAccount.select(UserAccount.email).where(UserAccount.id == case["applicant"]).first()
    if not account or not account["email"]:
        return
    subject, body = _texts(kind, case["reference"])
    await queue_notification(
        user_id=case["applicant"], email=account["email"], kind=kind, subject=subject, body=body, now=now
    )


async def notify_draft_expiring(user_id: int, email: str, deleted_on: datetime, now: datetime) -> None:
    """Queue the warning that a saved application will be deleted. It does not name the e-service: which service
    someone applies for (financial aid, say) is itself sensitive."""
    subject = _("A saved application will soon be deleted")
    body = _(
        "An application you have saved on My pages will be deleted %(date)s unless you continue it before then. "
        "Log in on My pages to continue it or delete it yourself."
    ) % {"date": format_date(deleted_on)}
    await queue_notification(user_id=user_id, email=email, kind="draft_expiring", subject=subject, body=body, now=now)


async def queue_notification(
    *, user_id: int | None, email: str, kind: str, subject: str, body: str, now: datetime
) -> None:
    """Put a mail in the outbox; the outbox job sends it (see jobs/outbox.py)."""
    await Notification.insert(
        Notification(
            user=user_id, email=email, kind=kind, subject=subject, body=body, created_at=now, next_attempt_at=now
        )
    )
