"""The officers' inbox: tabs with counts, filters, search, sorting and pages of a unit's cases, each with where it
stands against its deadline. The tabs' rules are conditions in db/inbox.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core import clock
from core.errors import DomainError, NotFound
from core.i18n import gettext as _
from core.i18n import ngettext
from core.text import normalise
from db import inbox
from db.inbox import PAGE_SIZE, SORTS, TABS, Filter
from db.staff import Officer
from services import case_handling
from services.applications import today
from services.case_handling import deadline_info
from web.pagination import Page

MAX_SEARCH = 100


def tab_label(tab: str) -> str:
    return {
        "att-hantera": _("To handle"),
        "mina": _("Mine"),
        "ej-tilldelade": _("Unassigned"),
        "alla": _("All"),
        "flaggade": _("Flagged"),
    }[tab]


def sort_label(sort: str) -> str:
    return {"inkommen": _("Newest first"), "deadline": _("Nearest deadline first")}[sort]


@dataclass(frozen=True)
class Choices:
    """What the filter offers: the unit's e-services, their statuses and the colleagues cases are assigned to."""

    services: list[dict]
    statuses: list[dict]
    colleagues: list[dict]


async def choices(officer: Officer) -> Choices:
    return Choices(*await inbox.filter_choices(officer))


def read_filter(
    *,
    tab: str,
    e_service: int | None,
    status: int | None,
    assignee: int | None,
    received_from: date | None,
    received_to: date | None,
    search: str,
    sort: str,
) -> Filter:
    """The filter the inbox's address asks for; unknown tabs and sorts fall back to the defaults (old bookmarks keep
    working). `assignee`: an account id, 0 for nobody."""
    return Filter(
        tab=tab if tab in TABS else "att-hantera",
        e_service=e_service,
        status=status,
        assignee=assignee,
        received_from=received_from,
        received_to=received_to,
        search=normalise(search.strip()[:MAX_SEARCH]),
        sort=sort if sort in SORTS else "inkommen",
    )


async def inbox_page(officer: Officer, choices: Choices, selected: Filter, number: int) -> tuple[Page, dict[str, int]]:
    """A page of the selected tab (each row with its deadline marks), and every tab's count (up to
    db.inbox.TAB_COUNT_CAP + 1: more than TAB_COUNT_CAP). A list's total is counted up to COUNT_CAP past the page's
    first case (`Page.more`: there are more)."""
    now = clock.now()
    services = [service["id"] for service in choices.services]
    rows, total, more, counts = await inbox.page(officer, services, selected, number, now)
    if not rows and total and number > 1:  # past the end: the last page
        number = (total - 1) // PAGE_SIZE + 1
        rows, total, more, counts = await inbox.page(officer, services, selected, number, now)
    local_today = today()
    for row in rows:
        row["marks"] = deadline_info(row, now)
        row["supplement_overdue"] = bool(row["supplement_due"] and row["supplement_due"] < local_today)
    return Page(rows, max(1, number), PAGE_SIZE, total, more), counts


async def bulk(
    officer: Officer, *, action: str, references: list[tuple[str, int | None]], assignee: int | None, status: int | None
) -> str:
    """Take, assign ("tilldela") or change the status ("status") of several cases, each from the version the list
    showed: a case changed meanwhile is left as it is. Returns what happened, in words for the officer."""
    if action not in ("ta", "tilldela", "status") or not references:
        return _("Choose one or more cases and what to do with them.")
    done = changed = 0
    for reference, version in references:
        try:
            case = await case_handling.visible_case(officer, reference, purpose="changed")
            if version is None:
                raise case_handling.Changed("")
            if action == "ta":
                await case_handling.take(officer, case, version)
            elif action == "tilldela":
                await case_handling.assign(officer, case, assignee, version)
            else:
                await case_handling.change_status(officer, case, status, "", version)
        except (case_handling.Changed, NotFound):
            changed += 1
            continue
        except DomainError as error:  # the choice itself is wrong (no status or colleague chosen): say so, once
            return error.user_message
        done += 1
    text = ngettext("%(num)d case changed.", "%(num)d cases changed.", done) % {"num": done}
    if changed:
        text += " " + ngettext(
            "%(num)d case had been changed by someone else and was left as it was.",
            "%(num)d cases had been changed by someone else and were left as they were.",
            changed,
        ) % {"num": changed}
    return text
