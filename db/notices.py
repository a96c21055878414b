"""E-mail notices: the mail outbox (table and queries), the kinds a resident can turn off, and their texts. A notice
says that something happened and gives at most the reference number: never a name, an answer or a message text (an
e-mail is not a safe channel). Requests only queue mail; the outbox job (jobs/outbox.py) sends it."""

from __future__ import annotations

from datetime import datetime

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from core.i18n import format_date
from core.i18n import gettext as _
from core.nouns import for_noun
from db.accounts import UserAccount, emails_of
from db.engine import fetch, json_column
from db.staff import NOTICE_DEFAULTS, unit_officers_with_email


class Notification(Table, tablename="notification"):
    """The mail outbox. Bodies name no person and no case detail beyond the reference number."""

    id = Serial(primary_key=True)
    user = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=True)
    email = Varchar(length=254)
    kind = Varchar(length=40)
    subject = Varchar(length=200)
    body = Text()
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    last_error = Varchar(length=500, default="")


# `last_error` of a message that was not sent because its recipient turned that kind of notice off.
TURNED_OFF = "turned off"

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
    rows = await fetch(
        "SELECT c.reference, c.applicant, u.email FROM case_record c JOIN user_account u ON u.id = c.applicant "
        "WHERE c.id = {}",
        case_id,
    )
    if not rows or not rows[0]["email"]:
        return
    subject, body = _texts(kind, rows[0]["reference"])
    await queue_notification(
        user_id=rows[0]["applicant"], email=rows[0]["email"], kind=kind, subject=subject, body=body, now=now
    )


async def notify_case_received(user_id: int | None, email: str, reference: str, now: datetime, noun: str) -> None:
    """Queue the receipt mail; it names what was sent in by the e-service's `noun` (core.nouns)."""
    await queue_notification(
        user_id=user_id,
        email=email,
        kind="case_received",
        subject=_("Your case %(reference)s has been received") % {"reference": reference},
        body=for_noun(
            noun,
            "We have received your application. Its reference number is %(reference)s.\n\n"
            "Log in on My pages to follow it.",
            reference=reference,
        ),
        now=now,
    )


async def notify_coapplicants(personal_numbers: list[str], deadline: datetime, now: datetime) -> None:
    """Ask co-applicants with a known e-mail address to sign by `deadline`. It says that someone asked, not who, nor
    for what: My pages names the applicant and shows the application once they have logged in."""
    body = _(
        "Someone has named you as co-applicant on an application and asks you to sign it by %(date)s. "
        "Log in on My pages to see who is asking, and to read and sign the application."
    ) % {"date": format_date(deadline)}
    for user_id, email in await emails_of(personal_numbers):
        await queue_notification(
            user_id=user_id,
            email=email,
            kind="cosign_requested",
            subject=_("An application is waiting for your signature"),
            body=body,
            now=now,
        )


