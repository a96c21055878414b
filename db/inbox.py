"""The officers' inbox: a unit's cases by tab, filtered, searched, sorted and paged, with each tab's count. Plain
SQL (it runs on every view of an officer's working day); the tabs' rules are written once, here, as conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.i18n import LOCAL_TIMEZONE
from db.case_handling import visible_to
from db.engine import date_column, fetch
from db.staff import Officer

PAGE_SIZE = 25
# Counts stop here ("1000+"): counting every case of a unit on each view would cost more as its history grows, and
# past a thousand the number tells an officer nothing more. A list's total is counted this far past its page.
COUNT_CAP = 1000
# A tab's count stops sooner ("99+"): a badge, on every view, and past 99 "many" is all it needs to say.
TAB_COUNT_CAP = 99
# "Att hantera" takes cases whose deadline is this close.
DUE_SOON = timedelta(days=2)

# Each tab as a condition on `c` (case_record), with `{me}` for the officer's account id and `{soon}` for the
# due-soon moment: the counts and the lists use the same text.
TABS = {
    "att-hantera": (
        "c.status <> 'closed' AND ((c.assigned_to IS NULL AND c.status = 'received') OR c.attention = {true} "
        "OR c.deadline <= {soon})"
    ),
    "mina": "c.status <> 'closed' AND c.assigned_to = {me}",
    "ej-tilldelade": "c.status <> 'closed' AND c.assigned_to IS NULL",
    "alla": "1 = 1",
    # From the officer's few bookmarks (index bookmark_officer), not a look for a bookmark from every case.
    "flaggade": 'c.id IN (SELECT b."case" FROM bookmark b WHERE b.officer = {me})',
}
SORTS = {
    "inkommen": "c.received_at DESC, c.id DESC",
    "deadline": "CASE WHEN c.deadline IS NULL THEN 1 ELSE 0 END, c.deadline, c.id",
}


@dataclass(frozen=True)
class Filter:
    tab: str = "att-hantera"
    e_service: int | None = None
    status: int | None = None  # a status id
    assignee: int | None = None  # an account id; 0: nobody
    received_from: date | None = None
    received_to: date | None = None
    search: str = ""  # casefolded, without diacritics (core.text.normalise)
    sort: str = "inkommen"


def _ordered(text: str, officer: Officer, now: datetime) -> tuple[str, tuple]:
    """A tab's condition with `{name}` placeholders as `{}` and their values in the order they appear."""
    values = {"true": True, "me": officer.account_id, "soon": now + DUE_SOON}
    arguments = []
    out = []
    rest = text
    while "{" in rest:
        before, _, after = rest.partition("{")
        name, _, rest = after.partition("}")
        out.append(before + "{}")
        arguments.append(values[name])
    out.append(rest)
    return "".join(out), tuple(arguments)


def _filters(selected: Filter) -> tuple[str, tuple]:
    conditions, arguments = [], []
    if selected.e_service is not None:
        conditions.append("c.e_service = {}")
        arguments.append(selected.e_service)
    if selected.status is not None:
        conditions.append("c.status_id = {}")
        arguments.append(selected.status)
    if selected.assignee == 0:
        conditions.append("c.assigned_to IS NULL")
    elif selected.assignee is not None:
        conditions.append("c.assigned_to = {}")
        arguments.append(selected.assignee)
    if selected.received_from is not None:
        conditions.append("c.received_at >= {}")
        arguments.append(datetime.combine(selected.received_from, time.min, tzinfo=LOCAL_TIMEZONE))
    if selected.received_to is not None:
        conditions.append("c.received_at < {}")
        arguments.append(datetime.combine(selected.received_to + timedelta(days=1), time.min, tzinfo=LOCAL_TIMEZONE))
    for word in selected.search.split():
        conditions.append("c.search_text LIKE {}")
        arguments.append(f"%{word}%")
    return " AND ".join(conditions) or "1 = 1", tuple(arguments)


