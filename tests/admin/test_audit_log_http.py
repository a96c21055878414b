"""The audit log for administrators (/admin/logg; who may see it: test_access_matrix.py): search by period, staff
member, case and action, pages of 50 newest first, CSV export safe to open in a spreadsheet, the random sample, and
every view and export recorded in the log itself."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from db.audit import AuditEntry
from tests.factories import make_officer, make_user
from tests.login import log_in

ADMIN, OFFICER, RESIDENT = "195504109884", "197606239866", "198112189876"


async def _entry(action: str, at: datetime, actor_id: int | None = None, target: str = "", **details) -> None:
    await AuditEntry.insert(
        AuditEntry(at=at, actor=actor_id, action=action, target=target, details=json.dumps(details))
    )


@pytest.fixture
async def people(db):
    admin = await make_officer(ADMIN, "Kommunledningskontoret", role="admin")
    officer = await make_officer(OFFICER)
    resident = await make_user(RESIDENT)
    return {"admin": admin.id, "officer": officer.id, "resident": resident.id}


@pytest.fixture
async def admin_client(client, app, people):
    await log_in(client, app, ADMIN)
    return client


def _rows(response) -> list[str]:
    """The log table's body rows as text, tags stripped."""
    body = re.search(r"<tbody>(.*?)</tbody>", response.text, re.S)
    assert body, response.text
    return [
        " ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)
    ]


async def _own_entries(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)


async def test_the_admin_finds_the_log_from_the_start_page(admin_client):
    start = await admin_client.get("/admin")
    assert start.status_code == 200
    assert 'href="/admin/logg"' in start.text and "Granskningslogg" in start.text
    assert 'href="/admin"' in (await admin_client.get("/handlaggare")).text  # the main menu links to /admin


async def test_search_by_period_staff_case_and_action(admin_client, people):
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    await _entry("case.viewed", day, people["officer"], "case:ABC-1")
    await _entry("case.changed", day, people["officer"], "case:ABC-2")
    await _entry("case.viewed", day - timedelta(days=5), people["officer"], "case:ABC-1")
    await _entry("logout", day, people["resident"])

    def found(response):
        return [row for row in _rows(response) if "audit_log" not in row]

    by_case = await admin_client.get("/admin/logg", params={"arende": "abc-1"})
    assert len(found(by_case)) == 2 and all("case:ABC-1" in row for row in found(by_case))

    by_period = await admin_client.get("/admin/logg", params={"fran": "2026-03-10", "till": "2026-03-10"})
    assert len(found(by_period)) == 3

    by_action = await admin_client.get("/admin/logg", params={"handelse": "case.changed"})
    assert [row for row in _rows(by_action)] == [next(r for r in _rows(by_action) if "case:ABC-2" in r)]

    by_number = await admin_client.get("/admin/logg", params={"personal": "19760623-9866"})
    assert len(found(by_number)) == 3 and all(OFFICER in row for row in found(by_number))

    by_name = await admin_client.get("/admin/logg", params={"personal": "KARLSSON eva"})
    assert len(found(by_name)) == 3 and all(OFFICER in row for row in found(by_name))

    resident = await admin_client.get("/admin/logg", params={"personal": RESIDENT})
    assert len(found(resident)) == 1 and "Utloggad" in found(resident)[0]

    not_staff = await admin_client.get("/admin/logg", params={"personal": "Erik"})  # names: the staff register
    assert "Inga händelser" in not_staff.text and "<tbody>" not in not_staff.text

    nothing = await admin_client.get("/admin/logg", params={"arende": "XYZ-9"})
    assert "Inga händelser" in nothing.text


async def test_pages_of_fifty_newest_first_and_htmx_gets_the_fragment(admin_client, people):
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(120):
        await _entry("case.viewed", start + timedelta(minutes=number), people["officer"], f"case:R-{number}")
    query = {"handelse": "case.viewed"}

    first = await admin_client.get("/admin/logg", params=query)
    rows = _rows(first)
    assert len(rows) == 50 and "case:R-119" in rows[0] and "case:R-70" in rows[-1]
    assert "Visar 1–50 av 120" in first.text

    third = await admin_client.get("/admin/logg", params={**query, "sida": "3"})
    rows = _rows(third)
    assert len(rows) == 20 and "case:R-19" in rows[0] and "case:R-0" in rows[-1]

    swapped = await admin_client.get("/admin/logg", params={**query, "sida": "2"}, headers={"HX-Request": "true"})
    assert "<h1" not in swapped.text and len(_rows(swapped)) == 50
    assert swapped.headers["hx-push-url"] == "/admin/logg?handelse=case.viewed&sida=2"
    assert "hx-request" in swapped.headers["vary"].lower()