async def notify_cosigning_ended(owner_id: int | None, now: datetime) -> None:
    """A co-applicant declined, or the time to sign ran out: the application is the applicant's draft again."""
    rows = await fetch("SELECT email FROM user_account WHERE id = {}", owner_id) if owner_id else []
    if rows and rows[0]["email"]:
        await queue_notification(
            user_id=owner_id,
            email=rows[0]["email"],
            kind="cosign_declined",
            subject=_("Your application needs your attention"),
            body=_("A co-applicant did not sign your application. Log in on My pages to see what to do."),
            now=now,
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


async def notify_mentioned(account_ids: list[int], reference: str, now: datetime) -> None:
    """Tell colleagues named in an internal note (only the reference: the note is read in the case view)."""
    if not account_ids:
        return
    marks = ", ".join("{}" for _ in account_ids)
    rows = await fetch(f"SELECT id, email FROM user_account WHERE id IN ({marks}) AND email <> ''", *account_ids)  # noqa: S608
    for row in rows:
        await queue_notification(
            user_id=row["id"],
            email=row["email"],
            kind="note_mention",
            subject=_("You are mentioned in case %(reference)s") % {"reference": reference},
            body=_("A colleague mentioned you in an internal note in case %(reference)s. Log in to read it.")
            % {"reference": reference},
            now=now,
        )


# Officers' notices: what each wants is their own choice (db.staff notices; services/staff.py has the defaults). Like
# the residents', they name no person and nothing of the case but its reference.
NEW_CASE_NOW, NEW_CASE_DAILY = "now", "daily"


def wants(choices: dict, notice: str) -> bool | str:
    return choices.get(notice, NOTICE_DEFAULTS[notice])


async def notify_unit_new_case(e_service_id: int, reference: str, now: datetime) -> None:
    """Tell the officers of the unit that handles the e-service, who want it at once, that a case came in."""
    rows = await fetch("SELECT unit FROM e_service WHERE id = {}", e_service_id)
    if not rows or rows[0]["unit"] is None:
        return
    for officer in await unit_officers_with_email([rows[0]["unit"]]):
        if wants(officer["notices"], "new_case") == NEW_CASE_NOW:
            await queue_notification(
                user_id=officer["account_id"],
                email=officer["email"],
                kind="staff_new_case",
                subject=_("New case %(reference)s in your unit") % {"reference": reference},
                body=_("Case %(reference)s has come in to your unit. Log in to handle it.") % {"reference": reference},
                now=now,
            )


async def notify_assignee(case_id: int, now: datetime) -> None:
    """Tell the officer handling the case that the resident wrote or sent a supplement, if they want that."""
    rows = await fetch(
        "SELECT c.reference, a.id, a.email, m.notices FROM case_record c JOIN user_account a ON a.id = c.assigned_to "
        "JOIN staff_member m ON m.personal_number = a.personal_number WHERE c.id = {} AND a.email <> ''",
        case_id,
    )
    if rows and wants(json_column(rows[0]["notices"], {}), "activity"):
        reference = rows[0]["reference"]
        await queue_notification(
            user_id=rows[0]["id"],
            email=rows[0]["email"],
            kind="staff_activity",
            subject=_("News in your case %(reference)s") % {"reference": reference},
            body=_("The resident has written or sent a supplement in case %(reference)s. Log in to read it.")
            % {"reference": reference},
            now=now,
        )


async def notify_daily_summary(account_id: int, email: str, new_cases: int, due_soon: int, now: datetime) -> None:
    lines = []
    if new_cases:
        lines.append(_("%(num)d new case(s) in your unit since the last summary.") % {"num": new_cases})
    if due_soon:
        lines.append(_("%(num)d of your cases must leave their status within two days.") % {"num": due_soon})
    lines.append(_("Log in to handle them."))
    await queue_notification(
        user_id=account_id,
        email=email,
        kind="staff_summary",
        subject=_("Your daily summary of cases"),
        body="\n\n".join(lines),
        now=now,
    )


async def notify_admins_of_problems(recipients: list[dict], problems: list[str], page_url: str, now: datetime) -> None:
    """The administrators' daily digest of operational problems: what is wrong (counts and job names, no personal
    data) and the operations page's address."""
    lines = [_("The e-services' operation has problems:"), "", *(f"- {problem}" for problem in problems), ""]
    body = "\n".join([*lines, _("See the operations status page: %(url)s") % {"url": page_url}])
    for recipient in recipients:
        await queue_notification(
            user_id=recipient["account_id"],
            email=recipient["email"],
            kind="admin_digest",
            subject=_("Operational problems in the e-services"),
            body=body,
            now=now,
        )


# The outbox job's queries (jobs/outbox.py holds its rules: batches, backoff, giving up).


async def due_notifications(now: datetime, limit: int) -> list[dict]:
    """Unsent messages whose next attempt is due, oldest first, with the kinds their recipient turned off (a list)."""
    rows = (
        await Notification.select(
            Notification.id,
            Notification.email,
            Notification.kind,
            Notification.subject,
            Notification.body,
            Notification.attempts,
            Notification.user.notices_off.as_alias("notices_off"),
        )
        .where(Notification.sent_at.is_null() & (Notification.next_attempt_at <= now))
        .order_by(Notification.created_at, Notification.id)
        .limit(limit)
    )
    for row in rows:
        row["notices_off"] = [kind for kind in json_column(row["notices_off"], []) if isinstance(kind, str)]
    return rows


async def mark_sent(notification_id: int, attempts: int, now: datetime) -> None:
    await Notification.update(
        {Notification.sent_at: now, Notification.attempts: attempts, Notification.last_error: ""}
    ).where((Notification.id == notification_id) & Notification.sent_at.is_null())


async def schedule_retry(notification_id: int, attempts: int, next_attempt_at: datetime, error: str) -> None:
    await Notification.update(
        {Notification.attempts: attempts, Notification.next_attempt_at: next_attempt_at, Notification.last_error: error}
    ).where((Notification.id == notification_id) & Notification.sent_at.is_null())


async def close(notification_id: int, error: str, now: datetime, attempts: int | None = None) -> None:
    """The outbox is done with this message without delivering it: `sent_at` takes it out of the queue."""
    changes = {Notification.sent_at: now, Notification.last_error: error}
    if attempts is not None:
        changes[Notification.attempts] = attempts
    await Notification.update(changes).where((Notification.id == notification_id) & Notification.sent_at.is_null())


async def outbox_counts() -> dict[str, int]:
    """For monitoring: messages waiting (never tried, or to be retried), and messages given up (not those closed
    because their recipient turned the notice off)."""
    rows = await fetch(
        "SELECT SUM(CASE WHEN sent_at IS NULL AND attempts = 0 THEN 1 ELSE 0 END) AS queued, "
        "SUM(CASE WHEN sent_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END) AS retrying, "
        "SUM(CASE WHEN sent_at IS NOT NULL AND last_error <> '' AND last_error <> {} THEN 1 ELSE 0 END) AS failed "
        "FROM notification",
        TURNED_OFF,
    )
    return {name: int(rows[0][name] or 0) for name in ("queued", "retrying", "failed")}


async def outbox_problems(since: datetime, limit: int) -> dict:
    """For the operations page and the admins' digest: when the oldest waiting message was queued, how many messages
    were given up since `since`, and the latest given up (when, kind, attempts and the stored reason, which holds no
    address: integrations/mail/smtp.MailError). Never a recipient."""
    given_up = (
        Notification.sent_at.is_not_null() & (Notification.last_error != "") & (Notification.last_error != TURNED_OFF)
    )
    oldest = (
        await Notification.select(Notification.created_at)
        .where(Notification.sent_at.is_null())
        .order_by(Notification.created_at)
        .first()
    )
    latest = (
        await Notification.select(
            Notification.sent_at.as_alias("given_up_at"),
            Notification.kind,
            Notification.attempts,
            Notification.last_error.as_alias("error"),
        )
        .where(given_up)
        .order_by(Notification.sent_at, Notification.id, ascending=False)
        .limit(limit)
    )
    return {
        "oldest_waiting": oldest["created_at"] if oldest else None,
        "failed_since": await Notification.count().where(given_up & (Notification.sent_at >= since)),
        "latest_failures": latest,
    }


# The dev mode's mail viewer (/_dev/mail).


async def newest_notifications(limit: int) -> tuple[list[dict], int]:
    """The newest `limit` messages of the outbox without their bodies, and how many it holds in all."""
    rows = (
        await Notification.select(
            Notification.id,
            Notification.email,
            Notification.kind,
            Notification.subject,
            Notification.created_at,
            Notification.sent_at,
            Notification.attempts,
            Notification.next_attempt_at,
            Notification.last_error,
        )
        .order_by(Notification.created_at, Notification.id, ascending=False)
        .limit(limit)
    )
    return rows, await Notification.count()


async def notification(notification_id: int) -> dict | None:
    return await Notification.select().where(Notification.id == notification_id).first()
