"""The officers' inbox: a unit's cases by tab, filtered, searched, sorted and paged, with each tab's count. Plain
SQL (it runs on every view of an officer's working day); the tabs' rules are written once, here, as conditions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from core.i18n import LOCAL_TIMEZONE
from db.case_handling import visible_to
from db.engine import date_column, fetch
from db.staff import Officer, colleagues_query

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


# A row's names come from scalar subqueries, not joins: PostgreSQL plans the page's statement on every view, and
# searching the join order of six tables cost it more than running the query.
_ROW_COLUMNS = (
    "c.id, c.reference, c.status, c.received_at, c.deadline, c.assigned_to, c.attention, c.protected, c.version, "
    "(SELECT e.title FROM e_service e WHERE e.id = c.e_service) AS service_title, "
    "s.name AS status_name, s.handling_days, "
    "(SELECT a.given_name FROM user_account a WHERE a.id = c.applicant) AS applicant_given_name, "
    "(SELECT a.surname FROM user_account a WHERE a.id = c.applicant) AS applicant_surname, "
    "(SELECT o.name FROM organisation o WHERE o.id = c.organisation) AS organisation_name, "
    "(SELECT h.given_name FROM user_account h WHERE h.id = c.assigned_to) AS assignee_given_name, "
    "(SELECT h.surname FROM user_account h WHERE h.id = c.assigned_to) AS assignee_surname, "
    '(SELECT min(r.due_date) FROM supplement_request r WHERE r."case" = c.id AND r.answered_at IS NULL) '
    "AS supplement_due, "
    'EXISTS (SELECT 1 FROM bookmark b WHERE b."case" = c.id AND b.officer = {}) AS bookmarked'
)


_COUNT_COLUMNS = frozenset(("list_total", "position", *(f"tab:{name}" for name in TABS)))


def _capped_count(where: str) -> str:
    """SQL counting the cases that pass `where`, stopping after the number given as its last argument."""
    return f"SELECT count(*) AS n FROM (SELECT 1 FROM case_record c WHERE {where} LIMIT {{}}) counted"  # noqa: S608


async def page(
    officer: Officer, services: list[int], selected: Filter, number: int, now: datetime
) -> tuple[list[dict], int, bool, dict[str, int]]:
    """A page of the tab's cases that pass the filter; how many pass it in all, counted up to COUNT_CAP past the
    page's first; whether there are more than that; and every tab's count (before filters) up to TAB_COUNT_CAP + 1
    (more than TAB_COUNT_CAP). One statement, so one round trip: each count reads at most its cap of cases, by the
    index its condition matches (case_record_open for the open cases' tabs), so it costs the same however many cases
    a unit has closed. `services`: the ids of the e-services the officer's units handle (`filter_choices`)."""
    visible, visible_arguments = visible_to(officer, services)
    tab, tab_arguments = _ordered(TABS[selected.tab], officer, now)
    filters, filter_arguments = _filters(selected)
    where = f"{visible} AND ({tab}) AND {filters}"
    arguments = (*visible_arguments, *tab_arguments, *filter_arguments)
    offset = (max(1, number) - 1) * PAGE_SIZE
    limit = offset + COUNT_CAP
    counts, count_arguments = [f"({_capped_count(where)}) AS list_total"], [*arguments, limit + 1]
    for name, text in TABS.items():
        condition, condition_arguments = _ordered(text, officer, now)
        counts.append(f'({_capped_count(f"{visible} AND ({condition})")}) AS "tab:{name}"')
        count_arguments += [*visible_arguments, *condition_arguments, TAB_COUNT_CAP + 1]
    sort = SORTS[selected.sort]
    # The page's ids first, then their columns: joining every matching case before taking 25 cost the default tab
    # more than the rest of the page together. The counts' one row stays when the page is empty (LEFT JOIN).
    rows = await fetch(
        f"SELECT counted.*, shown.* FROM (SELECT {', '.join(counts)}) counted LEFT JOIN ("  # noqa: S608
        f"SELECT {_ROW_COLUMNS}, row_number() OVER (ORDER BY {sort}) AS position "
        "FROM case_record c LEFT JOIN case_status s ON s.id = c.status_id "
        f"WHERE c.id IN (SELECT c.id FROM case_record c WHERE {where} ORDER BY {sort} LIMIT {{}} OFFSET {{}})) shown "
        "ON 1 = 1 ORDER BY shown.position",
        *count_arguments,
        officer.account_id,
        *arguments,
        PAGE_SIZE,
        offset,
    )
    first = rows[0]
    counted = int(first["list_total"])
    tab_counts = {name: int(first[f"tab:{name}"] or 0) for name in TABS}
    cases = []
    for row in rows if first["id"] is not None else ():
        case = {name: value for name, value in row.items() if name not in _COUNT_COLUMNS}
        case["attention"], case["protected"], case["bookmarked"] = (
            bool(case["attention"]),
            bool(case["protected"]),
            bool(case["bookmarked"]),
        )
        case["supplement_due"] = date_column(case["supplement_due"])
        cases.append(case)
    return cases, min(counted, limit), counted > limit, tab_counts


async def filter_choices(officer: Officer) -> tuple[list[dict], list[dict], list[dict]]:
    """The e-services the officer's units handle, the statuses they use (own sets and the default set), and the
    colleagues cases may be assigned to (db.staff.colleagues). One statement for the three small lists: each round
    trip to the database cost the inbox more than the query it carried."""
    if not officer.unit_ids:
        return [], [], []
    units = ", ".join("{}" for _ in officer.unit_ids)
    colleagues_sql, *colleagues_arguments = colleagues_query(officer.unit_ids)
    rows = await fetch(
        "SELECT 'service' AS list, id, title AS name, NULL AS surname, NULL AS kind, NULL AS e_service, "  # noqa: S608
        "CAST(NULL AS BOOLEAN) AS may_see_protected, 0 AS number_order, title AS text_order FROM e_service "
        f"WHERE unit IN ({units}) "
        "UNION ALL SELECT 'status', id, name, NULL, kind, e_service, NULL, sort_order, NULL FROM case_status "
        f"WHERE e_service IS NULL OR e_service IN (SELECT id FROM e_service WHERE unit IN ({units})) "
        "UNION ALL SELECT 'colleague', account_id, given_name, surname, role, NULL, may_see_protected, 0, given_name "
        f"FROM ({colleagues_sql}) colleague "
        "ORDER BY list, number_order, text_order, surname, id",
        *officer.unit_ids,
        *officer.unit_ids,
        *colleagues_arguments,
    )
    services, statuses, colleagues = [], [], []
    for row in rows:
        if row["list"] == "service":
            services.append({"id": row["id"], "title": row["name"]})
        elif row["list"] == "status":
            statuses.append({"id": row["id"], "name": row["name"], "kind": row["kind"], "e_service": row["e_service"]})
        else:
            colleagues.append(
                {
                    "account_id": row["id"],
                    "given_name": row["name"],
                    "surname": row["surname"],
                    "role": row["kind"],
                    "may_see_protected": row["may_see_protected"],
                }
            )
    return services, statuses, colleagues
