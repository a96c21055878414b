"""A draft is private to its owner on every route under /ansokan/{id}/...: anyone else gets the 404 a missing draft
gets (never 403, never its data), anonymous visitors are sent to log in (the owner whose session ended, and anyone
else: the same answer as for a missing draft), and a named co-applicant reads it only through the co-signing routes
once the applicant has signed.

test_applications_http.py::test_a_draft_is_not_found_by_anyone_but_its_owner covers the GET pages and the step,
autosave, check and delete posts of a saved draft; this file covers every other route and state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from core import clock
from db.applications import Attachment, Draft
from db.bankid import BankIdOrder
from db.cases import CaseRecord
from db.signing import CoApplicant, Signature
from tests.applications.helpers import post_step, start
from tests.applications.test_signing_http import sign
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
MARIA = "198503129820"  # Erik's co-applicant
SARA = "199505199902"
STAFF = "197606239866"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SECRET = "Privat"  # Erik's answer: no page shown to anyone else may contain it
FILENAME = "hemlig-ritning.pdf"

# Every route under /ansokan/{draft}/... (routes/applications.py and routes/signing.py).
ROUTES = [
    ("GET", "/ansokan/{draft}"),
    ("GET", "/ansokan/{draft}/steg/om_dig"),
    ("POST", "/ansokan/{draft}/steg/om_dig"),
    ("POST", "/ansokan/{draft}/autospara"),
    ("GET", "/ansokan/{draft}/granska"),
    ("POST", "/ansokan/{draft}/granska"),
    ("POST", "/ansokan/{draft}/bilagor/filer"),
    ("GET", "/ansokan/{draft}/bilagor/{attachment}"),
    ("POST", "/ansokan/{draft}/bilagor/{attachment}/ta-bort"),
    ("GET", "/ansokan/{draft}/kvittens"),
    ("GET", "/ansokan/{draft}/kvittens.pdf"),
    ("GET", "/ansokan/{draft}/signera"),
    ("POST", "/ansokan/{draft}/signera"),
    ("GET", "/ansokan/{draft}/signera/status"),
    ("GET", "/ansokan/{draft}/signera/qr"),
    ("POST", "/ansokan/{draft}/signera/avbryt"),
    ("GET", "/ansokan/{draft}/medsokande"),
    ("POST", "/ansokan/{draft}/medsokande"),
    ("POST", "/ansokan/{draft}/medsokande/avboj"),
    ("GET", "/ansokan/{draft}/vantar"),
    ("GET", "/ansokan/{draft}/ta-bort"),
    ("POST", "/ansokan/{draft}/ta-bort"),
]
# What test_a_draft_is_not_found_by_anyone_but_its_owner already asserts for a saved draft.
COVERED_ELSEWHERE = {
    ("GET", "/ansokan/{draft}"),
    ("GET", "/ansokan/{draft}/steg/om_dig"),
    ("POST", "/ansokan/{draft}/steg/om_dig"),
    ("POST", "/ansokan/{draft}/autospara"),
    ("GET", "/ansokan/{draft}/granska"),
    ("POST", "/ansokan/{draft}/granska"),
    ("GET", "/ansokan/{draft}/bilagor/{attachment}"),
    ("GET", "/ansokan/{draft}/kvittens"),
    ("GET", "/ansokan/{draft}/signera"),
    ("GET", "/ansokan/{draft}/vantar"),
    ("GET", "/ansokan/{draft}/medsokande"),
    ("GET", "/ansokan/{draft}/ta-bort"),
    ("POST", "/ansokan/{draft}/ta-bort"),
}
RECEIPTS = [("GET", "/ansokan/{draft}/kvittens"), ("GET", "/ansokan/{draft}/kvittens.pdf")]
VISITORS = ("anonymous", "other citizen", "staff")  # each in turn, in the owner's browser after logging out

# A co-applicant of an application waiting for signatures: what the code lets them do (404 everywhere else).
COAPPLICANT_MAY = {
    ("GET", "/ansokan/{draft}/bilagor/{attachment}"): 200,  # the files they are asked to sign
    ("GET", "/ansokan/{draft}/signera/status"): 303,  # no order of theirs: back to the co-signing page
    ("GET", "/ansokan/{draft}/signera/qr"): 286,  # no order of theirs: stop polling
    ("POST", "/ansokan/{draft}/signera/avbryt"): 303,
    ("GET", "/ansokan/{draft}/medsokande"): 200,
    ("POST", "/ansokan/{draft}/medsokande"): 303,  # starts their BankID sign order
    ("POST", "/ansokan/{draft}/medsokande/avboj"): 303,
}


def needs_login(template: str) -> bool:
    """The signing routes are guarded by login_required: anonymous visitors are sent to log in before any look-up."""
    return template.split("/")[3:4] in (["signera"], ["medsokande"], ["vantar"])


def login_target(response: httpx.Response, draft_id: str, attachment: str) -> tuple[str, str]:
    """Where an anonymous visitor is sent (and the names of the cookies set with it), the ids taken out."""
    names = "; ".join(sorted(c.split(";")[0].split("=")[0] for c in response.headers.get_list("set-cookie")))
    location = response.headers.get("location", "")
    return tuple(text.replace(draft_id, "{draft}").replace(attachment, "{attachment}") for text in (location, names))


def route_id(method: str, template: str) -> str:
    return f"{method} {template.removeprefix('/ansokan/{draft}') or '/'}"


@dataclass
class Scenario:
    draft_id: str
    attachment: str


async def prepare(client: httpx.AsyncClient, app, kind: str) -> Scenario:
    """Erik's application (or an anonymous browser's) with a secret answer and a file, in the state `kind` names."""
    anonymous = kind.startswith("anonymous")
    if anonymous:
        await make_service_with_form(slug="tjanst", requires_login=False, allows_drafts=False)
    else:
        await make_service_with_form(slug="tjanst", requires_signing=kind != "case", allows_coapplicants=True)
        await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": SECRET, "typ": "a"})
    file = {"filer": (FILENAME, PDF, "application/pdf")}
    assert (await post_step(client, draft_id, "bilagor", {}, files=file)).status_code == 303
    attachment = str((await Attachment.objects().first()).public_id)
    parties = {} if anonymous or kind == "case" else {"medsokande__1": MARIA}
    assert (await post_step(client, draft_id, "parter", parties)).status_code == 303
    if kind == "awaiting signatures":
        assert await sign(client, app, draft_id, ERIK, "Erik", "Andersson") == f"/ansokan/{draft_id}/vantar"
    elif kind.endswith("case"):
        page = await client.get(f"/ansokan/{draft_id}/granska")
        submitted = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(page.text)})
        assert submitted.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    return Scenario(draft_id, attachment)


async def become(client: httpx.AsyncClient, app, who: str) -> None:
    """The same browser, now in someone else's hands (the owner's cookies gone)."""
    from db.staff import save_staff as add_staff

    client.cookies.clear()
    if who == "staff":
        await add_staff(STAFF, "admin", "Kommunledningskontoret", clock.now())
    number = {"other citizen": SARA, "staff": STAFF, "co-applicant": MARIA}.get(who)
    if number:
        await log_in(client, app, number)
    # A CSRF cookie, so posts are refused for who sends them, not for a missing token (and any welcome notice shown).
    await client.get("/")


async def visit(client: httpx.AsyncClient, method: str, template: str, draft_id: str, attachment: str):
    path = template.format(draft=draft_id, attachment=attachment)
    if method == "GET":
        return await client.get(path)
    data = {"step": "om_dig", "namn": "Inkräktare", "typ": "a", "enhet": "annan", "reason": "Inkräktare"}
    files = {"filer": ("inkraktare.pdf", PDF, "application/pdf")} if path.endswith("/bilagor/filer") else None
    return await client.post(path, data=data, files=files, headers={"x-csrftoken": client.cookies["csrf"]})


async def snapshot() -> dict:
    """Everything a visitor could change: the draft, its files, parties, signatures, sign orders and cases (read over
    one connection: the tests open one per query, which on PostgreSQL would make this the slowest part of the file)."""
    async with Draft._meta.db.transaction():
        return await _snapshot()


async def _snapshot() -> dict:
    return {
        "drafts": await Draft.select(Draft.public_id, Draft.status, Draft.answers, Draft.returned_reason).output(
            load_json=True
        ),
        "attachments": await Attachment.select(Attachment.public_id, Attachment.draft, Attachment.case),
        "coapplicants": await CoApplicant.select(CoApplicant.personal_number, CoApplicant.status),
        "signatures": await Signature.count(),
        "sign_orders": await BankIdOrder.count().where(BankIdOrder.purpose == "sign"),
        "cases": await CaseRecord.count(),
    }


def assert_nothing_shown(response: httpx.Response) -> None:
    assert SECRET not in response.text and FILENAME not in response.text and PDF not in response.content
    assert "bankid_sign" not in response.headers.get("set-cookie", "")


class Browser:
    """The visitor's browser as it was once they had logged in: every route is tried from there, so what one route
    leaves in the cookie jar cannot change what the next one answers."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client, self.cookies = client, httpx.Cookies(client.cookies)

    async def visit(self, method: str, template: str, draft_id: str, attachment: str) -> httpx.Response:
        self.client.cookies = httpx.Cookies(self.cookies)
        return await visit(self.client, method, template, draft_id, attachment)


