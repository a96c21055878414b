"""Operating notices (/admin/driftmeddelanden; who may reach it: test_access_matrix.py): administrators create, edit,
end and delete them, in Swedish local time; residents see them on the start page, the catalogue, the e-service page
and the start of an application while their time window lasts; a notice that closes an e-service refuses new
applications while drafts already started go on to submission and officers keep working. Everything audited."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from core import clock
from core.i18n import LOCAL_TIMEZONE
from db.applications import Draft
from db.audit import AuditEntry
from db.cases import CaseRecord
from db.catalogue import OperatingNotice
from services.catalogue import CatalogueCache
from tests.applications.helpers import post_step, start
from tests.factories import make_officer, make_service_with_form, make_unit, make_user
from tests.login import csrf_from, log_in

ADMIN, OFFICER, ERIK, SARA = "195504109884", "197606239866", "198112189876", "199505199902"
NOTICES = "/admin/driftmeddelanden"


@pytest.fixture
async def office(db):
    unit = await make_unit()
    service = await make_service_with_form(slug="bygglov", title="Ansökan om bygglov", unit=unit)
    other = await make_service_with_form(slug="skolskjuts", title="Skolskjuts")
    admin = await make_officer(ADMIN, "Kommunledningskontoret", role="admin")
    await make_officer(OFFICER)
    await make_user(ERIK)
    await make_user(SARA, "Sara", "Svensson")
    return {"service": service, "other": other, "admin": admin.id}


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


def local(moment: datetime) -> str:
    """`moment` as the form takes it: Swedish local time to the minute."""
    return moment.astimezone(LOCAL_TIMEZONE).strftime("%Y-%m-%d %H:%M")


def form(**changes) -> dict:
    """A valid form for a global info notice shown from a minute ago, without an end."""
    return {
        "title": "Planerat underhåll",
        "body": "Vi uppdaterar systemet. **Spara** det du skriver.",
        "scope": "",
        "level": "info",
        "starts": local(clock.now() - timedelta(minutes=1)),
        "ends": "",
        **changes,
    }


async def post(client, path: str, data: dict) -> httpx.Response:
    page = await client.get(path if not path.endswith(("/avsluta", "/ta-bort")) else NOTICES)
    return await client.post(path, data={"_csrf_token": csrf_from(page.text), **data})


async def create(client, **changes) -> int:
    response = await post(client, NOTICES + "/nytt", form(**changes))
    assert response.status_code == 303, response.text
    assert response.headers["location"] == NOTICES
    return (await OperatingNotice.select(OperatingNotice.id).order_by(OperatingNotice.id, ascending=False))[0]["id"]


def section(page: httpx.Response, heading: str) -> str:
    """The text of the list's section under `heading`, tags stripped."""
    match = re.search(rf">{heading}</h2>(.*?)</section>", page.text, re.S)
    assert match, (heading, page.text)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


async def audited(action: str) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.id)


async def test_the_admin_finds_the_notices_from_the_start_page(admin_client):
    start_page = await admin_client.get("/admin")
    assert f'href="{NOTICES}"' in start_page.text and "Driftmeddelanden" in start_page.text
    page = await admin_client.get(NOTICES)
    assert page.status_code == 200
    assert "<h1>Driftmeddelanden</h1>" in page.text and 'href="/admin/driftmeddelanden/nytt"' in page.text
    for heading in ("Visas nu", "Kommande", "Avslutade"):
        assert section(page, heading) == "Inga."


async def test_a_global_notice_is_shown_on_the_start_page_the_catalogue_and_every_e_service(
    admin_client, office, new_client
):
    notice_id = await create(admin_client, level="warning")
    listed = await admin_client.get(NOTICES)
    assert "Driftmeddelandet är sparat." in listed.text
    assert "Planerat underhåll Alla e-tjänster Varning" in section(listed, "Visas nu")
    visitor = await new_client()
    for path in ("/", "/e-tjanster", "/e-tjanster/bygglov", "/e-tjanster/skolskjuts"):
        page = await visitor.get(path)
        assert "Driftinformation" in page.text, path
        assert '<span class="notice__level">Varning:</span> Planerat underhåll' in page.text, path
        assert "<p>Vi uppdaterar systemet. <strong>Spara</strong> det du skriver.</p>" in page.text, path
        assert "notice--warning" in page.text
    # Not closed: every e-service can be started.
    assert "Starta e-tjänsten" in (await visitor.get("/e-tjanster/bygglov")).text
    (entry,) = await audited("operating_notice.created")
    assert entry["actor"] == office["admin"] and entry["target"] == f"operating_notice:{notice_id}"
    details = json.loads(entry["details"])
    assert details["scope"] == "all" and details["level"] == "warning" and details["closed_for_new"] is False
    assert "underhåll" not in entry["details"]  # what a notice says is not copied into the log


