"""Who may use a case's routes under /mina-sidor: every route against every kind of visitor.

The parties (the applicant, a co-applicant, a representative of the organisation the case was made for) may see and
use everything. Another citizen and a staff member (staff are not parties) get a 404 on every case route, the same
answer as for a case that does not exist, and the lists do not show the case to them. Anonymous visitors are sent to
log in. Nobody but the parties ever sees the case's reference, answers, messages, supplement request or files.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from core import clock
from db import messages as conversations
from db import organisations, staff
from db.applications import Attachment
from db.audit import AuditEntry
from db.cases import CaseRecord
from db.messages import Message, SupplementRequest
from db.organisations import Representation
from db.signing import CoApplicant
from tests.factories import make_case, make_service_with_form, make_user
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")

ERIK, MARIA, JOHAN, SARA, EVA = "198112189876", "198503129820", "199908072391", "199505199902", "197606239866"
KINNA_BYGG = "5592048176"  # signatories in the company register fixture: Erik and Johan
VISITORS = {  # visitor -> personal number (None: not logged in)
    "applicant": ERIK,
    "co-applicant": MARIA,
    "representative": JOHAN,
    "other citizen": SARA,
    "staff": EVA,
    "anonymous": None,
}
PARTIES = ("applicant", "co-applicant", "representative")
STRANGERS = ("other citizen", "staff")
MISSING = "2026-999999"  # a reference no case has

ANSWER = "Hilda Hemligsson"
MESSAGE = "Ritningen ligger i källaren."
SUPPLEMENT = "Skicka ritningen över källaren."
FILENAME = "hemlig-ritning.pdf"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n%hemlig\n"


@dataclass(frozen=True)
class World:
    reference: str
    case_id: int
    organisation_id: int
    attachment_id: str
    supplement_id: int
    user_ids: dict[str, int]

    def secrets(self) -> tuple[str, ...]:
        """What only the parties may read."""
        return (self.reference, ANSWER, MESSAGE, SUPPLEMENT, FILENAME, "%hemlig")


@pytest.fixture
async def world(db) -> World:
    """An open case Erik made for Kinna Bygg, with Maria as co-applicant and Johan representing Kinna Bygg; it has
    a form attachment, a message from Erik and an open supplement request. Eva is a case officer; Sara is nobody."""
    service = await make_service_with_form(slug="tjanst", title="Bygglov")
    users = {visitor: (await make_user(number)).id for visitor, number in VISITORS.items() if number}
    organisation_id = await organisations.add_representation(
        users["representative"], KINNA_BYGG, "Kinna Bygg & Fastighet AB", clock.now()
    )
    await staff.save_staff(EVA, "officer", "Bygga, bo och miljö", clock.now())
    case = await make_case(
        service, users["applicant"], answers={"namn": ANSWER, "typ": "a"}, organisation=organisation_id
    )
    await CoApplicant.insert(CoApplicant(case=case.id, personal_number=MARIA, status="signed"))
    attachment_id = uuid.uuid4()
    await Attachment.insert(
        Attachment(
            public_id=attachment_id,
            case=case.id,
            field_id="filer",
            filename=FILENAME,
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            content=PDF,
            created_at=clock.now(),
        )
    )
    await conversations.add_message(case.id, users["applicant"], from_officer=False, body=MESSAGE, now=clock.now())
    supplement_id = await conversations.request_supplement(
        case.id, None, message=SUPPLEMENT, fields=["namn"], due_date=date.today() + timedelta(days=7), now=clock.now()
    )
    return World(case.reference, case.id, organisation_id, str(attachment_id), supplement_id, users)


async def visit_as(client, app, visitor: str) -> None:
    """Log the visitor in (staff through the same BankID login as everyone; the anonymous visitor stays out)."""
    client.cookies.clear()
    if VISITORS[visitor]:
        await log_in(client, app, VISITORS[visitor])


async def csrf_token(client) -> str:
    """Any page with a form carries the token: Mina sidor for the logged in (the log-out form), else the login page."""
    page = await client.get("/mina-sidor")
    if page.status_code != 200:
        page = await client.get("/logga-in/bankid")
    return csrf_from(page.text)


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # {ref}, {attachment} and {supplement} are filled in from the world
    data: dict | None = None  # a valid form for POST routes
    htmx: bool = False

    def url(self, world: World, reference: str | None = None) -> str:
        return self.path.format(
            ref=reference or world.reference, attachment=world.attachment_id, supplement=world.supplement_id
        )

    async def call(self, client, url: str, token: str = ""):
        headers = {"HX-Request": "true"} if self.htmx else {}
        if self.method == "GET":
            return await client.get(url, headers=headers)
        return await client.post(url, data={"_csrf_token": token, **self.data}, headers=headers)


CASE = "/mina-sidor/arenden/{ref}"
ROUTES = {
    "case page": Route("GET", CASE),
    "receipt": Route("GET", CASE + "/kvitto.pdf"),
    "attachment": Route("GET", CASE + "/bilagor/{attachment}"),
    "message poll": Route("GET", CASE + "/meddelanden?efter=0", htmx=True),  # as the open case page polls
    "send message": Route("POST", CASE + "/meddelanden", data={"text": "Ett nytt meddelande."}),
    "supplement form": Route("GET", CASE + "/komplettering/{supplement}"),
    "supplement answer": Route(
        "POST", CASE + "/komplettering/{supplement}", data={"namn": "Nytt Namn", "text": "Här är ritningen."}
    ),
}


async def request(client, world: World, route_name: str, reference: str | None = None):
    route = ROUTES[route_name]
    token = await csrf_token(client) if route.method == "POST" else ""
    return await route.call(client, route.url(world, reference), token)


async def case_state(world: World) -> tuple:
    """What a visitor's POST could change: the thread, the supplement request and the answers."""
    supplement = await SupplementRequest.objects().where(SupplementRequest.id == world.supplement_id).first()
    case = await CaseRecord.objects().where(CaseRecord.id == world.case_id).output(load_json=True).first()
    return await Message.count(), supplement.answered_at, case.answers, case.status