# Each test below builds one world (an application in one state) and tries every route in it, a subtest per visitor
# and route, which keeps the file fast on PostgreSQL. A route refused to a visitor must leave the database as it was
# (asserted after each), so it cannot influence the routes and visitors tried after it; of the co-applicant's routes
# that do change the application, starting to sign is tried last and declining in a world of its own.
KINDS = {  # kind of application -> the routes tried on it
    "draft": [route for route in ROUTES if route not in COVERED_ELSEWHERE],
    "awaiting signatures": ROUTES,
    "anonymous draft": ROUTES,
    "case": RECEIPTS,
    "anonymous case": RECEIPTS,
}


@pytest.mark.parametrize("kind", KINDS)
async def test_nobody_but_the_owner_reaches_a_draft(client, app, subtests, kind):
    scenario = await prepare(client, app, kind)
    before = await snapshot()
    for who in VISITORS:
        await become(client, app, who)
        browser = Browser(client)
        for method, template in KINDS[kind]:
            with subtests.test(visitor=who, route=route_id(method, template)):
                response = await browser.visit(method, template, scenario.draft_id, scenario.attachment)
                assert_nothing_shown(response)
                if who == "anonymous" and needs_login(template):
                    path = template.format(draft=scenario.draft_id, attachment=scenario.attachment)
                    assert response.status_code == 303 and response.headers["location"] == f"/logga-in?next={path}"
                else:
                    missing_id, missing_attachment = str(uuid.uuid4()), str(uuid.uuid4())
                    missing = await browser.visit(method, template, missing_id, missing_attachment)
                    # a stranger cannot tell the draft from a missing one
                    if who == "anonymous":  # asked to log in, as the owner whose session ended would be
                        assert response.status_code == missing.status_code == 303
                        assert response.headers["location"].startswith("/logga-in?next=/ansokan/")
                        assert login_target(response, scenario.draft_id, scenario.attachment) == login_target(
                            missing, missing_id, missing_attachment
                        )
                    else:
                        assert response.status_code == missing.status_code == 404
                # What an anonymous post of a step says is held for its browser, apart from the draft (see
                # test_session_end.py: it reaches the draft only through its owner).
                assert await snapshot() == before


