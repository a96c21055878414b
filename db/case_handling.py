"""Case handling by staff: officers' bookmarks, internal notes and message templates, and the queries of the officer's
case view. Tables and queries; services/case_handling.py has the rules (who may see and do what). Statuses and their
periods belong to the case's lifecycle (db/cases.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from piccolo.columns import JSON, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from db.accounts import UserAccount
from db.cases import CaseEvent, CaseRecord, enter_status
from db.engine import fetch, json_column, lock_clause, write_transaction
from db.messages import add_message
from db.notices import notify_applicant
from db.staff import Officer


class Bookmark(Table, tablename="bookmark"):
    """An officer's flag on a case ("Flaggade")."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    officer = ForeignKey(references=UserAccount, on_delete=OnDelete.cascade, null=False)
    created_at = Timestamptz()


class InternalNote(Table, tablename="internal_note"):
    """A note among staff about a case: never shown to residents. `mentions`: account ids of colleagues named with @."""

    id = Serial(primary_key=True)
    case = ForeignKey(references=CaseRecord, on_delete=OnDelete.cascade, null=False)
    author = ForeignKey(references=UserAccount, on_delete=OnDelete.set_null, null=True)
    body = Text()
    mentions = JSON(default="[]")
    created_at = Timestamptz()
    via_client = Varchar(length=100, null=True, default=None, help_text="The API client that wrote it (no author).")


class MessageTemplate(Table, tablename="message_template"):
    """A text an officer starts from: for a status (`purpose` 'status:<alias>') or a delay notice ('delay').
    `e_service` None: the default for every e-service without its own."""

    id = Serial(primary_key=True)
    e_service = Integer(null=True, default=None)
    purpose = Varchar(length=80)
    body = Text()


# Which cases an officer sees: those of e-services their units handle; a restricted officer only those assigned to
# them; cases of people with protected identity only with the permission. One condition for every query below, so
# the inbox and the case view can never disagree. Saved applications are not cases: staff code never reads them
# (tests/case_handling/test_access_matrix.py checks).
def visible_to(officer: Officer, services: Sequence[int] | None = None) -> tuple[str, tuple]:
    """The SQL condition on `c` (case_record) and `e` (e_service) and its arguments. With `services`, the ids of the
    e-services the officer's units handle (the inbox has them at hand), the condition needs no `e`: PostgreSQL plans
    a list of ids in a fraction of the time of the join, and no longer repeats a search once per e-service."""
    if not officer.unit_ids:
        return "1 = 0", ()
    if services is None:
        condition, arguments = f"e.unit IN ({', '.join('{}' for _ in officer.unit_ids)})", officer.unit_ids
    elif services:
        condition, arguments = f"c.e_service IN ({', '.join('{}' for _ in services)})", tuple(services)
    else:
        return "1 = 0", ()
    if officer.restricted:
        condition += " AND c.assigned_to = {}"
        arguments += (officer.account_id,)
    if not officer.may_see_protected:
        condition += " AND c.protected = {}"
        arguments += (False,)
    return condition, arguments


CASE_VIEW_SQL = (
    "SELECT c.id, c.reference, c.status, c.status_id, c.received_at, c.closed_at, c.deadline, c.applicant, "
    "c.organisation, c.decision, c.outcome, c.form_version, c.e_service, c.protected, c.version, c.assigned_to, "
    "c.answers, c.attention, "
    "e.title AS service_title, e.slug AS service_slug, e.allows_messages, e.allows_supplement, "
    "s.name AS status_name, s.alias AS status_alias, s.handling_days, "
    '(SELECT max(p.started_at) FROM status_period p WHERE p."case" = c.id) AS status_since, '
    "f.definition AS form_definition, f.version AS form_version_number, "
    "a.personal_number AS applicant_number, a.given_name AS applicant_given_name, a.surname AS applicant_surname, "
    "a.care_of AS applicant_care_of, a.street AS applicant_street, a.postal_code AS applicant_postal_code, "
    "a.city AS applicant_city, a.protected_identity AS applicant_protected, "
    "o.organisation_number, o.name AS organisation_name, "
    "h.given_name AS assignee_given_name, h.surname AS assignee_surname, "
    'EXISTS (SELECT 1 FROM bookmark b WHERE b."case" = c.id AND b.officer = {}) AS bookmarked '
    "FROM case_record c JOIN e_service e ON e.id = c.e_service "
    "JOIN form_version f ON f.id = c.form_version "
    "LEFT JOIN case_status s ON s.id = c.status_id "
    "LEFT JOIN user_account a ON a.id = c.applicant "
    "LEFT JOIN organisation o ON o.id = c.organisation "
    "LEFT JOIN user_account h ON h.id = c.assigned_to "
)


