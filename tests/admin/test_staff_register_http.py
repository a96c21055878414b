"""The staff register in the browser (/admin/personal; who may reach it: test_access_matrix.py): administrators add
staff by personal identity number, change their role, units, protected-identity permission and validity window, and
remove them; a change or removal ends the person's sessions, access ends by itself after its last day, the command
line (cli/staff.py) follows the same rules, and everything is audited without personal data."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, time, timedelta

import httpx
import pytest

from core import clock
from core.i18n import LOCAL_TIMEZONE
from db.audit import AuditEntry
from db.staff import StaffMember, StaffUnit, Unit
from tests.factories import make_officer, make_unit, make_user
from tests.login import csrf_from, log_in

ADMIN, EVA, OLOF, ERIK = "195504109884", "197606239866", "197104183525", "198112189876"
REGISTER = "/admin/personal"
BYGGA = "Bygga, bo och miljö"


@pytest.fixture
async def office(db):
    bygga = await make_unit(BYGGA)
    skola = await make_unit("Barn och utbildning")
    admin = await make_officer(ADMIN, "Kommunledningskontoret", role="admin")
    await make_user(ERIK)
    return {"bygga": bygga, "skola": skola, "admin": admin.id}


@pytest.fixture
async def admin_client(client, app, office):
    await log_in(client, app, ADMIN)
    return client


@pytest.fixture
async def new_client(app):
    """Another browser: one more client on the same app, closed after the test."""
    opened = []

    async def open_client() -> httpx.AsyncClient:
        opened.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver"))
        return opened[-1]

    yield open_client
    for http_client in opened:
        await http_client.aclose()


def staff_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.staff", *args], capture_output=True, text=True, env=os.environ.copy(), check=False
    )


def form(office, **changes) -> dict:
    """A valid form: Eva as an officer of Bygga, bo och miljö, without a window."""
    return {
        "personal_number": "19760623-9866",
        "role": "officer",
        "units": [str(office["bygga"])],
        "new_unit": "",
        "valid_from": "",
        "valid_to": "",
        **changes,
    }


async def post(client, path: str, data: dict) -> httpx.Response:
    page = await client.get(path)
    return await client.post(path, data={"_csrf_token": csrf_from(page.text), **data})


async def member_id(personal_number: str) -> int:
    row = await StaffMember.select(StaffMember.id).where(StaffMember.personal_number == personal_number).first()
    return row["id"]


async def add(client, office, **changes) -> int:
    response = await post(client, REGISTER + "/ny", form(office, **changes))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == REGISTER
    personal_number = re.sub(r"\D", "", changes.get("personal_number", "197606239866"))
    return await member_id(personal_number if len(personal_number) == 12 else "19" + personal_number)


async def audited(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)


def row_of(page: httpx.Response, text: str) -> str:
    """The text of the register's row that contains `text`, tags stripped."""
    for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S):
        flat = " ".join(re.sub(r"<[^>]+>", " ", row).split())
        if text in flat:
            return flat
    raise AssertionError(f"no row with {text!r}")


def next_local_midnight() -> timedelta:
    """How far the clock is from the next midnight in Swedish time."""
    now = clock.now().astimezone(LOCAL_TIMEZONE)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), tzinfo=LOCAL_TIMEZONE)
    return midnight - now


def today() -> str:
    return clock.now().astimezone(LOCAL_TIMEZONE).date().isoformat()


def tomorrow() -> str:
    return (clock.now().astimezone(LOCAL_TIMEZONE).date() + timedelta(days=1)).isoformat()


async def test_the_register_lists_staff_with_their_role_units_window_and_state(admin_client, office):
    start = await admin_client.get("/admin")
    assert f'href="{REGISTER}"' in start.text and "Personalregister" in start.text
    await make_officer(OLOF, BYGGA, role="restricted_officer", may_see_protected=True)
    await add(admin_client, office, units=[str(office["skola"]), str(office["bygga"])], valid_to="2099-12-31")
    page = await admin_client.get(REGISTER)
    assert page.status_code == 200 and "<h1>Personalregister</h1>" in page.text
    olof = row_of(page, "Olof")
    assert "19710418-****" in olof and "197104183525" not in page.text and "3525" not in olof
    assert "Begränsad handläggare" in olof and BYGGA in olof and "Får handlägga" in olof and "Aktiv" in olof
    eva = row_of(page, "19760623-****")
    assert eva.startswith("Har inte loggat in")  # no account yet: the name comes at the first login
    assert "Handläggare" in eva and f"Barn och utbildning, {BYGGA}" in eva and "31 december 2099" in eva
    admin = row_of(page, "Birgitta")
    assert "Administratör" in admin and "Kommunledningskontoret" in admin
    # The full number only on the person's own page.
    own = await admin_client.get(f"{REGISTER}/{await member_id(EVA)}")
    assert "19760623-9866" in own.text and "Ändra 19760623-9866" in own.text