# What a co-applicant may do that changes the application: starting to sign is tried after every other route (it
# starts a sign order, which the status, QR and cancel routes would then find), declining in a world of its own.
STARTS_SIGNING = ("POST", "/ansokan/{draft}/medsokande")
DECLINES = ("POST", "/ansokan/{draft}/medsokande/avboj")
COAPPLICANT_WORLDS = {
    "reading, then signing": [route for route in ROUTES if route not in (STARTS_SIGNING, DECLINES)] + [STARTS_SIGNING],
    "declining": [DECLINES],
}


@pytest.mark.parametrize("world", COAPPLICANT_WORLDS)
async def test_a_co_applicant_reads_and_signs_only_through_the_co_signing_routes(client, app, subtests, world):
    scenario = await prepare(client, app, "awaiting signatures")
    await become(client, app, "co-applicant")
    browser = Browser(client)
    before = await snapshot()
    for method, template in COAPPLICANT_WORLDS[world]:
        with subtests.test(route=route_id(method, template)):
            response = await browser.visit(method, template, scenario.draft_id, scenario.attachment)
            expected = COAPPLICANT_MAY.get((method, template), 404)
            assert response.status_code == expected, response.text
            if expected == 404:
                assert_nothing_shown(response)
            elif template.endswith("/medsokande") and method == "GET":
                assert SECRET in response.text and FILENAME in response.text  # what she is asked to sign
            elif template.endswith("{attachment}"):
                assert response.content == PDF
            elif template.endswith("/avboj"):
                draft = await Draft.objects().first()
                assert draft.status == "draft" and "Inkräktare" in draft.returned_reason
                assert response.headers["location"] == "/mina-sidor"
            elif template.endswith(("/signera/status", "/signera/avbryt")):
                assert response.headers["location"] == f"/ansokan/{scenario.draft_id}/medsokande"
            elif (method, template) == STARTS_SIGNING:
                assert response.headers["location"] == f"/ansokan/{scenario.draft_id}/signera/status"
                assert "bankid_sign" in response.headers["set-cookie"]
            if (method, template) not in (STARTS_SIGNING, DECLINES):  # nothing changed for the routes tried next
                assert await snapshot() == before


