"""Once an application is a case, its old addresses lead on instead of answering "Sidan kunde inte hittas": Back
after the receipt, a waiting page left open while the co-applicant signs, an old link, and every poll of a signing
status page (however many at once) land on the receipt, or for a co-applicant on the case page. Strangers still get
the 404 of a missing draft."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core import clock
from db.cases import CaseRecord
from tests.applications.helpers import autosave_page, post_page, post_step, start
from tests.applications.test_signing_http import filled_draft, sign
from tests.factories import make_service_with_form
from tests.login import approve, csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
MARIA = "198503129820"
SARA = "199505199902"
POLLS = 30


async def _submitted(client, app) -> str:
    """Erik's application of an e-service without signing, submitted; he is still logged in."""
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    check = await client.get(f"/ansokan/{draft_id}/granska")
    sent = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert sent.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    return draft_id


async def test_the_old_addresses_of_a_submitted_application_lead_to_its_receipt(client, app):
    draft_id = await _submitted(client, app)
    receipt = f"/ansokan/{draft_id}/kvittens"
    for path in ("", "/steg/om_dig", "/steg/parter", "/granska", "/ta-bort"):
        response = await client.get(f"/ansokan/{draft_id}{path}")
        assert response.status_code == 303 and response.headers["location"] == receipt, path
        htmx = await client.get(f"/ansokan/{draft_id}{path}", headers={"HX-Request": "true"})
        assert htmx.headers["HX-Redirect"] == receipt, path
    assert (await client.get(receipt)).status_code == 200


async def test_a_tab_left_open_on_a_step_is_told_the_application_was_sent(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    left_open = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    check = await client.get(f"/ansokan/{draft_id}/granska")
    await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    receipt = f"/ansokan/{draft_id}/kvittens"
    autosaved = await autosave_page(client, left_open, draft_id, "om_dig", {"namn": "Ändrat efteråt", "typ": "a"})
    assert autosaved.headers["HX-Redirect"] == receipt
    posted = await post_page(client, left_open, draft_id, "om_dig", {"namn": "Ändrat efteråt", "typ": "a"})
    assert posted.status_code == 303 and posted.headers["location"] == receipt
    page = await client.get(receipt)
    assert "Ansökan hade redan skickats in. Det du ändrade efter det har inte sparats." in page.text
    assert (await CaseRecord.objects().output(load_json=True).first()).answers["namn"] == "Erik"


async def test_strangers_still_get_404_on_the_addresses_of_someone_elses_case(client, app):
    draft_id = await _submitted(client, app)
    client.cookies.clear()
    await log_in(client, app, SARA)
    for path in ("", "/steg/om_dig", "/granska", "/kvittens"):
        assert (await client.get(f"/ansokan/{draft_id}{path}")).status_code == 404, path


async def test_the_waiting_page_and_the_co_applicants_pages_lead_on_once_everyone_has_signed(client, app):
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, [MARIA])
    assert await sign(client, app, draft_id, ERIK, "Erik", "Andersson") == f"/ansokan/{draft_id}/vantar"
    erik = dict(client.cookies)
    client.cookies.clear()
    await log_in(client, app, MARIA)
    after = await sign(client, app, draft_id, MARIA, "Maria", "Svensson", start_path="medsokande")
    reference = (await CaseRecord.objects().first()).reference
    assert after == f"/mina-sidor/arenden/{reference}"
    for path in ("/medsokande", "/signera/status", ""):  # Maria's old pages: the case she can now follow
        response = await client.get(f"/ansokan/{draft_id}{path}")
        assert response.status_code == 303 and response.headers["location"] == after, path
    client.cookies.clear()
    client.cookies.update(erik)  # Erik's waiting page, left open
    for path in ("/vantar", "/signera", "/signera/status", "/granska"):
        response = await client.get(f"/ansokan/{draft_id}{path}")
        assert response.status_code == 303 and response.headers["location"] == f"/ansokan/{draft_id}/kvittens", path


async def _signing_started(client, app, coapplicants: list[str] = ()) -> str:
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, coapplicants)
    page = await client.get(f"/ansokan/{draft_id}/signera")
    started = await client.post(
        f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"}
    )
    assert started.status_code == 303
    return draft_id


def _poll(client, draft_id: str, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    return client.get(f"/ansokan/{draft_id}/signera/status", headers=headers)


def _lands_on(response) -> str:
    return response.headers.get("HX-Redirect") or response.headers.get("location") or f"{response.status_code}"


async def test_every_poll_of_a_signature_that_went_through_lands_on_the_receipt(client, app):
    """30 status polls at once after the signature (the page open in several tabs, htmx and reloading ones): one
    records the signature and submits, each of the others lands on the receipt too, and none answers 404."""
    draft_id = await _signing_started(client, app)
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):
        responses = await asyncio.gather(*(_poll(client, draft_id, htmx=n % 2 == 0) for n in range(POLLS)))
        later = [await _poll(client, draft_id, htmx) for htmx in (True, False)]  # and the tabs' next polls
    receipt = f"/ansokan/{draft_id}/kvittens"
    assert [_lands_on(r) for r in responses + later] == [receipt] * (POLLS + 2)
    assert all(r.status_code in (200, 303) for r in responses + later)
    assert await CaseRecord.count() == 1
    # The QR code's own poll just stops (286): one navigation to the receipt, so its one-time notice is seen.
    qr = await client.get(f"/ansokan/{draft_id}/signera/qr", headers={"HX-Request": "true"})
    assert qr.status_code == 286 and "HX-Redirect" not in qr.headers


async def test_every_poll_after_the_applicant_signs_for_co_applicants_lands_on_the_waiting_page(client, app):
    draft_id = await _signing_started(client, app, [MARIA])
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):
        responses = await asyncio.gather(*(_poll(client, draft_id, htmx=n % 2 == 0) for n in range(POLLS)))
    assert [_lands_on(r) for r in responses] == [f"/ansokan/{draft_id}/vantar"] * POLLS
    assert (await client.get(f"/ansokan/{draft_id}/vantar")).status_code == 200


async def test_a_step_post_after_submission_from_an_anonymous_tab_comes_back_to_the_receipt_after_login(client, app):
    """The session ended and the application was sent from another device: the login leads to the receipt."""
    draft_id = await _submitted(client, app)
    page = await client.get("/mina-sidor")
    await client.post("/logga-ut", data={"_csrf_token": csrf_from(page.text)})
    login = await client.get("/logga-in/bankid")
    posted = await client.post(
        f"/ansokan/{draft_id}/steg/om_dig", data={"_csrf_token": csrf_from(login.text), "namn": "Sent"}
    )
    step = f"/ansokan/{draft_id}/steg/om_dig"
    assert posted.headers["location"] == f"/logga-in?next={step}&utloggad=1"
    await log_in(client, app, ERIK, next_path=step)
    back = await client.get(step)
    assert back.status_code == 303 and back.headers["location"] == f"/ansokan/{draft_id}/kvittens"


async def test_an_application_not_yet_sent_has_no_receipt(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    assert (await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})).status_code == 303
    assert (await client.get(f"/ansokan/{draft_id}/kvittens")).status_code == 404
