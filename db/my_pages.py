"""Mina sidor's queries: which cases a resident sees (as applicant, co-applicant or representative of the
organisation it was made for), their lists by group with what each row marks, one case with how the resident sees it,
and the resident's drafts. Hand-written SQL: these run on every view of Mina sidor (see the README's performance
notes for why each query has its shape)."""

from __future__ import annotations

import json
from datetime import datetime

from db.engine import date_column, fetch, json_column

# A resident sees a case as its applicant, as a co-applicant, or as a representative of the organisation it was made
# for. One condition, used by every query below, so the lists and the case page can never disagree.
_VISIBLE_TO = (
    '(c.applicant = {} OR c.id IN (SELECT "case" FROM co_applicant WHERE personal_number = {}) '
    'OR c.organisation IN (SELECT organisation FROM representation WHERE "user" = {}))'
)
_CASE_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.closed_at, c.source_draft, c.applicant, c.organisation, "
    "c.decision, c.form_version, c.e_service, c.protected, e.title AS service_title, e.slug AS service_slug, e.noun, "
    "e.retention_days_closed, e.allows_messages, e.allows_supplement, o.name AS organisation_name"
)
_CASE_JOINS = "JOIN e_service e ON e.id = c.e_service LEFT JOIN organisation o ON o.id = c.organisation"
_CASE_FROM = f"case_record c {_CASE_JOINS}"
GROUP_STATUSES = {"pagaende": ("received", "in_progress", "awaiting_supplement"), "avslutade": ("closed",)}


def _visible_args(user_id: int, personal_number: str) -> tuple:
    return (user_id, personal_number, user_id)


async def case_for(reference: str, user_id: int, personal_number: str) -> dict | None:
    """The case with this reference if the user may see it, with its answers, its form's definition (text),
    whether it has signatures and supplement requests at all (most have none: no need to ask for them) and how the
    user sees it (`viewer_role`: applicant, representative or coapplicant); None for a stranger (the same answer as
    no case)."""
    rows = await fetch(
        f"SELECT {_CASE_COLUMNS}, c.answers, f.definition AS form_definition, "  # noqa: S608
        'EXISTS (SELECT 1 FROM signature s WHERE s."case" = c.id) AS has_signatures, '
        'EXISTS (SELECT 1 FROM supplement_request r WHERE r."case" = c.id) AS has_supplements, '
        "CASE WHEN c.applicant = {} THEN 'applicant' "
        "WHEN c.organisation IN (SELECT organisation FROM representation WHERE \"user\" = {}) THEN 'representative' "
        "ELSE 'coapplicant' END AS viewer_role, "
        "st.name AS status_name, st.resident_may_write AS status_may_write, "
        "st.resident_may_supplement AS status_may_supplement "
        f"FROM {_CASE_FROM} JOIN form_version f ON f.id = c.form_version "
        "LEFT JOIN case_status st ON st.id = c.status_id "
        f"WHERE c.reference = {{}} AND {_VISIBLE_TO}",
        user_id,
        user_id,
        reference,
        *_visible_args(user_id, personal_number),
    )
    if not rows:
        return None
    case = rows[0]
    # The answers' text as stored is also the key of their rendered summary (web.templating.FragmentCache).
    text = case["answers"]
    case["answers"] = json_column(text, {})
    case["answers_text"] = text if isinstance(text, str) else json.dumps(text, sort_keys=True)
    # What the case's status lets the resident do (a case from before statuses: everything its e-service allows).
    for flag in ("status_may_write", "status_may_supplement"):
        case[flag] = case[flag] is None or bool(case[flag])
    return case


# What the lists mark on each case: unread messages from the officer, and open supplement requests (how many, the
# earliest due date and that request's message). Correlated subqueries, evaluated for the page's rows only.
_CASE_MARKERS = (
    "(SELECT count(*) FROM message m WHERE m.\"case\" = c.id AND m.from_officer = 'yes' "
    "AND m.read_by_resident_at IS NULL) AS unread, "
    '(SELECT count(*) FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL) AS supplements_open, '
    '(SELECT min(s.due_date) FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL) '
    "AS supplement_due, "
    '(SELECT s.message FROM supplement_request s WHERE s."case" = c.id AND s.answered_at IS NULL '
    "ORDER BY s.due_date, s.id LIMIT 1) AS supplement_message"
)
# The same rule as _VISIBLE_TO, as the user's cases with what lists sort and filter on: own cases from a covering
# index (applicant, status, received_at, id), then the few they see as co-applicant or representative that are not
# already among them (UNION ALL: deduplicating hundreds of own cases cost more than the rest of the query). CROSS JOIN
# makes SQLite keep that order (it would rather scan every case than trust an index on a mostly empty organisation
# column); PostgreSQL reads it as a join. A list query starts with it and reads `visible` as often as it needs: it is
# computed once.
_WITH_VISIBLE = (
    "WITH visible AS MATERIALIZED (SELECT id, status, received_at FROM case_record WHERE applicant = {} "
    "UNION ALL SELECT DISTINCT v.id, v.status, v.received_at FROM co_applicant a CROSS JOIN case_record v "
    'WHERE a.personal_number = {} AND v.id = a."case" AND v.applicant IS DISTINCT FROM {} '
    "UNION ALL SELECT DISTINCT v.id, v.status, v.received_at FROM representation r CROSS JOIN case_record v "
    'WHERE r."user" = {} AND v.organisation = r.organisation AND v.applicant IS DISTINCT FROM {} '
    'AND NOT EXISTS (SELECT 1 FROM co_applicant a WHERE a."case" = v.id AND a.personal_number = {})) '
)