async def test_an_admin_adds_an_officer_who_then_logs_in_to_the_staff_views(admin_client, app, office, new_client):
    eva = await new_client()
    await log_in(eva, app, EVA)  # a resident before she is staff
    assert (await eva.get("/handlaggare")).status_code == 403
    added = await add(
        admin_client, office, personal_number="760623-9866", new_unit="  Socialtjänst ", protected="1",
        valid_from="2020-01-01",
    )  # fmt: skip
    listed = await admin_client.get(REGISTER)
    assert "Personen är tillagd." in listed.text
    member = await StaffMember.objects().where(StaffMember.id == added).first()
    assert (member.personal_number, member.role, member.may_see_protected) == (EVA, "officer", True)
    assert str(member.valid_from) == "2020-01-01" and member.valid_to is None
    unit_names = await Unit.select(Unit.name).where(
        Unit.id.is_in([row["unit"] for row in await StaffUnit.select(StaffUnit.unit).where(StaffUnit.member == added)])
    )
    assert sorted(row["name"] for row in unit_names) == [BYGGA, "Socialtjänst"]
    assert member.unit == BYGGA  # the first unit by name, shown at login
    (entry,) = await audited("staff.added")
    assert entry["actor"] == office["admin"] and entry["target"] == f"staff:{added}"
    assert json.loads(entry["details"]) == {"role": "officer"}
    # Adding her ended her resident session; her next login is a staff login.
    assert (await eva.get("/mina-sidor")).status_code == 303
    finished = await log_in(eva, app, EVA)
    assert finished.headers["location"] == "/handlaggare"
    assert (await eva.get("/handlaggare")).status_code == 200
    assert "Eva" in row_of(await admin_client.get(REGISTER), "19760623-****")  # her name, now that she has logged in


async def test_an_e_service_editor_gets_no_officer_access(admin_client, app, office, new_client):
    await add(admin_client, office, role="editor")
    eva = await new_client()
    finished = await log_in(eva, app, EVA)
    assert finished.headers["location"] == "/mina-sidor"
    assert (await eva.get("/handlaggare")).status_code == 403
    assert (await eva.get("/admin")).status_code == 403
    assert 'href="/handlaggare"' not in (await eva.get("/mina-sidor")).text
    assert "E-tjänstredaktör" in row_of(await admin_client.get(REGISTER), "19760623-****")


BAD_INPUT = [
    ("personal_number", "", "Skriv personnumret"),
    ("personal_number", "19760623-9867", "Personnumret är inte giltigt: kontrollera den sista siffran"),
    ("personal_number", "hej", "Ange ett personnummer med 12 siffror"),
    ("personal_number", "２０２０", "Ange ett personnummer med 12 siffror"),
    ("personal_number", "195504109884", "Personen finns redan i personalregistret"),
    ("role", "king", "Välj en roll"),
    ("role", "", "Välj en roll"),
    ("units", ["999999"], "Välj bland enheterna i listan"),
    ("units", ["bygg"], "Välj bland enheterna i listan"),
    ("units", [], "Välj minst en enhet, eller skriv namnet på en ny"),
    ("new_unit", "x" * 121, "Enhetens namn får vara högst 120 tecken"),
    ("valid_from", "imorgon", "Skriv datumet som år-månad-dag"),
    ("valid_from", "2027-02-30", "Det datumet finns inte"),
    ("valid_to", "31/12/2027", "Skriv datumet som år-månad-dag"),
    ("valid_to", "２０２７-01-01", "Skriv datumet som år-månad-dag"),
    ("valid_to", "2026-01-01", "Sista dagen kan inte vara före första dagen"),
]


@pytest.mark.parametrize("field, value, message", BAD_INPUT, ids=[f"{f}={str(v)[:20]!r}" for f, v, _m in BAD_INPUT])
async def test_bad_input_is_named_next_to_its_field_and_nothing_typed_is_lost(
    admin_client, office, field, value, message
):
    typed = {**form(office, new_unit="" if field == "units" else "Vård & <omsorg>", protected="1",
                    valid_from="2026-06-01", valid_to="2027-06-30"), field: value}  # fmt: skip
    existing = await add(admin_client, office, personal_number="19710418-3525", role="restricted_officer")
    paths = [REGISTER + "/ny"] + ([f"{REGISTER}/{existing}"] if field != "personal_number" else [])
    for path in paths:
        response = await post(admin_client, path, typed)
        assert response.status_code == 400, (path, response.text)
        assert "<title>Fel:" in response.text
        summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
        assert f'href="#{field}"' in summary and message in summary
        beside = re.search(rf'<p id="{field}-error" class="error-message">(.*?)</p>', response.text, re.S)
        assert beside and message in beside.group(1), field
        assert f'id="{field}"' in response.text  # the summary's link has its field to go to
        for name, sent in typed.items():
            if name == "personal_number" and path != REGISTER + "/ny":
                assert "19710418-3525" in response.text  # the person being changed, not a field
                continue
            if name == "units":
                for unit in sent:
                    if unit.isdigit() and int(unit) in (office["bygga"], office["skola"]):
                        assert re.search(rf'name="units" type="checkbox" value="{unit}" checked', response.text)
            elif name == "role":
                if sent in ("officer", "editor"):
                    assert f'value="{sent}" checked' in response.text
            elif name == "protected":
                assert 'id="protected" name="protected" type="checkbox" value="1" checked' in response.text
            else:
                shown = sent.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                assert f'value="{shown}"' in response.text, name
    assert await StaffMember.count() == 2  # the admin and the one added above, unchanged
    member = await StaffMember.objects().where(StaffMember.id == existing).first()
    assert member.role == "restricted_officer" and member.valid_to is None
    assert await Unit.count().where(Unit.name == "Vård & <omsorg>") == 0
    assert await audited("staff.changed") == []