async def case_for(reference: str, officer: Officer) -> dict | None:
    """The case with this reference if the officer may see it, with everything the case view shows of it (the
    applicant's address is the caller's to leave out); None otherwise, the same answer as no case."""
    condition, arguments = visible_to(officer)
    rows = await fetch(
        f"{CASE_VIEW_SQL}WHERE c.reference = {{}} AND {condition}",
        officer.account_id,
        reference,
        *arguments,
    )
    return case_view_row(rows)


def case_view_row(rows: list[dict]) -> dict | None:
    """The one row of a `CASE_VIEW_SQL` query, its JSON and flags decoded; None for no row."""
    if not rows:
        return None
    case = rows[0]
    case["answers"] = json_column(case["answers"], {})
    for flag in ("protected", "attention", "bookmarked", "applicant_protected", "allows_messages", "allows_supplement"):
        case[flag] = bool(case[flag])
    return case


async def coapplicants_of(case_id: int) -> list[dict]:
    return await fetch(
        "SELECT a.personal_number, a.status, u.given_name, u.surname FROM co_applicant a "
        'LEFT JOIN user_account u ON u.personal_number = a.personal_number WHERE a."case" = {} ORDER BY a.id',
        case_id,
    )


async def timeline(case_id: int) -> list[dict]:
    """The case's events with who did them (staff and residents by name: the officer's view), oldest first."""
    rows = await fetch(
        "SELECT v.at, v.kind, v.details, u.given_name, u.surname FROM case_event v "
        'LEFT JOIN user_account u ON u.id = v.actor WHERE v."case" = {} ORDER BY v.at, v.id',
        case_id,
    )
    for row in rows:
        row["details"] = json_column(row["details"], {})
    return rows


async def notes_of(case_id: int) -> list[dict]:
    rows = await fetch(
        "SELECT n.id, n.body, n.mentions, n.created_at, n.author, n.via_client, u.given_name, u.surname "
        "FROM internal_note n "
        'LEFT JOIN user_account u ON u.id = n.author WHERE n."case" = {} ORDER BY n.created_at, n.id',
        case_id,
    )
    for row in rows:
        row["mentions"] = json_column(row["mentions"], [])
    return rows


async def add_note(
    case_id: int, author_id: int | None, body: str, mentions: list[int], now: datetime, *, via_client: str | None = None
) -> int:
    rows = await InternalNote.insert(
        InternalNote(
            case=case_id, author=author_id, body=body, mentions=mentions, created_at=now, via_client=via_client
        )
    ).returning(InternalNote.id)
    return rows[0]["id"]


async def set_bookmark(case_id: int, officer_id: int, on: bool, now: datetime) -> None:
    await Bookmark.delete().where((Bookmark.case == case_id) & (Bookmark.officer == officer_id))
    if on:
        await Bookmark.insert(Bookmark(case=case_id, officer=officer_id, created_at=now))


async def seen_by_officer(case_id: int, now: datetime) -> None:
    """An officer has looked at the case: what the resident wrote or supplemented is no longer news."""
    await CaseRecord.update({CaseRecord.attention: False}).where(
        (CaseRecord.id == case_id) & (CaseRecord.attention == True)  # noqa: E712
    )
    await fetch(
        'UPDATE supplement_request SET reviewed_at = {} WHERE "case" = {} AND answered_at IS NOT NULL '
        "AND reviewed_at IS NULL",
        now,
        case_id,
    )


async def template(e_service_id: int, purpose: str) -> str | None:
    """The e-service's own text for `purpose` ('status:<alias>' or 'delay'), or the shared one; None if neither."""
    rows = await fetch(
        "SELECT body FROM message_template WHERE purpose = {} AND (e_service = {} OR e_service IS NULL) "
        "ORDER BY CASE WHEN e_service IS NULL THEN 1 ELSE 0 END LIMIT 1",
        purpose,
        e_service_id,
    )
    return rows[0]["body"] if rows else None


async def unit_services(officer: Officer, slug: str | None = None) -> list[dict]:
    """The e-services the officer's units handle (id, slug, title), or only the one with `slug`."""
    if not officer.unit_ids:
        return []
    units = ", ".join("{}" for _ in officer.unit_ids)
    only = " AND slug = {}" if slug is not None else ""
    return await fetch(
        f"SELECT id, slug, title FROM e_service WHERE unit IN ({units}){only} ORDER BY title",  # noqa: S608
        *officer.unit_ids,
        *(() if slug is None else (slug,)),
    )


async def templates_of(e_service_id: int) -> tuple[dict[str, str], dict[str, str]]:
    """The e-service's own texts and the shared ones, each by purpose."""
    rows = await fetch(
        "SELECT e_service, purpose, body FROM message_template WHERE e_service = {} OR e_service IS NULL",
        e_service_id,
    )
    own = {row["purpose"]: row["body"] for row in rows if row["e_service"] is not None}
    shared = {row["purpose"]: row["body"] for row in rows if row["e_service"] is None}
    return own, shared