def _with_visible_args(user_id: int, personal_number: str) -> tuple:
    return (user_id, personal_number, user_id, user_id, user_id, personal_number)


_NEWEST_FIRST = "c.received_at DESC, c.id DESC"


# What a case list shows of each case (fewer columns: each one costs on every row of every list).
_LIST_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.closed_at, e.title AS service_title, e.retention_days_closed, "
    "o.name AS organisation_name"
)


def _page_of(where: str) -> str:
    """Rows with markers for a page of the `visible` cases that `where` selects, each with how many `where` selects
    in all (`total`): ids are sorted and cut first, and only the page's rows are joined and counted (sorting whole
    joined rows, markers and all, costs several times more; a window function costs more than the count)."""
    return (
        f"SELECT {_LIST_COLUMNS}, {_CASE_MARKERS}, (SELECT count(*) FROM visible c WHERE {where}) AS total "  # noqa: S608
        f"FROM (SELECT c.id FROM visible c WHERE {where} ORDER BY {_NEWEST_FIRST} LIMIT {{}} OFFSET {{}}) page "
        f"JOIN case_record c ON c.id = page.id {_CASE_JOINS}"
    )


async def cases_in_group(
    user_id: int, personal_number: str, group: str, *, offset: int, limit: int
) -> tuple[list[dict], int]:
    """A page of the user's cases in a group (newest first) with their markers, and how many there are in all."""
    statuses = GROUP_STATUSES[group]
    where = f"c.status IN ({', '.join('{}' for _ in statuses)})"
    visible = _with_visible_args(user_id, personal_number)
    rows = await fetch(
        f"{_WITH_VISIBLE}{_page_of(where)} ORDER BY {_NEWEST_FIRST}", *visible, *statuses, *statuses, limit, offset
    )
    if rows:
        return _decoded(rows), rows[0]["total"]
    if not offset:
        return [], 0
    count = f"{_WITH_VISIBLE}SELECT count(*) AS n FROM visible c WHERE {where}"  # noqa: S608
    return [], (await fetch(count, *visible, *statuses))[0]["n"]


async def newest_cases_per_group(user_id: int, personal_number: str, per_group: int) -> dict[str, tuple[list, int]]:
    """For Mina sidor's overview: each group's newest cases with their markers, and its total (one query)."""
    closed = GROUP_STATUSES["avslutade"]
    is_closed = f"c.status IN ({', '.join('{}' for _ in closed)})"
    rows = await fetch(
        f"{_WITH_VISIBLE}SELECT * FROM ({_page_of(is_closed)}) closed_cases "  # noqa: S608
        f"UNION ALL SELECT * FROM ({_page_of(f'NOT {is_closed}')}) open_cases",
        *_with_visible_args(user_id, personal_number),
        *(*closed, *closed, per_group, 0) * 2,
    )
    groups: dict[str, tuple[list, int]] = {name: ([], 0) for name in GROUP_STATUSES}
    for row in sorted(rows, key=lambda row: (row["received_at"], row["id"]), reverse=True):
        groups["avslutade" if row["status"] in closed else "pagaende"][0].append(row)
    return {name: (_decoded(rows), rows[0]["total"] if rows else 0) for name, (rows, _none) in groups.items()}


def _decoded(rows: list[dict]) -> list[dict]:
    for row in rows:
        row["supplement_due"] = date_column(row["supplement_due"])  # min() of a date is text on SQLite
    return rows


# Mina sidor asks on every view for the user's own drafts and those waiting for their signature: one query.
_DRAFT_LIST_COLUMNS = (
    "d.public_id, d.status, d.last_activity_at, d.returned_reason, d.signing_deadline AS deadline, "
    "e.title AS service_title, e.retention_days_draft AS retention_days"
)
_OWN_AND_TO_SIGN = (
    f"SELECT 0 AS to_sign, {_DRAFT_LIST_COLUMNS}, '' AS applicant_name "  # noqa: S608
    "FROM draft d JOIN e_service e ON e.id = d.e_service "
    "WHERE d.owner = {} "
    f"UNION ALL SELECT 1 AS to_sign, {_DRAFT_LIST_COLUMNS}, "
    "COALESCE(TRIM(u.given_name || ' ' || u.surname), '') AS applicant_name "
    "FROM co_applicant c JOIN draft d ON d.id = c.draft "
    "JOIN e_service e ON e.id = d.e_service LEFT JOIN user_account u ON u.id = d.owner "
    "WHERE c.personal_number = {} AND c.status = 'pending' AND d.status = 'awaiting_signatures' "
    "AND d.signing_deadline > {}"
)


async def drafts_of(owner_id: int, personal_number: str, now: datetime) -> tuple[list[dict], list[dict]]:
    """The owner's drafts (newest activity first) and the drafts still waiting for their signature as co-applicant
    (nearest deadline first, with the name of the applicant who asks), each with its e-service's title."""
    rows = await fetch(_OWN_AND_TO_SIGN, owner_id, personal_number, now)
    own = sorted((row for row in rows if not row["to_sign"]), key=lambda row: row["last_activity_at"], reverse=True)
    to_sign = sorted((row for row in rows if row["to_sign"]), key=lambda row: row["deadline"])
    return own, to_sign