async def test_an_administrator_needs_no_unit(admin_client, office):
    added = await add(admin_client, office, role="admin", units=[])
    assert await StaffUnit.count().where(StaffUnit.member == added) == 0


async def test_odd_posts_get_a_swedish_400_never_a_500(admin_client, office):
    existing = await add(admin_client, office)
    for path in (REGISTER + "/ny", f"{REGISTER}/{existing}"):
        page = await admin_client.get(path)
        token = csrf_from(page.text)
        for data in (
            {},
            {"personal_number": "\x00", "role": "\x00", "units": "\x00", "new_unit": "\x00", "valid_from": "\x00"},
            {"role": ["officer", "admin"], "units": [str(office["bygga"])] * 3, "valid_to": "x"},
            {"valid_from": "99999-01-01", "valid_to": "0000-00-00"},
        ):
            response = await admin_client.post(path, data={"_csrf_token": token, **data})
            assert response.status_code == 400, (path, data, response.text)
            assert "Det finns ett problem" in response.text
        files = {"personal_number": ("a.txt", b"19760623-9866", "text/plain")}
        response = await admin_client.post(path, data={"_csrf_token": token}, files=files)
        assert response.status_code == 400
    assert await StaffMember.count() == 2


async def test_a_change_ends_the_persons_sessions_and_the_next_login_has_the_new_rights(
    admin_client, app, office, new_client
):
    existing = await add(admin_client, office)
    eva = await new_client()
    await log_in(eva, app, EVA)
    other_browser = await new_client()
    await log_in(other_browser, app, EVA)
    assert (await eva.get("/handlaggare")).status_code == 200

    changed = form(office, role="restricted_officer", units=[str(office["skola"])], protected="1")
    response = await post(admin_client, f"{REGISTER}/{existing}", changed)
    assert response.status_code == 303
    assert "Personen har loggats ut" in (await admin_client.get(REGISTER)).text
    for browser in (eva, other_browser):
        stopped = await browser.get("/handlaggare")
        assert stopped.status_code == 303 and stopped.headers["location"].startswith("/logga-in")
    (entry,) = await audited("staff.changed")
    details = json.loads(entry["details"])
    assert entry["target"] == f"staff:{existing}" and entry["actor"] == office["admin"]
    assert details == {"changed": ["role", "units", "may_see_protected"], "role": "restricted_officer"}
    assert "197606239866" not in entry["details"] and "Barn" not in entry["details"]

    await log_in(eva, app, EVA)
    inbox = await eva.get("/handlaggare")
    assert inbox.status_code == 200 and "Barn och utbildning" in inbox.text


async def test_saving_without_a_change_keeps_the_sessions_and_logs_nothing(admin_client, app, office, new_client):
    existing = await add(admin_client, office)
    eva = await new_client()
    await log_in(eva, app, EVA)
    response = await post(admin_client, f"{REGISTER}/{existing}", form(office))
    assert response.status_code == 303
    assert "Ingenting ändrades." in (await admin_client.get(REGISTER)).text
    assert (await eva.get("/handlaggare")).status_code == 200
    assert await audited("staff.changed") == []