async def test_a_notice_for_one_e_service_is_shown_on_its_page_and_start_only(admin_client, app, office, new_client):
    await create(admin_client, scope=str(office["service"].id), title="Handläggningen tar längre tid")
    resident = await new_client()
    await log_in(resident, app, ERIK)
    assert "Handläggningen tar längre tid" in (await resident.get("/e-tjanster/bygglov")).text
    assert "Handläggningen tar längre tid" in (await resident.get("/e-tjanster/bygglov/starta")).text
    for path in ("/", "/e-tjanster", "/e-tjanster/skolskjuts", "/e-tjanster/skolskjuts/starta"):
        assert "Handläggningen tar längre tid" not in (await resident.get(path)).text, path


async def test_times_are_written_in_swedish_time_and_stored_in_utc(admin_client):
    year = clock.now().year + 1
    notice_id = await create(admin_client, starts=f"{year}-07-01 08:00", ends=f"{year}-12-01T08:30")
    row = await OperatingNotice.select().where(OperatingNotice.id == notice_id).first()
    assert row["starts_at"] == datetime(year, 7, 1, 6, 0, tzinfo=UTC)  # summer time, UTC+2
    assert row["ends_at"] == datetime(year, 12, 1, 7, 30, tzinfo=UTC)  # winter time, UTC+1
    edit = await admin_client.get(f"{NOTICES}/{notice_id}")
    assert f'value="{year}-07-01 08:00"' in edit.text and f'value="{year}-12-01 08:30"' in edit.text
    assert f"1 juli {year} kl. 08.00" in section(await admin_client.get(NOTICES), "Kommande")


async def test_a_notice_appears_and_goes_with_its_time_window_without_a_restart(admin_client, new_client):
    now = clock.now()
    await create(admin_client, starts=local(now + timedelta(hours=1)), ends=local(now + timedelta(hours=2)))
    await create(
        admin_client,
        title="Pågående arbete",
        starts=local(now - timedelta(hours=1)),
        ends=local(now + timedelta(hours=3)),
    )
    listed = await admin_client.get(NOTICES)
    assert "Planerat underhåll" in section(listed, "Kommande")
    assert "Pågående arbete" in section(listed, "Visas nu") and "Planerat" not in section(listed, "Visas nu")
    visitor = await new_client()
    assert "Planerat underhåll" not in (await visitor.get("/")).text
    with clock.travel(timedelta(minutes=90)):
        assert "Planerat underhåll" in (await visitor.get("/")).text
        assert "Planerat underhåll" in (await visitor.get("/e-tjanster/bygglov")).text
    with clock.travel(timedelta(minutes=150)):
        page = await visitor.get("/")
        assert "Planerat underhåll" not in page.text and "Pågående arbete" in page.text
    with clock.travel(timedelta(hours=4)):
        assert "Driftinformation" not in (await visitor.get("/")).text


async def test_a_change_reaches_every_process_through_the_catalogue_stamp(admin_client, settings):
    """Another worker keeps its own index; the change bumps the stamp it checks, so it rebuilds."""
    other_process = CatalogueCache(refresh_seconds=0)
    assert (await other_process.get()).active_notices(clock.now()) == []
    before = (await other_process.get()).version
    await create(admin_client)
    index = await other_process.get()
    assert index.version != before
    assert [notice.title for notice in index.active_notices(clock.now())] == ["Planerat underhåll"]


