"""Signing with BankID and co-signing by co-applicants, over HTTP with the BankID simulator."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest

from core import clock
from db.applications import Draft
from db.bankid import BankIdOrder
from db.cases import CaseEvent, CaseRecord
from db.notices import Notification
from db.signing import CoApplicant, Signature
from tests.applications.helpers import post_step, start
from tests.factories import make_service_with_form
from tests.headings import assert_headings_nest
from tests.login import approve, csrf_from, log_in, newest_order, sign_in_dev_app

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
MARIA = "198503129820"
SARA = "199505199902"


async def filled_draft(client, app, coapplicants: list[str] = ()) -> str:
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})
    await post_step(client, draft_id, "bilagor", {})
    data = {f"medsokande__{n}": number for n, number in enumerate(coapplicants, start=1)}
    response = await post_step(client, draft_id, "parter", data)
    assert response.status_code == 303, response.text
    return draft_id


async def sign(client, app, draft_id: str, who: str, given: str, surname: str, *, start_path: str = "signera") -> str:
    """Start a sign order, let the simulator sign as `who`; returns where the app sends the user after."""
    page = await client.get(f"/ansokan/{draft_id}/{start_path}")
    started = await client.post(
        f"/ansokan/{draft_id}/{start_path}", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"}
    )
    assert started.status_code == 303, started.text
    await approve(app, who, given, surname)
    with clock.travel(timedelta(seconds=2)):
        done = await client.get(f"/ansokan/{draft_id}/signera/status")
    assert done.status_code == 303, done.text
    return done.headers["location"]


async def signed_by_erik_for_maria(client, app, then_log_in: str | None = MARIA) -> str:
    """Erik applies with Maria as co-applicant and signs; then `then_log_in` is logged in. Returns the draft id."""
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, [MARIA])
    await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    if then_log_in:
        client.cookies.clear()
        await log_in(client, app, then_log_in)
    return draft_id


async def test_signing_sends_bankid_what_is_signed_and_submits(client, app):
    await make_service_with_form(slug="tjanst", title="Parkeringstillstånd", requires_signing=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    check = await client.get(f"/ansokan/{draft_id}/granska")
    response = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert response.headers["location"] == f"/ansokan/{draft_id}/signera"
    page = await client.get(f"/ansokan/{draft_id}/signera")
    await client.post(f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"})
    order = await newest_order(app)
    assert order.kind == "sign" and order.required_personal_number == ERIK
    assert "# Parkeringstillstånd" in order.user_visible_data and "*Namn:* Erik" in order.user_visible_data
    status = await client.get(f"/ansokan/{draft_id}/signera/status")
    assert "Skriv under med BankID" in status.text and "<svg" in status.text
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):
        done = await client.get(f"/ansokan/{draft_id}/signera/status")
    assert done.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    case = await CaseRecord.objects().first()
    signature = await Signature.objects().output(load_json=True).first()
    assert signature.case == case.id and signature.digest == case.digest and signature.personal_number == ERIK
    assert signature.completion["signature"] and signature.completion["ocspResponse"]  # completionData whole
    assert signature.completion["user"]["personalNumber"] == ERIK and signature.completion["device"]["ipAddress"]
    signed_xml = ElementTree.fromstring(base64.b64decode(signature.completion["signature"]))
    non_visible = next(element for element in signed_xml.iter() if element.tag.endswith("}usrNonVisibleData"))
    assert case.digest in base64.b64decode(non_visible.text).decode()


async def test_signing_again_cancels_the_first_order_and_signs_with_the_new_one(client, app):
    """Back from the QR code and "Skriv under" again: the first order ends at BankID, the new one works (BankID
    refuses a second order for the same person while the first is open)."""
    await make_service_with_form(slug="tjanst", requires_signing=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    page = await client.get(f"/ansokan/{draft_id}/signera")
    await client.post(f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"})
    first = await newest_order(app)
    again = await client.post(
        f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "denna"}
    )
    assert again.status_code == 303, again.text
    second = await newest_order(app)
    assert second.order_ref != first.order_ref
    replaced = await app.state.bankid_simulator.order(first.order_ref)
    assert (replaced.status, replaced.hint_code) == ("failed", "cancelled")
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):
        done = await client.get(f"/ansokan/{draft_id}/signera/status")
    assert done.headers["location"] == f"/ansokan/{draft_id}/kvittens"


async def test_signing_on_this_device_returns_to_the_signing_status_page(client, app):
    """The dev BankID app opened from "Öppna BankID-appen" in the same tab goes back to the signing's status page,
    which collects the signature, not to the login's."""
    await make_service_with_form(slug="tjanst", requires_signing=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    page = await client.get(f"/ansokan/{draft_id}/signera")
    await client.post(f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "denna"})
    status = await client.get(f"/ansokan/{draft_id}/signera/status")
    signed = await sign_in_dev_app(client, status.text, ERIK)
    assert signed.status_code == 303 and signed.headers["location"] == f"/ansokan/{draft_id}/signera/status"
    with clock.travel(timedelta(seconds=2)):
        done = await client.get(signed.headers["location"])
    assert done.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    assert await Signature.count() == 1