async def test_every_view_is_recorded_without_the_staff_members_number(admin_client, people):
    await admin_client.get("/admin/logg", params={"personal": OFFICER, "arende": "ABC-1", "fran": "2026-01-01"})
    (entry,) = await _own_entries("audit_log.viewed")
    details = json.loads(entry["details"]) if isinstance(entry["details"], str) else entry["details"]
    assert entry["actor"] == people["admin"]
    assert details["by_staff"] is True and details["case"] == "ABC-1" and details["from"] == "2026-01-01"
    assert OFFICER not in json.dumps(details)


async def test_csv_export_holds_the_search_and_defuses_formulas(admin_client, people):
    day = datetime(2026, 3, 10, 12, tzinfo=UTC)
    await _entry("case.viewed", day, people["officer"], "case:ABC-1")
    await _entry('=HYPERLINK("http://evil")', day, people["officer"], "+cmd", note="@SUM(A1)")
    await _entry("logout", day, people["resident"])

    response = await admin_client.get("/admin/logg/export.csv", params={"personal": OFFICER})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert re.fullmatch(
        r'attachment; filename="granskningslogg-\d{8}-\d{6}\.csv"', response.headers["content-disposition"]
    )
    assert response.headers["cache-control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["Tidpunkt", "Personnummer", "Namn", "Händelse", "Beskrivning", "Mål", "Detaljer"]
    assert len(rows) == 3
    formula = next(row for row in rows if "HYPERLINK" in row[3])
    assert formula[3] == '\'=HYPERLINK("http://evil")' and formula[5] == "'+cmd" and formula[6] == "note=@SUM(A1)"
    viewed = next(row for row in rows if row[3] == "case.viewed")
    assert viewed[1] == OFFICER and viewed[4] == "Ärende visat" and viewed[5] == "case:ABC-1"
    assert viewed[0] == "2026-03-10 13:00:00"  # local time

    (exported,) = await _own_entries("audit_log.exported")
    assert exported["actor"] == people["admin"]


async def test_csv_cells_starting_with_a_formula_character_get_a_quote():
    from services.admin import to_csv

    row = {
        "at": datetime(2026, 1, 1, tzinfo=UTC),
        "actor_id": 1,
        "actor_personal_number": "-1+1",
        "actor_given_name": "@Eva",
        "actor_surname": "",
        "action": "x",
        "target": "=1+1",
        "details": {},
    }
    parsed = list(csv.reader(io.StringIO(to_csv([row]).lstrip("\ufeff"))))[1]
    assert parsed[1] == "'-1+1" and parsed[2] == "'@Eva" and parsed[5] == "'=1+1"


async def test_the_random_sample_shows_n_entries_of_the_period_and_exports_the_same(admin_client, people):
    day = datetime(2026, 5, 5, 12, tzinfo=UTC)
    for number in range(30):
        await _entry("case.viewed", day, people["officer"], f"case:S-{number}")
    await _entry("case.viewed", day + timedelta(days=40), people["officer"], "case:LATER")
    query = {"fran": "2026-05-01", "till": "2026-05-31", "antal": "7"}

    page = await admin_client.get("/admin/logg/stickprov", params=query)
    assert page.status_code == 200
    shown = _rows(page)
    assert len(shown) == 7 and not any("LATER" in row for row in shown)
    link = re.search(r'href="(/admin/logg/stickprov\?[^"]*format=csv[^"]*)"', page.text).group(1).replace("&amp;", "&")
    exported = await admin_client.get(link)
    assert exported.headers["content-disposition"].startswith('attachment; filename="stickprov-')
    targets = sorted(row[5] for row in list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))[1:])
    assert targets == sorted(re.search(r"case:S-\d+", row).group(0) for row in shown)

    assert len(await _own_entries("audit_log.sampled")) == 1
    assert len(await _own_entries("audit_log.exported")) == 1

    everything = await admin_client.get("/admin/logg/stickprov", params={**query, "antal": "100"})
    assert len(_rows(everything)) == 30


async def test_odd_search_values_are_answered_not_crashed(admin_client, people):
    odd = ["-1", "99999999999999", "2026-02-30", "%", "' OR 1=1 --", "ä" * 500, "\u202e", "٣"]
    for value in odd:
        for name in ("fran", "till", "personal", "arende", "handelse", "sida"):
            response = await admin_client.get("/admin/logg", params={name: value})
            assert response.status_code == 200, (name, value)
        for name in ("antal", "urval"):
            response = await admin_client.get("/admin/logg/stickprov", params={name: value, "format": "csv"})
            assert response.status_code == 200, (name, value)


def test_every_action_the_code_records_can_be_chosen_in_the_search():
    """The select lists the actions by name: a new `audit.record("...")` needs its label in services/admin.py."""
    from pathlib import Path

    from services.admin import action_labels

    root = Path(__file__).resolve().parents[2]
    recorded = set()
    for folder in ("services", "routes", "db", "jobs", "web"):
        for path in (root / folder).rglob("*.py"):
            recorded |= set(re.findall(r'audit\.record\(\s*"([^"]+)"', path.read_text()))
    assert recorded, "no audit.record calls found"
    assert recorded <= set(action_labels()), recorded - set(action_labels())