async def test_the_admin_edits_a_notice_and_the_change_is_audited(admin_client, office):
    notice_id = await create(admin_client)
    edit = await admin_client.get(f"{NOTICES}/{notice_id}")
    assert edit.status_code == 200 and "Ändra driftmeddelande" in edit.text
    assert 'value="Planerat underhåll"' in edit.text
    changed = form(title="Längre underhåll", level="warning", scope=str(office["service"].id))
    response = await post(admin_client, f"{NOTICES}/{notice_id}", changed)
    assert response.status_code == 303
    row = await OperatingNotice.select().where(OperatingNotice.id == notice_id).first()
    assert (row["title"], row["level"], row["e_service"]) == ("Längre underhåll", "warning", office["service"].id)
    assert "Längre underhåll Ansökan om bygglov Varning" in section(await admin_client.get(NOTICES), "Visas nu")
    (entry,) = await audited("operating_notice.changed")
    details = json.loads(entry["details"])
    assert entry["actor"] == office["admin"] and details["changed"] == ["e_service", "level", "title"]
    page = await admin_client.get("/e-tjanster/bygglov")
    assert "Längre underhåll" in page.text and "Längre underhåll" not in (await admin_client.get("/")).text


async def test_ending_a_notice_now_takes_it_away_and_keeps_it_among_the_ended(admin_client, office):
    notice_id = await create(admin_client)
    assert "Planerat underhåll" in (await admin_client.get("/")).text
    response = await post(admin_client, f"{NOTICES}/{notice_id}/avsluta", {})
    assert response.status_code == 303
    listed = await admin_client.get(NOTICES)
    assert "Driftmeddelandet är avslutat." in listed.text
    assert "Planerat underhåll" in section(listed, "Avslutade") and section(listed, "Visas nu") == "Inga."
    assert "Planerat underhåll" not in (await admin_client.get("/")).text
    (entry,) = await audited("operating_notice.ended")
    assert entry["target"] == f"operating_notice:{notice_id}"
    # A coming notice is not ended (it would end before it starts): delete it instead.
    coming = await create(admin_client, starts=local(clock.now() + timedelta(days=1)))
    await post(admin_client, f"{NOTICES}/{coming}/avsluta", {})
    assert "inget att avsluta" in (await admin_client.get(NOTICES)).text
    assert (await OperatingNotice.select().where(OperatingNotice.id == coming).first())["ends_at"] is None
    assert len(await audited("operating_notice.ended")) == 1


async def test_deleting_a_notice_asks_first_then_removes_it(admin_client):
    notice_id = await create(admin_client)
    confirm = await admin_client.get(f"{NOTICES}/{notice_id}/ta-bort")
    assert confirm.status_code == 200 and "Ta bort driftmeddelandet?" in confirm.text
    assert "”Planerat underhåll” tas bort för gott" in confirm.text
    response = await admin_client.post(f"{NOTICES}/{notice_id}/ta-bort", data={"_csrf_token": csrf_from(confirm.text)})
    assert response.status_code == 303
    assert await OperatingNotice.count() == 0
    assert "Driftmeddelandet är borttaget." in (await admin_client.get(NOTICES)).text
    assert "Planerat underhåll" not in (await admin_client.get("/")).text
    (entry,) = await audited("operating_notice.deleted")
    assert entry["target"] == f"operating_notice:{notice_id}"


def _in_the_past() -> str:
    return local(clock.now() - timedelta(hours=2))


BAD_INPUT = [
    ("title", "", "Skriv en rubrik för meddelandet"),
    ("title", "   ", "Skriv en rubrik för meddelandet"),
    ("title", "x" * 201, "Rubriken får vara högst 200 tecken"),
    ("body", "x" * 4001, "Texten får vara högst 4000 tecken"),
    ("scope", "999999", "Välj var meddelandet visas"),
    ("scope", "bygglov", "Välj var meddelandet visas"),
    ("level", "critical", "Välj om meddelandet är information eller en varning"),
    ("level", "", "Välj om meddelandet är information eller en varning"),
    ("starts", "", "Skriv när meddelandet ska börja visas"),
    ("starts", "imorgon kl 8", "Skriv datum och klockslag, till exempel 2026-12-24 08:00"),
    ("starts", "２０２７-01-01 08:00", "Skriv datum och klockslag"),
    ("starts", "2027-02-30 08:00", "Det datumet eller klockslaget finns inte"),
    ("starts", "2027-01-01 25:00", "Det datumet eller klockslaget finns inte"),
    ("starts", "2027-03-28 02:30", "Den tiden finns inte i svensk tid"),
    ("ends", "99999-01-01 08:00", "Skriv datum och klockslag"),
    ("ends", "2027-13-01 08:00", "Det datumet eller klockslaget finns inte"),
    ("ends", _in_the_past, "Sluttiden har redan passerat"),
]