async def test_a_change_after_signing_started_voids_the_signature(client, app):
    await make_service_with_form(slug="tjanst", requires_signing=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    page = await client.get(f"/ansokan/{draft_id}/signera")
    await client.post(f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"})
    await post_step(client, draft_id, "om_dig", {"namn": "Någon annan", "typ": "a"})  # in another tab
    await approve(app, ERIK, "Erik", "Andersson")
    with clock.travel(timedelta(seconds=2)):
        done = await client.get(f"/ansokan/{draft_id}/signera/status")
    assert done.headers["location"] == f"/ansokan/{draft_id}/granska"
    assert await Signature.count() == 0 and await CaseRecord.count() == 0


async def test_co_applicants_sign_before_the_case_is_received(client, app):
    from db.accounts import UserAccount, update_contact_details

    await make_service_with_form(slug="tjanst", title="Bygglov", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, MARIA)  # Maria has an account with an e-mail address
    maria = await UserAccount.objects().where(UserAccount.personal_number == MARIA).first()
    await update_contact_details(maria.id, "maria@exempel.se", "")
    client.cookies.clear()
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, [MARIA])
    after = await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    assert after == f"/ansokan/{draft_id}/vantar"
    waiting = await client.get(after)
    assert "Väntar på signatur från annan part" in waiting.text and "19850312-9820" in waiting.text
    assert await CaseRecord.count() == 0
    mail = await Notification.objects().where(Notification.kind == "cosign_requested").first()
    assert mail.email == "maria@exempel.se" and "Bygglov" not in mail.body
    assert (await client.get(f"/ansokan/{draft_id}/steg/om_dig")).status_code == 404  # frozen while signing

    client.cookies.clear()
    await log_in(client, app, MARIA)
    overview = await client.get("/mina-sidor")
    assert "Att signera" in overview.text and f"/ansokan/{draft_id}/medsokande" in overview.text
    read = await client.get(f"/ansokan/{draft_id}/medsokande")
    assert "Läs och skriv under ansökan" in read.text and "Erik" in read.text
    after = await sign(client, app, draft_id, MARIA, "Maria", "Andersson", start_path="medsokande")
    case = await CaseRecord.objects().first()
    assert after == f"/mina-sidor/arenden/{case.reference}" and case.status == "received"
    case_page = await client.get(after)
    assert f"Ansökan har skickats in med ärendenummer {case.reference}" in case_page.text
    assert case.reference in (await client.get("/mina-sidor")).text  # Maria follows the case too
    signatures = await Signature.select(Signature.role, Signature.digest).where(Signature.case == case.id)
    assert sorted(s["role"] for s in signatures) == ["applicant", "coapplicant"]
    assert {s["digest"] for s in signatures} == {case.digest}
    events = await CaseEvent.select(CaseEvent.kind).where(CaseEvent.case == case.id).order_by(CaseEvent.at)
    assert [e["kind"] for e in events] == ["signed", "cosign_requested", "signed", "received"]
    timeline = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", case_page.text))
    assert "Medsökande ombads skriva under" in timeline and "Underskrivet av en medsökande" in timeline


async def test_a_co_applicant_is_told_who_asked_them_to_sign(client, app):
    """Mina sidor and the signing page name the applicant; the e-mail says that someone asked, not who (a notice
    carries no personal data), and where to see who."""
    from db.accounts import UserAccount, update_contact_details

    await log_in(client, app, MARIA)  # Maria has an account with an e-mail address
    maria = await UserAccount.objects().where(UserAccount.personal_number == MARIA).first()
    await update_contact_details(maria.id, "maria@exempel.se", "")
    client.cookies.clear()
    draft_id = await signed_by_erik_for_maria(client, app)
    to_sign = re.search(
        r'<li class="case-list__item">\s*<a href="/ansokan/[^"]+/medsokande">.*?</li>',
        (await client.get("/mina-sidor")).text,
        re.S,
    )
    assert "Från Erik Andersson" in to_sign.group(0)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    assert "Erik Andersson har angett dig som medsökande och ber dig skriva under." in page.text
    assert_headings_nest(page.text)  # the choices are h3 under "Skriv under"
    assert re.search(r"<h3>\s*Mobilt BankID på annan enhet\s*</h3>", page.text)
    mail = await Notification.objects().where(Notification.kind == "cosign_requested").first()
    assert "Erik" not in mail.body and "Andersson" not in mail.body
    assert "Någon har angett dig som medsökande" in mail.body and "vem som ber dig" in mail.body


async def test_a_co_applicant_who_declines_returns_the_application_as_a_draft(client, app):
    draft_id = await signed_by_erik_for_maria(client, app)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    declined = await client.post(
        f"/ansokan/{draft_id}/medsokande/avboj", data={"_csrf_token": csrf_from(page.text), "reason": "Fel fastighet"}
    )
    assert declined.status_code == 303
    draft = await Draft.objects().first()
    assert draft.status == "draft" and "Fel fastighet" in draft.returned_reason
    assert await Signature.count() == 0  # the applicant's signature no longer counts
    client.cookies.clear()
    await log_in(client, app, ERIK)
    overview = await client.get("/mina-sidor")
    assert "Behöver åtgärdas" in overview.text
    assert (await client.get(f"/ansokan/{draft_id}/steg/om_dig")).status_code == 200


async def test_a_decline_is_confirmed_and_its_reason_shown_on_my_pages_and_on_the_draft(client, app):
    draft_id = await signed_by_erik_for_maria(client, app)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    declined = await client.post(
        f"/ansokan/{draft_id}/medsokande/avboj", data={"_csrf_token": csrf_from(page.text), "reason": "Fel fastighet"}
    )
    assert declined.headers["location"] == "/mina-sidor"
    confirmation = (await client.get("/mina-sidor")).text
    assert "Du har avböjt att skriva under. Ansökan har gått tillbaka till den sökande, som kan se din anledning." in (
        confirmation
    )

    client.cookies.clear()
    await log_in(client, app, ERIK)
    saved = re.search(
        rf'<li class="case-list__item">\s*<a href="/ansokan/{draft_id}">.*?</li>',
        (await client.get("/mina-sidor")).text,
        re.S,
    )
    assert "Behöver åtgärdas" in saved.group(0) and "Anledning: Fel fastighet" in saved.group(0)
    for path in ("steg/om_dig", "granska"):
        draft_page = (await client.get(f"/ansokan/{draft_id}/{path}")).text
        assert "En medsökande avböjde att skriva under. Anledning: Fel fastighet" in draft_page, path


async def test_co_signing_ends_at_the_deadline(client, app, settings):
    draft_id = await signed_by_erik_for_maria(client, app, then_log_in=None)
    with clock.travel(timedelta(days=settings.default_cosign_days, hours=1)):
        client.cookies.clear()
        await log_in(client, app, MARIA)
        assert (await client.get(f"/ansokan/{draft_id}/medsokande")).status_code == 404
    draft = await Draft.objects().first()
    assert draft.status == "draft" and "tiden" in draft.returned_reason.lower()


async def test_a_stranger_opening_an_application_after_the_deadline_changes_nothing(client, app, settings):
    """Ending co-signing is a write and a notice: only someone who may see the application sets it off."""
    draft_id = await signed_by_erik_for_maria(client, app, then_log_in=None)
    with clock.travel(timedelta(days=settings.default_cosign_days, hours=1)):
        client.cookies.clear()
        await log_in(client, app, SARA)
        for path in ("", "/medsokande", "/vantar", "/signera/status"):
            assert (await client.get(f"/ansokan/{draft_id}{path}")).status_code == 404, path
        client.cookies.clear()  # and anonymously (asked to log in, as for any address)
        anonymous = await client.get(f"/ansokan/{draft_id}")
        assert anonymous.status_code == 303 and anonymous.headers["location"] == f"/logga-in?next=/ansokan/{draft_id}"
    draft = await Draft.objects().first()
    assert draft.status == "awaiting_signatures" and draft.returned_reason == ""
    assert await Notification.count().where(Notification.kind == "cosign_declined") == 0


async def test_the_cosigning_job_returns_late_applications_and_tells_the_applicant(client, app, settings):
    from db.accounts import update_contact_details
    from jobs import cosigning
    from services.signing import end_cosigning

    draft_id = await signed_by_erik_for_maria(client, app, then_log_in=None)
    draft = await Draft.objects().first()
    await update_contact_details(draft.owner, "erik@exempel.se", "")
    with clock.travel(timedelta(days=settings.default_cosign_days, hours=1)):
        client.cookies.clear()
        await log_in(client, app, MARIA)
        assert f"/ansokan/{draft_id}/medsokande" not in (await client.get("/mina-sidor")).text  # nothing to sign
        assert await cosigning.run(settings) == {"cosigning_ended": 1}
        assert await cosigning.run(settings) == {"cosigning_ended": 0}
        assert not await end_cosigning(draft.id, draft.owner)  # a page view a moment later
    draft = await Draft.objects().first()
    assert draft.status == "draft" and "tiden" in draft.returned_reason.lower()
    assert await Signature.count() == 0
    notices = await Notification.objects().where(Notification.user == draft.owner)
    assert len(notices) == 1  # told once
    notice = notices[0]
    assert notice.kind == "cosign_declined" and notice.email == "erik@exempel.se"


async def test_a_co_applicant_signs_once_and_cannot_decline_after_signing(client, app):
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, [MARIA, SARA])
    await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    client.cookies.clear()
    await log_in(client, app, MARIA)
    after = await sign(client, app, draft_id, MARIA, "Maria", "Andersson", start_path="medsokande")
    assert after == f"/ansokan/{draft_id}/medsokande"  # Sara has yet to sign
    page = await client.get(after)
    again = await client.post(after, data={"_csrf_token": csrf_from(page.text), "enhet": "annan"})
    assert again.status_code == 303 and again.headers["location"] == after
    declined = await client.post(f"{after}/avboj", data={"_csrf_token": csrf_from(page.text), "reason": "Ångrar"})
    assert declined.status_code == 303 and declined.headers["location"] == after
    draft = await Draft.objects().first()
    assert draft.status == "awaiting_signatures" and not draft.returned_reason
    assert await Signature.count() == 2