async def test_a_named_co_applicant_cannot_read_a_draft_the_applicant_has_not_signed(client, app, subtests):
    scenario = await prepare(client, app, "draft")  # Maria is named on the parties step, nobody has signed yet
    await become(client, app, "co-applicant")
    browser = Browser(client)
    before = await snapshot()
    for method, template in [route for route in ROUTES if route in COAPPLICANT_MAY]:
        with subtests.test(route=route_id(method, template)):
            response = await browser.visit(method, template, scenario.draft_id, scenario.attachment)
            assert_nothing_shown(response)
            assert response.status_code == 404
            assert await snapshot() == before


async def test_another_drafts_file_cannot_be_reached_through_a_draft_one_may_reach(client, app, subtests):
    """Attachment ids are looked up within the draft in the address: another draft's file stays out of reach."""
    scenario = await prepare(client, app, "awaiting signatures")
    await make_service_with_form(slug="annan")
    other_draft = await start(client, "annan")
    await post_step(client, other_draft, "bilagor", {}, files={"filer": (FILENAME, PDF, "application/pdf")})
    rows = await Attachment.select(Attachment.public_id, Attachment.draft.public_id)
    foreign = next(str(r["public_id"]) for r in rows if str(r["draft.public_id"]) == other_draft)
    for through in ("co-signed draft", "own draft"):
        if through == "own draft":  # Erik's draft waiting for signatures is frozen: use a fresh one of Sara's
            await become(client, app, "other citizen")
            await make_service_with_form(slug="saras")
            reachable = await start(client, "saras")
        else:
            await become(client, app, "co-applicant")
            reachable = scenario.draft_id
        browser = Browser(client)
        before = await snapshot()
        for method, template in [
            ("GET", "/ansokan/{draft}/bilagor/{attachment}"),
            ("POST", "/ansokan/{draft}/bilagor/{attachment}/ta-bort"),
        ]:
            with subtests.test(through=through, route=route_id(method, template)):
                response = await browser.visit(method, template, reachable, foreign)
                assert response.status_code == 404
                assert_nothing_shown(response)
                assert await snapshot() == before


async def test_a_co_applicant_cannot_open_the_files_after_the_signing_deadline(client, app, settings):
    scenario = await prepare(client, app, "awaiting signatures")
    await become(client, app, "co-applicant")
    link = f"/ansokan/{scenario.draft_id}/bilagor/{scenario.attachment}"
    assert (await client.get(link)).status_code == 200
    with clock.travel(timedelta(days=settings.default_cosign_days, hours=1)):
        await become(client, app, "co-applicant")  # her session has long timed out: she logs in again
        response = await client.get(link)
    assert response.status_code == 404 and PDF not in response.content


async def test_an_e_service_without_drafts_says_so_before_the_user_starts(client, app, demo):
    not_saved = "Den här e-tjänsten går inte att spara för att fortsätta senare"
    await log_in(client, app, ERIK)
    saving = await client.get("/e-tjanster/ansokan-om-forskoleplats/starta")  # allows_drafts: true
    assert "Du kan spara ansökan och fortsätta senare" in saving.text and not_saved not in saving.text
    saved = await client.get(f"/ansokan/{await start(client, 'ansokan-om-forskoleplats')}", follow_redirects=True)
    assert "Spara och fortsätt senare" in saved.text

    page = await client.get("/e-tjanster/ledighet-fran-skolan/starta")  # allows_drafts: false in the demo data
    assert page.status_code == 200
    notice = page.text.index(not_saved)
    assert notice < page.text.index(">Starta nu<") and "Du kan spara ansökan" not in page.text
    draft_id = await start(client, "ledighet-fran-skolan")
    step = await client.get(f"/ansokan/{draft_id}", follow_redirects=True)
    assert step.status_code == 200 and "Spara och fortsätt senare" not in step.text
    again = await client.get("/e-tjanster/ledighet-fran-skolan/starta")  # nothing saved to come back to
    assert not_saved in again.text and "Du har en sparad ansökan" not in again.text