@pytest.mark.parametrize("field, value, message", BAD_INPUT, ids=[f"{f}={str(v)[:20]!r}" for f, v, _m in BAD_INPUT])
async def test_bad_input_is_named_next_to_its_field_and_nothing_typed_is_lost(admin_client, field, value, message):
    typed = {**form(title="Vårt underhåll <b>", body="Text & mer", level="warning", closed="1"), field: value}
    if callable(value):  # an end in the past, after the start
        typed.update(starts=local(clock.now() - timedelta(hours=3)), ends=value())
    for path in (NOTICES + "/nytt", f"{NOTICES}/{await create(admin_client, title='Befintligt')}"):
        response = await post(admin_client, path, typed)
        assert response.status_code == 400, (path, response.text)
        assert "<title>Fel:" in response.text
        summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
        assert f'href="#{field}"' in summary and message in summary
        beside = re.search(rf'<p id="{field}-error" class="error-message">(.*?)</p>', response.text, re.S)
        assert beside and message in beside.group(1), field
        assert f'id="{field}"' in response.text  # the summary's link has its field to go to
        for name, sent in typed.items():
            shown = sent.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            if name == "body":
                assert f">{shown}</textarea>" in response.text
            elif name == "closed":
                assert 'id="closed" name="closed" type="checkbox" value="1" checked' in response.text
            elif name == "level" and sent in ("info", "warning"):
                assert f'value="{sent}" checked' in response.text
            elif name == "scope" and sent == "":
                assert '<option value="" selected>' in response.text
            elif name not in ("level", "scope"):
                assert f'value="{shown}"' in response.text, name
    assert [row["title"] for row in await OperatingNotice.select(OperatingNotice.title)] == ["Befintligt"]


async def test_the_end_must_come_after_the_start(admin_client):
    response = await post(admin_client, NOTICES + "/nytt", form(starts="2031-05-01 10:00", ends="2031-05-01 10:00"))
    assert response.status_code == 400 and "Sluttiden måste vara efter starttiden" in response.text
    assert await OperatingNotice.count() == 0


async def test_odd_posts_get_a_swedish_400_never_a_500(admin_client):
    page = await admin_client.get(NOTICES + "/nytt")
    token = csrf_from(page.text)
    for data in ({}, {"title": "\x00"}, {"starts": "\x00", "ends": "2027-01-01 08:00\x00"}, {"level": ["info", "x"]}):
        response = await admin_client.post(NOTICES + "/nytt", data={"_csrf_token": token, **data})
        assert response.status_code == 400, (data, response.text)
        assert "Det finns ett problem" in response.text
    files = {"title": ("a.txt", b"hej", "text/plain")}
    response = await admin_client.post(NOTICES + "/nytt", data={"_csrf_token": token}, files=files)
    assert response.status_code == 400 and "Skriv en rubrik" in response.text
    assert await OperatingNotice.count() == 0


async def _fill_and_submit(client, draft_id: str) -> httpx.Response:
    assert (await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})).status_code == 303
    assert (await post_step(client, draft_id, "bilagor", {})).status_code == 303
    assert (await post_step(client, draft_id, "parter", {})).status_code == 303
    page = await client.get(f"/ansokan/{draft_id}/granska")
    return await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(page.text)})