def assert_nothing_leaks(response, world: World) -> None:
    for secret in world.secrets():
        assert secret.encode() not in response.content, secret


def normalised(html: str) -> str:
    """A page without what may differ from one request to the next (tokens, the session timer's countdown)."""
    return re.sub(r'(value|nonce)="[^"]*"|delay:\d+s', "", html)


def comparable_headers(response) -> dict:
    return {k: v for k, v in response.headers.items() if k not in ("date", "content-length")}


async def check_party_response(route_name: str, response, world: World, visitor: str) -> None:
    case_url = f"/mina-sidor/arenden/{world.reference}"
    match route_name:
        case "case page":
            assert response.status_code == 200
            for expected in (world.reference, ANSWER, MESSAGE, SUPPLEMENT, FILENAME):
                assert expected in response.text, expected
        case "receipt":
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")
        case "attachment":
            assert response.status_code == 200 and response.content == PDF
        case "message poll":
            assert response.status_code == 200 and MESSAGE in response.text
        case "send message":
            assert response.status_code == 303 and response.headers["location"] == f"{case_url}?skickat=1#meddelanden"
            sent = await Message.objects().where(Message.body == "Ett nytt meddelande.").first()
            assert sent.author == world.user_ids[visitor]
        case "supplement form":
            assert response.status_code == 200
            assert SUPPLEMENT in response.text and f'value="{ANSWER}"' in response.text
        case "supplement answer":
            assert response.status_code == 303 and response.headers["location"] == f"{case_url}?kompletterat=1"
            _messages, answered_at, answers, _status = await case_state(world)
            assert answered_at is not None and answers["namn"] == "Nytt Namn"
        case _:
            raise AssertionError(f"no check for {route_name}")


# Each test below builds one world and tries every route in it (a subtest per route: each cell of the matrix passes
# or fails on its own), which keeps the file fast on PostgreSQL. ROUTES lists the answering POST last for that.


@pytest.mark.parametrize("visitor", PARTIES)
async def test_parties_may_see_and_use_every_case_route(client, app, world, subtests, visitor):
    await visit_as(client, app, visitor)
    for route_name in ROUTES:
        with subtests.test(route=route_name):
            response = await request(client, world, route_name)
            await check_party_response(route_name, response, world, visitor)