async def test_removing_asks_first_then_removes_and_logs_out(admin_client, app, office, new_client):
    existing = await add(admin_client, office)
    eva = await new_client()
    await log_in(eva, app, EVA)
    confirm = await admin_client.get(f"{REGISTER}/{existing}/ta-bort")
    assert confirm.status_code == 200 and "Ta bort ur personalregistret?" in confirm.text
    assert "19760623-9866" in confirm.text and await StaffMember.count() == 2  # asking removes nothing
    response = await admin_client.post(f"{REGISTER}/{existing}/ta-bort", data={"_csrf_token": csrf_from(confirm.text)})
    assert response.status_code == 303
    assert "Personen är borttagen ur personalregistret och utloggad." in (await admin_client.get(REGISTER)).text
    assert await StaffMember.count() == 1 and await StaffUnit.count().where(StaffUnit.member == existing) == 0
    assert (await eva.get("/handlaggare")).status_code == 303
    (entry,) = await audited("staff.removed")
    assert entry["target"] == f"staff:{existing}" and json.loads(entry["details"]) == {"sessions_ended": 1}
    finished = await log_in(eva, app, EVA)
    assert finished.headers["location"] == "/mina-sidor" and (await eva.get("/handlaggare")).status_code == 403


async def test_access_begins_on_its_first_day(admin_client, app, office, new_client):
    existing = await add(admin_client, office, valid_from=tomorrow())
    assert "Inte giltig än" in row_of(await admin_client.get(REGISTER), "19760623-****")
    eva = await new_client()
    finished = await log_in(eva, app, EVA)
    assert finished.headers["location"] == "/mina-sidor" and (await eva.get("/handlaggare")).status_code == 403
    with clock.travel(next_local_midnight() + timedelta(minutes=1)):
        finished = await log_in(eva, app, EVA)
        assert finished.headers["location"] == "/handlaggare"
        assert (await eva.get("/handlaggare")).status_code == 200
        assert (await StaffMember.objects().where(StaffMember.id == existing).first()).valid_from is not None


async def test_access_ends_by_itself_after_its_last_day_even_in_an_open_session(admin_client, app, office, new_client):
    await add(admin_client, office, valid_to=today())
    eva = await new_client()
    to_midnight = next_local_midnight()
    with clock.travel(to_midnight - timedelta(minutes=2)):
        await log_in(eva, app, EVA)
        assert (await eva.get("/handlaggare")).status_code == 200
    with clock.travel(to_midnight + timedelta(minutes=1)):
        ended = await eva.get("/handlaggare")
        assert ended.status_code == 303 and ended.headers["location"].startswith("/logga-in")
        finished = await log_in(eva, app, EVA)
        assert finished.headers["location"] == "/mina-sidor"
        assert (await eva.get("/handlaggare")).status_code == 403
        admin = await new_client()
        await log_in(admin, app, ADMIN)
        assert "Upphört" in row_of(await admin.get(REGISTER), "Eva")


async def test_the_command_line_and_the_pages_follow_the_same_rules(admin_client, app, office, new_client):
    added = staff_cli("add", "19710418-3525", "--role", "restricted_officer", "--unit", BYGGA, "--unit", "Socialtjänst",
                      "--valid-to", "2099-06-30")  # fmt: skip
    assert added.returncode == 0, added.stderr
    olof = row_of(await admin_client.get(REGISTER), "19710418-****")
    assert "Begränsad handläggare" in olof and f"{BYGGA}, Socialtjänst" in olof and "30 juni 2099" in olof
    (entry,) = await audited("staff.added")
    assert entry["actor"] is None and entry["target"] == f"staff:{await member_id(OLOF)}"

    await add(admin_client, office, role="editor", protected="1")
    listed = staff_cli("list")
    assert listed.returncode == 0, listed.stderr
    eva_line = next(line for line in listed.stdout.splitlines() if "19760623-9866" in line)
    assert "editor" in eva_line and "active" in eva_line and "protected" in eva_line and BYGGA in eva_line

    # The same refusals, with the same Swedish words.
    refused = staff_cli(
        "add", "19800101-0000", "--unit", BYGGA, "--valid-from", "2027-01-02", "--valid-to", "2027-01-01"
    )
    assert refused.returncode == 2
    refused = staff_cli("add", "19760623-9866", "--valid-from", "2027-01-02", "--valid-to", "2027-01-01")
    assert refused.returncode == 2 and "Sista dagen kan inte vara före första dagen" in refused.stderr
    assert "Välj minst en enhet" in refused.stderr
    page = await post(admin_client, f"{REGISTER}/{await member_id(EVA)}",
                      form(office, units=[], valid_from="2027-01-02", valid_to="2027-01-01"))  # fmt: skip
    assert "Sista dagen kan inte vara före första dagen" in page.text and "Välj minst en enhet" in page.text

    # A change from the command line ends the sessions, as one from the page does.
    eva = await new_client()
    await log_in(eva, app, EVA)
    changed = staff_cli("add", "19760623-9866", "--role", "officer", "--unit", BYGGA, "--protected")
    assert changed.returncode == 0 and "role" in changed.stdout, changed.stderr
    assert (await eva.get("/mina-sidor")).status_code == 303
    (entry,) = await audited("staff.changed")
    assert json.loads(entry["details"])["changed"] == ["role"]
    removed = staff_cli("remove", "19710418-3525")
    assert removed.returncode == 0 and await StaffMember.count() == 2
