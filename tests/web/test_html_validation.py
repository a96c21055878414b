"""The main pages are valid HTML: the W3C Nu Html Checker (vnu-jar from npm, run offline on the installed Java) finds
no errors in them.

The pages are fetched through the app as a visitor, a resident and a case officer would see them, written to a
temporary directory and checked in one run of the checker (one JVM start for all of them).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from core import clock
from db import messages as conversations
from db.staff import save_staff as add_staff
from tests.applications.helpers import current_step, post_step, start
from tests.factories import make_case, make_service_with_form, make_user
from tests.headings import heading_problems
from tests.login import csrf_from, log_in, start_login

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = PROJECT_ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ERIK, OFFICER, ADMIN = "198112189876", "197606239866", "195504109884"
SKENE_IF = "8024473194"  # an association Erik signs for (the company register's fixture)
FAULT_REPORT = "felanmalan-gata-park-och-belysning"  # no login, no signing; a conditional question and a file field


# One document the checker must find fault with: proof that it ran and read the directory.
CANARY = '<!doctype html><html lang="sv"><head><title>Kontroll</title></head><body><p nonsense="1">x</p></body></html>'


class Pages:
    """The pages to check, by a name that says what each is; each must answer with the status it is expected to."""

    def __init__(self) -> None:
        self.html: dict[str, str] = {}

    def add(self, name: str, response: httpx.Response, status: int = 200) -> None:
        assert response.status_code == status, f"{name}: {response.request.url} answered {response.status_code}"
        assert response.headers["content-type"].startswith("text/html"), name
        assert name not in self.html, name
        self.html[name] = response.text

    async def get(self, client: httpx.AsyncClient, name: str, path: str, status: int = 200) -> httpx.Response:
        response = await client.get(path)
        self.add(name, response, status)
        return response


async def public_pages(pages: Pages, client: httpx.AsyncClient) -> None:
    await pages.get(client, "start", "/")
    await pages.get(client, "catalogue", "/e-tjanster")
    await pages.get(client, "catalogue, search", "/e-tjanster?q=bygglov")
    await pages.get(client, "catalogue, search without results", "/e-tjanster?q=zzzyx")
    await pages.get(client, "catalogue, category", "/e-tjanster?kategori=bygga-bo-och-miljo")
    await pages.get(client, "e-service", "/e-tjanster/ansokan-om-bygglov")
    await pages.get(client, "e-service without login", f"/e-tjanster/{FAULT_REPORT}")
    for path in ("/om", "/kakor", "/tillganglighet", "/kontakt", "/logga-in", "/logga-in/bankid"):
        await pages.get(client, path, path)
    await pages.get(client, "not found", "/finns-inte", status=404)


async def log_in_showing_the_status_page(pages: Pages, client: httpx.AsyncClient, app) -> None:
    started = await start_login(client)
    assert started.status_code == 303, started.text
    await pages.get(client, "BankID status during login", "/logga-in/bankid/status")
    await log_in(client, app, ERIK)  # a new order (the page above has just collected the first one)


async def application_pages(pages: Pages, client: httpx.AsyncClient) -> None:
    """A fault report from its first step (empty, then with errors) through the check page to the receipt."""
    draft_id = await start(client, FAULT_REPORT)
    step, first = await current_step(client, draft_id)
    pages.add("application step", first)
    errors = await post_step(client, draft_id, step, {"typ_av_fel": "belysning", "beskrivning": ""})
    pages.add("application step with errors", errors, status=400)
    assert "error-summary" in errors.text
    done = await post_step(client, draft_id, step, {"typ_av_fel": "belysning", "beskrivning": "Lampan är trasig."})
    assert done.status_code == 303, done.text
    assert (await post_step(client, draft_id, "platsen", {"plats": "Storgatan 12, Kinna"})).status_code == 303
    await pages.get(client, "application step with a file question", f"/ansokan/{draft_id}/steg/bild")
    assert (await post_step(client, draft_id, "bild", {})).status_code == 303
    assert (await post_step(client, draft_id, "kontakt", {"vill_ha_besked": "nej"})).status_code == 303
    check = await pages.get(client, "check answers (granska)", f"/ansokan/{draft_id}/granska")
    submitted = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert submitted.status_code == 303 and submitted.headers["location"].endswith("/kvittens"), submitted.text
    await pages.get(client, "receipt (kvittens)", submitted.headers["location"])

    # An e-service that keeps drafts and asks for signing: its first step and, once answered, the sign page.
    draft_id = await start(client, "ansokan-om-bygglov")
    _step, first = await current_step(client, draft_id)
    pages.add("application step of a service with drafts", first)
    await make_service_with_form(slug="signera", title="Ansökan som signeras", requires_signing=True)
    draft_id = await start(client, "signera")
    revealed = await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b"})
    pages.add("application step that revealed a question", revealed)
    assert (await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b", "detalj": "x"})).status_code == 303
    assert (await post_step(client, draft_id, "bilagor", {})).status_code == 303
    assert (await post_step(client, draft_id, "parter", {})).status_code == 303
    await pages.get(client, "sign (signera)", f"/ansokan/{draft_id}/signera")


async def my_pages(pages: Pages, client: httpx.AsyncClient) -> None:
    service = await make_service_with_form(slug="bygga", title="Bygglov")
    erik = await make_user(ERIK)
    case = await make_case(service, erik.id)
    await make_case(service, erik.id, status="closed", closed_at=clock.now())
    now = clock.now()
    await conversations.add_message(case.id, None, from_officer=True, body="Hej! Vi har fått din ansökan.", now=now)
    await conversations.add_message(case.id, erik.id, from_officer=False, body="Tack, när får jag besked?", now=now)
    await conversations.request_supplement(
        case.id, None, message="Skicka ritningen", fields=[], due_date=date.today() + timedelta(days=7), now=now
    )
    page = await client.get("/mina-sidor/organisationer")
    added = await client.post(
        "/mina-sidor/organisationer", data={"_csrf_token": csrf_from(page.text), "organisation_number": SKENE_IF}
    )
    assert added.status_code == 303, added.text

    await pages.get(client, "Mina sidor", "/mina-sidor")
    await pages.get(client, "my cases", "/mina-sidor/arenden")
    await pages.get(client, "my closed cases", "/mina-sidor/arenden?grupp=avslutade")
    case_page = await pages.get(client, "case with messages", f"/mina-sidor/arenden/{case.reference}")
    assert "Vi har fått din ansökan" in case_page.text and "Skicka ritningen" in case_page.text
    await pages.get(client, "my details", "/mina-sidor/uppgifter")
    await pages.get(client, "my organisations", "/mina-sidor/organisationer")
    await pages.get(client, "start an e-service, choosing whom for", "/e-tjanster/bygga/starta")


async def staff_pages(pages: Pages, client: httpx.AsyncClient, app) -> None:
    await add_staff(OFFICER, "officer", "Bygga, bo och miljö", clock.now())
    client.cookies.clear()
    await log_in(client, app, OFFICER)
    await pages.get(client, "officer inbox", "/handlaggare")


async def admin_pages(pages: Pages, client: httpx.AsyncClient, app) -> None:
    await add_staff(ADMIN, "admin", "Kommunledningskontoret", clock.now())
    client.cookies.clear()
    await log_in(client, app, ADMIN)
    await pages.get(client, "admin start", "/admin")
    await pages.get(client, "audit log", "/admin/logg")
    await pages.get(client, "audit log, search without results", "/admin/logg?arende=XYZ-1")
    await pages.get(client, "audit log sample", "/admin/logg/stickprov?antal=5")
    await pages.get(client, "API clients, none", "/admin/api-klienter")
    form = await pages.get(client, "new API client", "/admin/api-klienter/ny")
    data = {"_csrf_token": csrf_from(form.text), "name": "ByggR", "e_services": ["ansokan-om-bygglov"]}
    pages.add("new API client, errors", await client.post("/admin/api-klienter/ny", data=data), 400)
    created = await client.post("/admin/api-klienter/ny", data={**data, "scopes": ["read"], "expires": "2099-12-31"})
    pages.add("API client created, its token", created, 201)
    client_path = re.search(r'href="(/admin/api-klienter/[0-9]+)"', created.text).group(1)
    page = await pages.get(client, "API client", client_path)
    webhook = {"_csrf_token": csrf_from(page.text), "url": "http://byggr.example.se/"}
    pages.add("API client, webhook errors", await client.post(client_path + "/webhook", data=webhook), 400)
    saved = await client.post(client_path + "/webhook", data={**webhook, "url": "https://byggr.example.se/"})
    pages.add("API client, webhook secret", saved, 200)
    await pages.get(client, "API client with a webhook", client_path)
    await pages.get(client, "API client, revoke", client_path + "/aterkalla")
    await pages.get(client, "API clients", "/admin/api-klienter")
    new = await pages.get(client, "new operating notice", "/admin/driftmeddelanden/nytt")
    notice = {"title": "Underhåll", "body": "Vi **uppdaterar**.", "scope": "", "level": "warning"}
    refused = await client.post(
        "/admin/driftmeddelanden/nytt", data={"_csrf_token": csrf_from(new.text), **notice, "starts": "igår"}
    )
    pages.add("new operating notice with errors", refused, status=400)
    starts = (clock.now() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")  # UTC: an hour or two ago in Sweden
    created = await client.post(
        "/admin/driftmeddelanden/nytt", data={"_csrf_token": csrf_from(new.text), **notice, "starts": starts}
    )
    assert created.status_code == 303, created.text
    bygglov = re.search(r'<option value="(\d+)">Ansökan om bygglov</option>', new.text).group(1)
    closing = {**notice, "title": "Byte av system", "level": "info", "scope": bygglov, "closed": "1"}
    created = await client.post(
        "/admin/driftmeddelanden/nytt", data={"_csrf_token": csrf_from(new.text), **closing, "starts": starts}
    )
    assert created.status_code == 303, created.text
    listed = await pages.get(client, "operating notices", "/admin/driftmeddelanden")
    edit = re.search(r'href="(/admin/driftmeddelanden/\d+)"', listed.text).group(1)
    await pages.get(client, "edit operating notice", edit)
    await pages.get(client, "delete operating notice", edit + "/ta-bort")
    await pages.get(client, "staff register", "/admin/personal")
    new_member = await pages.get(client, "add a staff member", "/admin/personal/ny")
    member = {"_csrf_token": csrf_from(new_member.text), "personal_number": "19760623-9867", "role": "officer"}
    pages.add("add a staff member, errors", await client.post("/admin/personal/ny", data=member), 400)
    staff_list = await client.get("/admin/personal")
    member_path = re.search(r'href="(/admin/personal/\d+)"', staff_list.text).group(1)
    await pages.get(client, "change a staff member", member_path)
    await pages.get(client, "remove a staff member", member_path + "/ta-bort")
    await pages.get(client, "start with a warning notice", "/")
    await pages.get(client, "catalogue with a warning notice and a closed e-service", "/e-tjanster?q=bygglov")
    await pages.get(client, "e-service closed for new applications", "/e-tjanster/ansokan-om-bygglov")
    closed_start = await pages.get(client, "start of a closed e-service", "/e-tjanster/ansokan-om-bygglov/starta")
    assert "Du kan inte starta en ny ansökan just nu" in closed_start.text


def validate(directory: Path) -> list[dict]:
    """Runs the checker once over every .html file in `directory`; returns its messages (errors and warnings)."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail("The Nu Html Checker needs Java 17+ and node_modules/vnu-jar (`make node` installs it)")
    # JSON on stdout, exit 0 whatever it finds (the test reads the messages), only the .html files of the directory.
    options = ["--format", "json", "--stdout", "--exit-zero-always", "--skip-non-html"]
    result = subprocess.run(
        [java, "-jar", str(VNU_JAR), *options, str(directory)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["messages"]


def describe(message: dict, names: dict[str, str]) -> str:
    page = names.get(Path(message.get("url", "")).name, message.get("url", "?"))
    extract = re.sub(r"\s+", " ", message.get("extract", "")).strip()[:200]
    return f"{page}, line {message.get('lastLine', '?')}: {message['message']}" + (
        f"\n    {extract}" if extract else ""
    )


async def test_the_main_pages_are_valid_html(client, app, demo, tmp_path):
    pages = Pages()
    await public_pages(pages, client)
    await log_in_showing_the_status_page(pages, client, app)
    await application_pages(pages, client)
    await my_pages(pages, client)
    await staff_pages(pages, client, app)
    await admin_pages(pages, client, app)

    names = {}
    for number, (name, html) in enumerate(pages.html.items(), start=1):
        filename = f"page-{number:02d}.html"
        (tmp_path / filename).write_text(html, encoding="utf-8")
        names[filename] = name
    (tmp_path / "canary.html").write_text(CANARY, encoding="utf-8")
    messages = await asyncio.to_thread(validate, tmp_path)

    canary = [m for m in messages if m.get("url", "").endswith("/canary.html")]
    assert any(m["type"] == "error" for m in canary), f"the checker did not run as expected: {messages}"
    errors = [m for m in messages if m["type"] != "info" and m not in canary]  # "error" and "non-document-error"
    errors.sort(key=lambda message: (message.get("url", ""), message.get("lastLine", 0)))
    assert not errors, f"The Nu Html Checker found {len(errors)} errors in {len(names)} pages:\n" + "\n".join(
        describe(message, names) for message in errors
    )
    misnested = {name: problems for name, html in pages.html.items() if (problems := heading_problems(html))}
    assert not misnested, f"headings that do not nest: {misnested}"