async def replace_templates(e_service_id: int, bodies: dict[str, str | None]) -> None:
    """Set the e-service's own text per purpose; None removes it (the shared text applies again). The e-service's row
    is locked first, so two editors saving at once cannot leave two texts for one purpose."""
    async with write_transaction():
        await fetch(f"SELECT id FROM e_service WHERE id = {{}}{lock_clause()}", e_service_id)  # noqa: S608
        for purpose, body in bodies.items():
            await MessageTemplate.delete().where(
                (MessageTemplate.e_service == e_service_id) & (MessageTemplate.purpose == purpose)
            )
            if body is not None:
                await MessageTemplate.insert(MessageTemplate(e_service=e_service_id, purpose=purpose, body=body))


async def new_cases_in(unit_ids: list[int], since: datetime) -> int:
    """How many cases came in to these units' e-services since `since` (for officers' daily summaries)."""
    if not unit_ids:
        return 0
    marks = ", ".join("{}" for _ in unit_ids)
    rows = await fetch(
        f"SELECT count(*) AS n FROM case_record c JOIN e_service e ON e.id = c.e_service "  # noqa: S608
        f"WHERE e.unit IN ({marks}) AND c.received_at >= {{}}",
        *unit_ids,
        since,
    )
    return rows[0]["n"]


async def due_soon(account_id: int, until: datetime) -> int:
    """How many open cases assigned to the officer must leave their status by `until`."""
    rows = await fetch(
        "SELECT count(*) AS n FROM case_record WHERE assigned_to = {} AND status <> 'closed' AND deadline <= {}",
        account_id,
        until,
    )
    return rows[0]["n"]


class Stale(Exception):
    """The case changed since the officer's page was made: `by` names who changed it last, if known."""

    def __init__(self, by: str = "") -> None:
        super().__init__(by)
        self.by = by


async def _bump(case_id: int, version: int, changes: dict | None = None) -> dict:
    """Take the case from `version` to the next, with `changes`; Stale if another change came first. Call inside
    the change's transaction."""
    updated = (
        await CaseRecord.update({**(changes or {}), CaseRecord.version: CaseRecord.version + 1})
        .where((CaseRecord.id == case_id) & (CaseRecord.version == version))
        .returning(CaseRecord.e_service)
    )
    if not updated:
        raise Stale(await last_changed_by(case_id))
    return updated[0]


async def last_changed_by(case_id: int) -> str:
    """The name of whoever made the case's latest change, for 'the case was changed by ...'."""
    rows = await fetch(
        "SELECT u.given_name, u.surname FROM case_event v JOIN user_account u ON u.id = v.actor "
        'WHERE v."case" = {} ORDER BY v.at DESC, v.id DESC LIMIT 1',
        case_id,
    )
    return f"{rows[0]['given_name']} {rows[0]['surname']}".strip() if rows else ""


async def assign(case_id: int, assignee_id: int | None, actor_id: int, version: int, now: datetime) -> None:
    """Give the case to an officer (or nobody), as one change on the timeline."""
    async with write_transaction():
        await _bump(case_id, version, {CaseRecord.assigned_to: assignee_id})
        await CaseEvent.insert(
            CaseEvent(
                case=case_id,
                at=now,
                kind="assigned" if assignee_id else "released",
                actor=actor_id,
                details={"to": assignee_id} if assignee_id else {},
            )
        )


async def send_delay_notice(case_id: int, actor_id: int, version: int, text: str, now: datetime) -> None:
    """A delay notice (förvaltningslagen 11 §): a message to the resident and an event on the timeline, as one
    change; the applicant is told there is a message."""
    async with write_transaction():
        await _bump(case_id, version)
        await add_message(case_id, actor_id, from_officer=True, body=text, now=now, event="delay_notice")


async def change_status(
    case_id: int,
    status: dict,
    actor_id: int | None,
    version: int,
    now: datetime,
    *,
    message: str = "",
    via: dict | None = None,
) -> None:
    """The case enters `status` (not a closing one: a decision closes), on the timeline, with an optional message to
    the resident in the same change; the applicant is told that something happened."""
    async with write_transaction():
        await _bump(case_id, version)
        await enter_status(case_id, status, now)
        await CaseEvent.insert(
            CaseEvent(
                case=case_id,
                at=now,
                kind="status_changed",
                actor=actor_id,
                details={"to": status["alias"], **(via or {})},
            )
        )
        if message:
            await add_message(case_id, actor_id, from_officer=True, body=message, now=now, via=via)
        await notify_applicant(case_id, "status_changed", now)