async def test_co_applicants_can_open_the_attachments_they_are_asked_to_sign(client, app):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})
    await post_step(client, draft_id, "bilagor", {}, files={"filer": ("ritning.pdf", pdf, "application/pdf")})
    await post_step(client, draft_id, "parter", {"medsokande__1": MARIA})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    link = re.search(rf'href="(/ansokan/{draft_id}/bilagor/[0-9a-f-]+)">ritning.pdf</a>', check.text).group(1)
    await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    client.cookies.clear()
    await log_in(client, app, MARIA)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    assert f'href="{link}">ritning.pdf</a>' in page.text
    assert (await client.get(link)).content == pdf


async def test_only_named_co_applicants_can_read_or_sign(client, app):
    draft_id = await signed_by_erik_for_maria(client, app, SARA)
    assert (await client.get(f"/ansokan/{draft_id}/medsokande")).status_code == 404
    assert "Att signera" not in (await client.get("/mina-sidor")).text


async def test_the_applicant_can_delete_an_application_waiting_for_co_applicants_and_they_cannot(client, app):
    draft_id = await signed_by_erik_for_maria(client, app)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    assert (await client.get(f"/ansokan/{draft_id}/ta-bort")).status_code == 404
    refused = await client.post(f"/ansokan/{draft_id}/ta-bort", data={"_csrf_token": csrf_from(page.text)})
    assert refused.status_code == 404 and await Draft.count() == 1

    client.cookies.clear()
    await log_in(client, app, ERIK)
    waiting = await client.get(f"/ansokan/{draft_id}/vantar")
    assert f'href="/ansokan/{draft_id}/ta-bort"' in waiting.text
    confirm = await client.get(f"/ansokan/{draft_id}/ta-bort")
    assert "kan de inte längre signera" in confirm.text
    deleted = await client.post(f"/ansokan/{draft_id}/ta-bort", data={"_csrf_token": csrf_from(confirm.text)})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/mina-sidor"
    assert await Draft.count() == 0 and await CoApplicant.count() == 0 and await Signature.count() == 0
    client.cookies.clear()
    await log_in(client, app, MARIA)
    assert "Att signera" not in (await client.get("/mina-sidor")).text
    assert (await client.get(f"/ansokan/{draft_id}/medsokande")).status_code == 404