_ROW_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.deadline, c.assigned_to, c.attention, c.protected, c.version, "
    "e.title AS service_title, s.name AS status_name, s.handling_days, "
    "a.given_name AS applicant_given_name, a.surname AS applicant_surname, o.name AS organisation_name, "
    "h.given_name AS assignee_given_name, h.surname AS assignee_surname, "
    '(SELECT min(r.due_date) FROM supplement_request r WHERE r."case" = c.id AND r.answered_at IS NULL) '
    "AS supplement_due, "
    'EXISTS (SELECT 1 FROM bookmark b WHERE b."case" = c.id AND b.officer = {}) AS bookmarked'
)
_ROW_JOINS = (
    "LEFT JOIN case_status s ON s.id = c.status_id LEFT JOIN user_account a ON a.id = c.applicant "
    "LEFT JOIN organisation o ON o.id = c.organisation LEFT JOIN user_account h ON h.id = c.assigned_to"
)


def _capped_count(where: str) -> str:
    """SQL counting the cases that pass `where`, stopping after the number given as its last argument."""
    return (
        "SELECT count(*) AS n FROM (SELECT 1 FROM case_record c JOIN e_service e ON e.id = c.e_service "  # noqa: S608
        f"WHERE {where} LIMIT {{}}) counted"
    )


async def page(officer: Officer, selected: Filter, number: int, now: datetime) -> tuple[list[dict], int, bool]:
    """A page of the tab's cases that pass the filter, how many pass it in all counted up to COUNT_CAP past the
    page's first, and whether there are more than that."""
    visible, visible_arguments = visible_to(officer)
    tab, tab_arguments = _ordered(TABS[selected.tab], officer, now)
    filters, filter_arguments = _filters(selected)
    where = f"{visible} AND ({tab}) AND {filters}"
    arguments = (*visible_arguments, *tab_arguments, *filter_arguments)
    offset = (max(1, number) - 1) * PAGE_SIZE
    limit = offset + COUNT_CAP
    counted = (await fetch(_capped_count(where), *arguments, limit + 1))[0]["n"]
    # The page's ids first, then their columns and names: joining every matching case before taking 25 cost the
    # default tab more than the rest of the page together.
    rows = await fetch(
        f"SELECT {_ROW_COLUMNS} FROM (SELECT c.id FROM case_record c JOIN e_service e ON e.id = c.e_service "  # noqa: S608
        f"WHERE {where} ORDER BY {SORTS[selected.sort]} LIMIT {{}} OFFSET {{}}) shown "
        f"JOIN case_record c ON c.id = shown.id JOIN e_service e ON e.id = c.e_service {_ROW_JOINS} "
        f"ORDER BY {SORTS[selected.sort]}",
        officer.account_id,
        *arguments,
        PAGE_SIZE,
        offset,
    )
    for row in rows:
        row["attention"], row["protected"], row["bookmarked"] = (
            bool(row["attention"]),
            bool(row["protected"]),
            bool(row["bookmarked"]),
        )
        row["supplement_due"] = date_column(row["supplement_due"])
    return rows, min(counted, limit), counted > limit


async def tab_counts(officer: Officer, now: datetime) -> dict[str, int]:
    """How many cases each tab holds (before filters), up to TAB_COUNT_CAP + 1 (more than TAB_COUNT_CAP), in one
    query: each tab's count reads at most that many cases, by the index its condition matches (case_record_open for the
    open cases' tabs), so it costs the same however many cases a unit has closed."""
    visible, visible_arguments = visible_to(officer)
    columns, arguments = [], []
    for name, text in TABS.items():
        condition, condition_arguments = _ordered(text, officer, now)
        columns.append(f'({_capped_count(f"{visible} AND ({condition})")}) AS "{name}"')
        arguments += [*visible_arguments, *condition_arguments, TAB_COUNT_CAP + 1]
    rows = await fetch(f"SELECT {', '.join(columns)}", *arguments)
    return {name: int(rows[0][name] or 0) for name in TABS}


async def filter_choices(officer: Officer) -> tuple[list[dict], list[dict]]:
    """The e-services the officer's units handle, and the statuses they use (own sets and the default set)."""
    if not officer.unit_ids:
        return [], []
    units = ", ".join("{}" for _ in officer.unit_ids)
    services = await fetch(
        f"SELECT id, title FROM e_service WHERE unit IN ({units}) ORDER BY title",  # noqa: S608
        *officer.unit_ids,
    )
    statuses = await fetch(
        f"SELECT id, name, kind, e_service FROM case_status WHERE e_service IS NULL OR e_service IN "  # noqa: S608
        f"(SELECT id FROM e_service WHERE unit IN ({units})) ORDER BY sort_order, id",
        *officer.unit_ids,
    )
    return services, statuses