@pytest.mark.parametrize("visitor", STRANGERS)
async def test_strangers_get_the_same_404_as_for_a_case_that_does_not_exist(client, app, world, subtests, visitor):
    await visit_as(client, app, visitor)
    before = await case_state(world)
    for route_name in ROUTES:
        with subtests.test(route=route_name):
            response = await request(client, world, route_name)
            missing = await request(client, world, route_name, reference=MISSING)
            assert response.status_code == missing.status_code == 404
            assert normalised(response.text) == normalised(missing.text)
            assert comparable_headers(response) == comparable_headers(missing)
            assert_nothing_leaks(response, world)
            assert await case_state(world) == before


async def test_anonymous_visitors_are_sent_to_log_in(client, app, world, subtests):
    await visit_as(client, app, "anonymous")
    before = await case_state(world)
    for route_name, route in ROUTES.items():
        with subtests.test(route=route_name):
            response = await request(client, world, route_name)
            if route.htmx:  # htmx is told to go to the login page itself
                assert response.status_code == 200
                login = response.headers["HX-Redirect"]
            else:
                assert response.status_code == 303
                login = response.headers["location"]
            target = urlsplit(login)
            assert target.path == "/logga-in"
            assert parse_qs(target.query)["next"] == [route.url(world)]  # and brought back after logging in
            assert_nothing_leaks(response, world)
            assert await case_state(world) == before


@pytest.mark.parametrize("visitor", VISITORS)
async def test_the_lists_show_the_case_to_its_parties_only(client, app, world, subtests, visitor):
    await visit_as(client, app, visitor)
    for list_path in ("/mina-sidor", "/mina-sidor/arenden"):
        with subtests.test(list=list_path):
            response = await client.get(list_path)
            if visitor == "anonymous":
                assert response.status_code == 303
                assert response.headers["location"] == f"/logga-in?next={list_path}"
                assert_nothing_leaks(response, world)
            elif visitor in PARTIES:
                assert response.status_code == 200
                assert f'href="/mina-sidor/arenden/{world.reference}"' in response.text
            else:
                assert response.status_code == 200
                assert_nothing_leaks(response, world)


async def representatives_of(world: World) -> list[int]:
    rows = await Representation.select(Representation.user).where(Representation.organisation == world.organisation_id)
    return [row["user"] for row in rows]


async def removals_recorded() -> int:
    return await AuditEntry.count().where(AuditEntry.action == "representation.removed")


async def test_removing_an_organisation_one_does_not_represent_changes_nothing(client, app, world, subtests):
    for visitor in ("applicant", "co-applicant", "other citizen", "staff", "anonymous"):
        with subtests.test(visitor=visitor):
            await visit_as(client, app, visitor)
            response = await client.post(
                f"/mina-sidor/organisationer/{world.organisation_id}/ta-bort",
                data={"_csrf_token": await csrf_token(client)},
            )
            assert response.status_code == 303
            if visitor == "anonymous":
                assert response.headers["location"].startswith("/logga-in?next=")
            assert await representatives_of(world) == [world.user_ids["representative"]]
            assert await removals_recorded() == 0  # nor does the audit log say otherwise
    await visit_as(client, app, "representative")
    assert (await client.get(f"/mina-sidor/arenden/{world.reference}")).status_code == 200
    assert world.reference in (await client.get("/mina-sidor")).text


async def test_a_representative_who_removes_the_organisation_no_longer_sees_its_case(client, app, world):
    """The control for the test above: removal does work, for one's own representation."""
    await visit_as(client, app, "representative")
    response = await client.post(
        f"/mina-sidor/organisationer/{world.organisation_id}/ta-bort", data={"_csrf_token": await csrf_token(client)}
    )
    assert response.status_code == 303
    assert await representatives_of(world) == []
    assert await removals_recorded() == 1
    assert (await client.get(f"/mina-sidor/arenden/{world.reference}")).status_code == 404
    assert world.reference not in (await client.get("/mina-sidor")).text