async def test_a_closed_e_service_refuses_new_applications_but_a_draft_goes_on(admin_client, app, office, new_client):
    erik = await new_client()
    await log_in(erik, app, ERIK)
    draft_id = await start(erik, "bygglov")  # before the notice

    await create(admin_client, scope=str(office["service"].id), closed="1", title="Bygglov byter system")

    # The e-service's page: the notice in place of the start button, and the catalogue marks it.
    page = await erik.get("/e-tjanster/bygglov")
    assert "Starta e-tjänsten" not in page.text and "Stängd för nya ansökningar" in page.text
    assert "Just nu går det inte att starta något nytt ärende i den här e-tjänsten" in page.text
    assert "Fortsätt med en ansökan som du redan har påbörjat" in page.text
    catalogue = await erik.get("/e-tjanster")
    item = re.search(r'<a href="/e-tjanster/bygglov">.*?</li>', catalogue.text, re.S).group(0)
    assert "Stängd för nya ansökningar" in item
    other = re.search(r'<a href="/e-tjanster/skolskjuts">.*?</li>', catalogue.text, re.S).group(0)
    assert "Stängd för nya ansökningar" not in other
    assert "Starta e-tjänsten" in (await erik.get("/e-tjanster/skolskjuts")).text

    # Erik's saved application: continued, not replaced.
    start_page = await erik.get("/e-tjanster/bygglov/starta")
    assert start_page.status_code == 200 and "Bygglov byter system" in start_page.text
    assert f'href="/ansokan/{draft_id}"' in start_page.text
    assert 'value="new"' not in start_page.text  # no "delete it and start a new application"
    token = csrf_from(start_page.text)
    refused = await erik.post("/e-tjanster/bygglov/starta", data={"_csrf_token": token, "action": "new"})
    assert refused.status_code == 409 and "Bygglov byter system" in refused.text
    assert await Draft.count().where(Draft.public_id == draft_id) == 1
    resumed = await erik.post("/e-tjanster/bygglov/starta", data={"_csrf_token": token})
    assert resumed.status_code == 303 and resumed.headers["location"] == f"/ansokan/{draft_id}"
    submitted = await _fill_and_submit(erik, draft_id)
    assert submitted.status_code == 303 and "kvittens" in submitted.headers["location"]
    (case,) = await CaseRecord.select(CaseRecord.reference)

    # Sara has nothing started: the start says so, with no start button, and a post starts nothing.
    sara = await new_client()
    await log_in(sara, app, SARA)
    closed_page = await sara.get("/e-tjanster/bygglov/starta")
    assert closed_page.status_code == 200
    assert "Du kan inte starta en ny ansökan just nu" in closed_page.text and "Starta nu" not in closed_page.text
    drafts = await Draft.count()
    refused = await sara.post("/e-tjanster/bygglov/starta", data={"_csrf_token": csrf_from(closed_page.text)})
    assert refused.status_code == 409 and "Du kan inte starta en ny ansökan just nu" in refused.text
    assert await Draft.count() == drafts
    assert (await start(sara, "skolskjuts")) != draft_id  # another e-service is open

    # Officers keep working on the case.
    officer = await new_client()
    await log_in(officer, app, OFFICER)
    assert case["reference"] in (await officer.get("/handlaggare")).text
    assert (await officer.get(f"/handlaggare/arenden/{case['reference']}")).status_code == 200


async def test_a_global_closing_notice_closes_every_e_service_until_it_ends(admin_client, app, office, new_client):
    now = clock.now()
    await create(admin_client, closed="1", ends=local(now + timedelta(hours=1)), title="Systembyte")
    sara = await new_client()
    await log_in(sara, app, SARA)
    for slug in ("bygglov", "skolskjuts"):
        page = await sara.get(f"/e-tjanster/{slug}/starta")
        assert "Du kan inte starta en ny ansökan just nu" in page.text, slug
        assert "Just nu går det inte att starta nya ärenden i e-tjänsterna" in page.text
        refused = await sara.post(f"/e-tjanster/{slug}/starta", data={"_csrf_token": csrf_from(page.text)})
        assert refused.status_code == 409
    assert page.text.count("Stängd för nya ansökningar") == 0  # the start page names the notice, not the tag
    assert (await sara.get("/e-tjanster")).text.count("Stängd för nya ansökningar") == 2
    with clock.travel(timedelta(minutes=61)):
        visitor = await new_client()
        assert "Starta e-tjänsten" in (await visitor.get("/e-tjanster/bygglov")).text
        assert "Stängd för nya ansökningar" not in (await visitor.get("/e-tjanster")).text


async def test_a_closed_e_service_without_login_refuses_visitors_too(admin_client, new_client):
    service = await make_service_with_form(slug="felanmalan", requires_login=False, allows_drafts=False)
    await create(admin_client, scope=str(service.id), closed="1")
    visitor = await new_client()
    page = await visitor.get("/e-tjanster/felanmalan/starta")
    assert page.status_code == 200 and "Du kan inte starta en ny ansökan just nu" in page.text
    assert "Mina sidor" not in re.search(r'<section class="panel".*?</section>', page.text, re.S).group(0)
    headers = {"x-csrftoken": visitor.cookies.get("csrf", "")}  # the page has no form: its start is gone
    refused = await visitor.post("/e-tjanster/felanmalan/starta", headers=headers)
    assert refused.status_code == 409
    assert await Draft.count() == 0