@pytest.mark.parametrize(
    ("numbers", "message"),
    [
        ([ERIK], "inte ditt eget"),
        (["19850312-9821"], "kontrollera den sista siffran"),
        ([MARIA, "19850312-9820"], "två gånger"),
    ],
)
async def test_co_applicant_numbers_are_checked(client, app, numbers, message):
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True)
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    data = {f"medsokande__{n}": number for n, number in enumerate(numbers, start=1)}
    response = await post_step(client, draft_id, "parter", data)
    assert response.status_code == 400 and message in response.text
    assert await CoApplicant.count() == 0


async def test_signing_orders_are_not_counted_as_logins(client, app):
    await make_service_with_form(slug="tjanst", requires_signing=True)
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app)
    page = await client.get(f"/ansokan/{draft_id}/signera")
    await client.post(f"/ansokan/{draft_id}/signera", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"})
    purposes = sorted(row["purpose"] for row in await BankIdOrder.select(BankIdOrder.purpose))
    assert purposes == ["login", "sign"]


async def test_the_co_signing_pages_use_the_e_services_own_noun(client, app):
    await make_service_with_form(slug="tjanst", requires_signing=True, allows_coapplicants=True, noun="beställning")
    await log_in(client, app, ERIK)
    draft_id = await filled_draft(client, app, [MARIA])
    await sign(client, app, draft_id, ERIK, "Erik", "Andersson")
    waiting = await client.get(f"/ansokan/{draft_id}/vantar")
    assert "Beställningen skickas till oss när alla medsökande också har skrivit under." in waiting.text
    assert "kommer beställningen tillbaka till dig som en sparad beställning" in waiting.text
    assert "Ta bort beställningen" in waiting.text and "ansökan" not in waiting.text.split("<main")[1]
    client.cookies.clear()
    await log_in(client, app, MARIA)
    page = await client.get(f"/ansokan/{draft_id}/medsokande")
    assert "Läs och skriv under beställningen" in page.text
    assert "Läs hela beställningen innan du skriver under." in page.text
