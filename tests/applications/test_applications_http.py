"""Filling in, saving, attaching, checking and submitting applications over HTTP (a browser without JavaScript)."""

from __future__ import annotations

import asyncio
import io
import re
from datetime import timedelta

import pytest

from core import clock
from db.applications import Attachment, Draft
from db.cases import CaseEvent, CaseRecord
from db.catalogue import EService
from db.notices import Notification
from tests.applications.helpers import post_step, start
from tests.factories import CONDITIONAL_FORM, TEST_FORM, make_form, make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
SARA = "199505199902"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def fill_all(client, draft_id: str) -> None:
    assert (await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})).status_code == 303
    assert (await post_step(client, draft_id, "bilagor", {})).status_code == 303
    assert (await post_step(client, draft_id, "parter", {})).status_code == 303


async def submit(client, draft_id: str):
    page = await client.get(f"/ansokan/{draft_id}/granska")
    return await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(page.text)})


async def test_an_e_service_needing_login_sends_anonymous_visitors_to_log_in(client):
    service = await make_service_with_form(slug="bygga")
    response = await client.get("/e-tjanster/bygga/starta")
    assert response.status_code == 303 and response.headers["location"] == "/logga-in?next=/e-tjanster/bygga/starta"
    assert service.id


async def test_an_e_service_without_a_form_shows_no_start_button_and_says_how_to_apply(client):
    from tests.factories import make_document, make_service

    service = await make_service(slug="utan-formular", contact_name="Lena Berg", contact_phone="0320-21 70 01")
    await make_document(service, title="Blankett: Ansökan om något", filename="blankett.pdf")
    page = await client.get("/e-tjanster/utan-formular")
    assert page.status_code == 200
    assert "Starta e-tjänsten" not in page.text and "/e-tjanster/utan-formular/starta" not in page.text
    assert "Så ansöker du" in page.text and "Ladda ner blanketten" in page.text
    assert "Lena Berg" in page.text and "/e-tjanster/utan-formular/blanketter/blankett.pdf" in page.text
    assert "öppnar snart" not in page.text


async def test_an_e_service_without_a_form_or_documents_points_to_its_contact_person(client):
    from tests.factories import make_service

    await make_service(slug="utan-blankett", contact_name="Lena Berg", contact_email="lena.berg@mark.se")
    page = await client.get("/e-tjanster/utan-blankett")
    assert "Starta e-tjänsten" not in page.text and "Ladda ner blanketten" not in page.text
    assert "så får du hjälp att ansöka" in page.text and "lena.berg@mark.se" in page.text


async def test_the_start_address_of_an_e_service_without_a_form_leads_to_how_to_apply(client, app):
    from tests.factories import make_service

    await make_service(slug="utan-formular", requires_login=True)
    await make_service_with_form(slug="med-formular", requires_login=False, allows_drafts=False)
    token = csrf_from((await client.get("/e-tjanster/med-formular/starta")).text)
    for response in (
        await client.get("/e-tjanster/utan-formular/starta"),
        await client.post("/e-tjanster/utan-formular/starta", data={"_csrf_token": token}),
    ):
        assert response.status_code == 303
        assert response.headers["location"] == "/e-tjanster/utan-formular#how-to-apply"
    await log_in(client, app, ERIK)
    start_page = await client.get("/e-tjanster/utan-formular/starta", follow_redirects=True)
    assert start_page.status_code == 200 and "Så ansöker du" in start_page.text
    assert await Draft.count() == 0


async def test_an_e_service_with_a_form_shows_the_start_button(client):
    await make_service_with_form(slug="med-formular")
    page = await client.get("/e-tjanster/med-formular")
    assert "Starta e-tjänsten" in page.text and "Så ansöker du" not in page.text


async def test_anonymous_application_from_start_to_receipt(client):
    await make_service_with_form(slug="felanmalan", title="Felanmälan", requires_login=False, allows_drafts=False)
    draft_id = await start(client, "felanmalan")
    step = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    assert "Steg 1 av 3" in step.text and "Spara och fortsätt senare" not in step.text
    await fill_all(client, draft_id)
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert "Kontrollera dina svar" in check.text and "Erik" in check.text and "Alfa" in check.text
    submitted = await submit(client, draft_id)
    assert submitted.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    receipt = await client.get(submitted.headers["location"])
    reference = re.search(r"<strong>(\d{4}-\d{6})</strong>", receipt.text).group(1)
    assert reference.startswith(str(clock.now().year))
    assert "kvittensen är ditt enda bevis" in receipt.text
    pdf = await client.get(f"/ansokan/{draft_id}/kvittens.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    case = await CaseRecord.objects().first()
    assert case.reference == reference and case.applicant is None and case.received_at is not None
    assert await Draft.count() == 0  # the draft is gone: the case is the incoming document now
    client.cookies.clear()  # another browser: asked to log in, as on any address, and shown nothing
    elsewhere = await client.get(f"/ansokan/{draft_id}/kvittens")
    assert elsewhere.status_code == 303 and elsewhere.headers["location"].startswith("/logga-in?")
    assert reference not in elsewhere.text


async def test_missing_and_wrong_answers_are_explained_and_kept(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    response = await post_step(client, draft_id, "om_dig", {"namn": "E" * 60, "antal": "2,5"})
    assert response.status_code == 400
    assert "<title>Fel: Om dig" in response.text
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
    assert "”Namn” får vara högst 50 tecken" in summary
    assert "Ange ett heltal för ”Antal”" in summary
    assert "Välj ett svar på ”Typ”" in summary
    assert 'href="#typ-1"' in summary and 'href="#namn"' in summary
    assert 'value="' + "E" * 60 + '"' in response.text and 'value="2,5"' in response.text
    draft = await Draft.objects().first().output(load_json=True)
    assert draft.answers["namn"] == "E" * 60  # saved as typed: nothing is lost


async def test_a_field_revealed_by_an_answer_is_shown_before_it_is_required(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    revealed = await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b"})
    assert revealed.status_code == 200
    assert "Dina svar har lett till fler frågor" in revealed.text and 'id="detalj"' in revealed.text
    assert "error-summary" not in revealed.text
    missing = await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b"})
    assert missing.status_code == 400 and "Fyll i ”Detalj”" in missing.text
    done = await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b", "detalj": "x"})
    assert done.status_code == 303


async def test_answers_to_hidden_questions_are_not_submitted(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b", "detalj": "hemligt"})
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a", "detalj": "hemligt"})
    await post_step(client, draft_id, "bilagor", {})
    await post_step(client, draft_id, "parter", {})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert "hemligt" not in check.text
    await submit(client, draft_id)
    case = await CaseRecord.objects().output(load_json=True).first()
    assert "detalj" not in case.answers and case.answers["typ"] == "a"


async def test_save_and_continue_later_keeps_the_draft_on_my_pages(client, app, settings):
    await make_service_with_form(slug="tjanst", title="Tjänsten")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    saved = await post_step(client, draft_id, "om_dig", {"namn": "Halvfärdig"}, action="save")
    assert saved.status_code == 303 and saved.headers["location"] == "/mina-sidor"
    overview = await client.get("/mina-sidor")
    assert "Din ansökan har sparats" in overview.text
    assert f'href="/ansokan/{draft_id}"' in overview.text and "Tjänsten" in overview.text
    deleted_on = (clock.now() + timedelta(days=settings.default_retention_days_draft)).date()
    assert str(deleted_on.day) in overview.text and "Raderas" in overview.text
    client.cookies.clear()
    await log_in(client, app, ERIK)  # come back another day
    start_page = await client.get("/e-tjanster/tjanst/starta")
    assert "Du har en sparad ansökan" in start_page.text
    continued = await client.post(
        "/e-tjanster/tjanst/starta", data={"_csrf_token": csrf_from(start_page.text)}, follow_redirects=True
    )
    assert 'value="Halvfärdig"' in continued.text


async def test_starting_again_deletes_the_saved_draft(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    first = await start(client, "tjanst")
    second = await start(client, "tjanst", action="new")
    assert first != second and await Draft.count() == 1


async def test_the_owner_deletes_a_saved_application_after_confirming(client, app):
    await make_service_with_form(slug="tjanst", title="Tjänsten")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(
        client, draft_id, "bilagor", {}, files={"filer": ("a.pdf", PDF, "application/pdf")}, action="upload"
    )
    step = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    assert f'href="/ansokan/{draft_id}/ta-bort"' in step.text
    overview = await client.get("/mina-sidor")
    assert f'href="/ansokan/{draft_id}/ta-bort"' in overview.text
    confirm = await client.get(f"/ansokan/{draft_id}/ta-bort")
    assert confirm.status_code == 200 and "Vill du ta bort den sparade ansökan?" in confirm.text
    assert await Draft.count() == 1  # asking is not deleting
    deleted = await client.post(f"/ansokan/{draft_id}/ta-bort", data={"_csrf_token": csrf_from(confirm.text)})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/mina-sidor"
    assert await Draft.count() == 0 and await Attachment.count() == 0
    overview = await client.get("/mina-sidor")
    assert "Den sparade ansökan Tjänsten har tagits bort" in overview.text
    assert draft_id not in overview.text
    assert (await client.get(f"/ansokan/{draft_id}")).status_code == 404


async def test_a_submitted_application_cannot_be_deleted_and_its_case_page_says_why(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await fill_all(client, draft_id)
    page = await client.get(f"/ansokan/{draft_id}/granska")
    await submit(client, draft_id)
    refused = await client.post(f"/ansokan/{draft_id}/ta-bort", data={"_csrf_token": csrf_from(page.text)})
    assert refused.status_code == 404 and await CaseRecord.count() == 1
    case = await CaseRecord.objects().first()
    case_page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert "Kan jag ta bort ärendet?" in case_page.text and "allmän handling" in case_page.text


async def test_a_newer_form_version_does_not_break_an_open_draft(client, app):
    service = await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await make_form(
        service,
        "steps:\n  - id: nytt\n    title: Nytt\n    fields:\n      - {id: x, type: text, label: X}\n",
        version=2,
    )
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    assert page.status_code == 200 and "Om dig" in page.text
    await fill_all(client, draft_id)
    await submit(client, draft_id)
    assert (await CaseRecord.objects().first()) is not None


@pytest.mark.parametrize("who", ["other citizen", "staff", "anonymous"])
async def test_a_draft_is_not_found_by_anyone_but_its_owner(client, app, who):
    from db.staff import save_staff as add_staff

    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Privat"}, action="save")
    await post_step(
        client, draft_id, "bilagor", {}, files={"filer": ("a.pdf", PDF, "application/pdf")}, action="upload"
    )
    attachment = await Attachment.objects().first()
    client.cookies.clear()
    if who == "other citizen":
        await log_in(client, app, SARA)
    elif who == "staff":
        await add_staff("197606239866", "admin", "Kommunledningskontoret", clock.now())
        await log_in(client, app, "197606239866")
    paths = [
        f"/ansokan/{draft_id}",
        f"/ansokan/{draft_id}/steg/om_dig",
        f"/ansokan/{draft_id}/granska",
        f"/ansokan/{draft_id}/bilagor/{attachment.public_id}",
        f"/ansokan/{draft_id}/kvittens",
        f"/ansokan/{draft_id}/signera",
        f"/ansokan/{draft_id}/vantar",
        f"/ansokan/{draft_id}/medsokande",
        f"/ansokan/{draft_id}/ta-bort",
    ]
    for path in paths:
        response = await client.get(path)
        if who == "anonymous":  # asked to log in (the owner whose session ended would be), whatever the address
            assert response.status_code == 303 and response.headers["location"].startswith("/logga-in?"), path
        else:
            assert response.status_code == 404, path
        assert "Privat" not in response.text
    await client.get("/")  # a CSRF cookie, so the posts are refused for who they are, not for a missing token
    csrf = {"x-csrftoken": client.cookies["csrf"]}
    for path in (
        f"/ansokan/{draft_id}/steg/om_dig",
        f"/ansokan/{draft_id}/autospara",
        f"/ansokan/{draft_id}/granska",
        f"/ansokan/{draft_id}/ta-bort",
    ):
        response = await client.post(path, data={"step": "om_dig", "namn": "Inkräktare"}, headers=csrf)
        if who == "anonymous":
            assert response.status_code == 303 and response.headers["location"].startswith("/logga-in?"), path
        else:
            assert response.status_code == 404, path
    draft = await Draft.objects().output(load_json=True).first()
    assert draft.answers["namn"] == "Privat"


async def test_autosave_keeps_answers_and_reveals_questions(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    response = await client.post(
        f"/ansokan/{draft_id}/autospara",
        data={"step": "om_dig", "namn": "Under skrivning", "typ": "b"},
        headers={"HX-Request": "true", "x-csrftoken": csrf_from(page.text)},
    )
    assert response.status_code == 200
    assert 'id="falt-detalj"' in response.text and 'data-hx-swap-oob="outerHTML"' in response.text
    assert "Sparat kl." in response.text and "Ny fråga: Detalj" in response.text
    assert 'id="falt-namn"' not in response.text  # what the user types in is never swapped
    draft = await Draft.objects().output(load_json=True).first()
    assert draft.answers["namn"] == "Under skrivning"


async def test_autosave_stores_valid_answers_as_the_step_post_does_and_keeps_invalid_ones(client, app):
    form = "steps:\n  - id: om_dig\n    title: Om dig\n    fields:\n      - {id: pnr, type: personnummer, label: Pnr}\n"
    await make_service_with_form(form, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    headers = {"HX-Request": "true", "x-csrftoken": csrf_from(page.text)}

    async def stored(data: dict) -> dict:
        await client.post(f"/ansokan/{draft_id}/autospara", data={"step": "om_dig", **data}, headers=headers)
        return (await Draft.objects().output(load_json=True).first()).answers

    autosaved = await stored({"pnr": "19850312-9820"})
    await post_step(client, draft_id, "om_dig", {"pnr": "19850312-9820"})
    posted = (await Draft.objects().output(load_json=True).first()).answers
    assert autosaved == posted == {"pnr": "198503129820"}  # an autosave landing after "Fortsätt" changes nothing
    assert (await stored({"pnr": "19850312-98"}))["pnr"] == "19850312-98"  # kept as typed, to be corrected


async def test_an_htmx_upload_answers_with_a_fresh_focused_input_and_ties_errors_to_it(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/bilagor")
    headers = {"HX-Request": "true", "x-csrftoken": csrf_from(page.text)}
    url = f"/ansokan/{draft_id}/bilagor/filer"
    done = await client.post(url, files={"filer": ("ritning.pdf", PDF, "application/pdf")}, headers=headers)
    assert done.status_code == 200 and 'id="filfalt-filer"' in done.text and "ritning.pdf" in done.text
    field_input = re.search(r'<input class="file-input"[^>]*>', done.text).group(0)
    assert "autofocus" in field_input and "aria-invalid" not in field_input and "Filen har laddats upp" in done.text
    wrong = await client.post(url, files={"filer": ("bild.pdf", PNG, "application/pdf")}, headers=headers)
    assert wrong.status_code == 400
    field_input = re.search(r'<input class="file-input"[^>]*>', wrong.text).group(0)
    assert 'aria-invalid="true"' in field_input and "filer-error" in field_input
    assert 'id="filer-error"' in wrong.text and "Filen måste vara en PDF" in wrong.text


async def test_a_file_posted_again_with_the_step_is_not_attached_twice(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    file = {"filer": ("ritning.pdf", PDF, "application/pdf")}
    assert (await post_step(client, draft_id, "bilagor", {}, files=file, action="upload")).status_code == 200
    assert (await post_step(client, draft_id, "bilagor", {}, files=file)).status_code == 303
    assert await Attachment.count() == 1


async def test_attachments_are_checked_by_content_and_keep_the_other_answers(client, app):
    files_with_a_question = TEST_FORM.replace(
        "      - {id: filer, type: file,",
        "      - {id: beskrivning, type: textarea, label: Beskrivning}\n      - {id: filer, type: file,",
    )
    await make_service_with_form(files_with_a_question, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    typed = {"beskrivning": "Ritningen visar\nen altan."}
    for action in ("upload", "continue"):  # the upload button, and "Fortsätt" with a file chosen (no JavaScript)
        wrong = await post_step(
            client, draft_id, "bilagor", typed, files={"filer": ("ritning.pdf", PNG, "application/pdf")}, action=action
        )
        assert wrong.status_code == 400 and "Filen måste vara en PDF" in wrong.text, action
        assert "Ritningen visar\nen altan.</textarea>" in wrong.text, action  # what was typed is still there
    big = await post_step(
        client,
        draft_id,
        "bilagor",
        {},
        files={"filer": ("stor.pdf", PDF + b"0" * 1_100_000, "application/pdf")},
        action="upload",
    )
    assert big.status_code == 400 and "högst 1 MB" in big.text
    ok = await post_step(
        client, draft_id, "bilagor", {}, files={"filer": ("../../etc/Ritning å.exe", PDF, "x/y")}, action="upload"
    )
    assert ok.status_code == 200 and "Ritning å.pdf" in ok.text
    attachment = await Attachment.objects().first()
    assert attachment.content_type == "application/pdf" and attachment.filename == "Ritning å.pdf"
    download = await client.get(f"/ansokan/{draft_id}/bilagor/{attachment.public_id}")
    assert download.content == PDF and download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")


async def test_submission_happens_once_however_often_it_is_posted(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await fill_all(client, draft_id)
    page = await client.get(f"/ansokan/{draft_id}/granska")
    token = csrf_from(page.text)
    responses = await asyncio.gather(
        *(client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": token}) for _ in range(6))
    )
    assert await CaseRecord.count() == 1
    assert all(r.status_code == 303 and r.headers["location"].endswith("/kvittens") for r in responses)
    client.cookies.clear()
    await log_in(client, app, SARA)  # a stranger retrying the address learns nothing
    sara_token = csrf_from((await client.get("/mina-sidor")).text)
    assert (await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": sara_token})).status_code == 404


async def test_reference_numbers_are_unique_under_concurrent_submissions(client, app):
    await make_service_with_form(slug="tjanst", requires_login=False, allows_drafts=False)
    clients = []
    import httpx

    for _ in range(8):
        other = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        draft_id = await start(other, "tjanst")
        await fill_all(other, draft_id)
        page = await other.get(f"/ansokan/{draft_id}/granska")
        clients.append((other, draft_id, csrf_from(page.text)))
    await asyncio.gather(*(c.post(f"/ansokan/{d}/granska", data={"_csrf_token": t}) for c, d, t in clients))
    references = [row["reference"] for row in await CaseRecord.select(CaseRecord.reference)]
    assert len(references) == 8 == len(set(references))
    numbers = sorted(int(r.split("-")[1]) for r in references)
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    for other, _d, _t in clients:
        await other.aclose()


async def test_receipt_mail_is_queued_without_case_details(client, app):
    from db.accounts import update_contact_details

    await make_service_with_form(slug="tjanst", title="Bygglov för Erik")
    await log_in(client, app, ERIK)
    account = (await client.get("/mina-sidor")).status_code
    from db.accounts import UserAccount

    user = await UserAccount.objects().first()
    await update_contact_details(user.id, "erik@exempel.se", "")
    draft_id = await start(client, "tjanst")
    await fill_all(client, draft_id)
    await submit(client, draft_id)
    mail = await Notification.objects().first()
    case = await CaseRecord.objects().first()
    assert account == 200 and mail.email == "erik@exempel.se" and case.reference in mail.subject
    assert "Erik" not in mail.body and "Bygglov" not in mail.body


async def test_the_case_timeline_starts_with_received(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await fill_all(client, draft_id)
    await submit(client, draft_id)
    events = await CaseEvent.select(CaseEvent.kind)
    assert [e["kind"] for e in events] == ["received"]


async def test_start_counts_feed_the_popular_list(client, app):
    await make_service_with_form(slug="tjanst", requires_login=False)
    await start(client, "tjanst")
    service = await EService.objects().where(EService.slug == "tjanst").first()
    assert service.start_count == 1


async def test_files_for_a_question_that_was_hidden_again_are_not_sent(client, app):
    hidden_unless_b = TEST_FORM.replace(
        "  - id: bilagor\n    title: Bilagor\n",
        "  - id: bilagor\n    title: Bilagor\n    show_if: {field: typ, equals: b}\n",
    )
    await make_service_with_form(hidden_unless_b, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "b", "detalj": "Läkarintyg behövs"})
    await post_step(client, draft_id, "bilagor", {}, files={"filer": ("intyg.pdf", PDF, "application/pdf")})
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})  # no certificate asked for now
    await post_step(client, draft_id, "parter", {})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert "intyg.pdf" not in check.text
    sent = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert sent.headers["location"].endswith("/kvittens")
    assert await CaseRecord.count() == 1 and await Attachment.count() == 0
    assert "intyg.pdf" not in (await client.get(sent.headers["location"])).text


async def test_a_request_too_large_to_read_is_explained_with_a_way_back(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/bilagor")
    huge = await client.post(
        f"/ansokan/{draft_id}/steg/bilagor",
        data={"_csrf_token": csrf_from(page.text), "action": "upload"},
        files={"filer": ("stor.pdf", PDF + b"0" * 70_000_000, "application/pdf")},
    )
    assert huge.status_code == 413 and "<h1>Filen är för stor</h1>" in huge.text
    assert f'<a href="/ansokan/{draft_id}/steg/bilagor">Tillbaka</a>' in huge.text


async def test_a_text_longer_than_its_limit_is_kept_whole_and_explained_with_the_count(client, app):
    """The page states the limit and lets the field take a long paste whole (no maxlength to cut it silently); the
    server answers with the limit and the count and keeps every character, as it does for a textarea."""
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    name_input = re.search(r'<input[^>]*\bid="namn"[^>]*>', page.text).group(0)
    assert "maxlength" not in name_input
    assert 'aria-describedby="namn-hint"' in name_input
    assert re.search(r'<div id="namn-hint" class="hint">\s*Högst 50 tecken\.\s*</div>', page.text)

    pasted = "Kinna 4:12, " * 12 + "Storgatan 12"  # 156 characters: more than twice the limit
    response = await post_step(client, draft_id, "om_dig", {"namn": pasted, "typ": "a"})
    assert response.status_code == 400
    assert "”Namn” får vara högst 50 tecken – du har skrivit 156" in response.text
    assert f'value="{pasted}"' in response.text
    draft = await Draft.objects().output(load_json=True).first()
    assert draft.answers["namn"] == pasted


REVEALING_FORM = """
steps:
  - id: arende
    title: Ärendet
    fields:
      - id: typ
        type: radio
        label: Vad gäller det?
        required: true
        options: [{value: fraga, label: En fråga}, {value: klagomal, label: Ett klagomål}, {value: berom, label: Beröm}]
      - {id: kommentar, type: textarea, label: Vill du berätta mer, show_if: {field: typ, any_of: [klagomal, berom]}}
      - {id: orsak, type: text, label: Vad gick fel, required: true, show_if: {field: typ, equals: klagomal}}
  - id: kontakt
    title: Kontakt
    fields:
      - {id: epost, type: email, label: E-post}
"""


async def test_without_javascript_only_a_new_required_question_stops_continue(client, app):
    await make_service_with_form(REVEALING_FORM, slug="synpunkter")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "synpunkter")

    with_required = await post_step(client, draft_id, "arende", {"typ": "klagomal"})
    assert with_required.status_code == 200 and "error-summary" not in with_required.text
    notice = re.search(r'<div class="notice" role="status">.*?</div>', with_required.text, re.S).group(0)
    assert "Dina svar har lett till fler frågor" in notice
    assert re.findall(r'<a href="#([a-z_]+)">([^<]+)</a>', notice) == [
        ("kommentar", "Vill du berätta mer"),
        ("orsak", "Vad gick fel"),
    ]
    answered = await post_step(client, draft_id, "arende", {"typ": "klagomal", "orsak": "Ingen svarade"})
    assert answered.status_code == 303  # the optional question may stay empty

    assert (await post_step(client, draft_id, "arende", {"typ": "fraga"})).status_code == 303  # both hidden again
    optional_only = await post_step(client, draft_id, "arende", {"typ": "berom"})
    assert optional_only.status_code == 303
    assert optional_only.headers["location"] == f"/ansokan/{draft_id}/steg/kontakt"


def summary_row(page_text: str, label: str) -> str:
    rows = re.findall(r'<div class="summary-list__row">.*?</div>', page_text, re.S)
    return next(row for row in rows if f"<dt>{label}</dt>" in row)


async def test_the_check_page_marks_a_missing_required_answer_and_links_to_the_question(client, app):
    """A change from the check page can reveal a required question on a later step: back on the check page it is
    marked as missing, with a link to the question, not shown as an optional question left unanswered."""
    await make_service_with_form(CONDITIONAL_FORM, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    assert (await post_step(client, draft_id, "arende", {"typ": "a"})).status_code == 303
    assert (await post_step(client, draft_id, "detaljer", {})).status_code == 303
    changed = await post_step(client, draft_id, "arende", {"typ": "b", "return_to": "granska"})
    assert changed.headers["location"] == f"/ansokan/{draft_id}/granska"

    check = await client.get(changed.headers["location"])
    assert check.status_code == 200 and "<title>Kontrollera dina svar" in check.text
    question = f"/ansokan/{draft_id}/steg/detaljer?tillbaka=granska#orsak"
    missing = summary_row(check.text, "Vad gick fel")
    assert "Inte besvarat" not in missing and "Svar saknas" in missing
    assert f'<a href="{question}">Fyll i ”Vad gick fel”</a>' in missing
    assert "Inte besvarat" in summary_row(check.text, "Övrigt")  # optional: nothing is missing
    notice = re.search(r'<div class="notice notice--warning">.*?</div>', check.text, re.S).group(0)
    assert "Några svar saknas" in notice and f'<a href="{question}">Fyll i ”Vad gick fel”</a>' in notice

    answered = await post_step(client, draft_id, "detaljer", {"orsak": "Lampan lyser inte", "return_to": "granska"})
    assert answered.headers["location"] == f"/ansokan/{draft_id}/granska"
    check = await client.get(answered.headers["location"])
    assert "Svar saknas" not in check.text and "Några svar saknas" not in check.text
    assert "Lampan lyser inte" in summary_row(check.text, "Vad gick fel")


async def test_autosave_says_when_a_new_question_is_hidden_again(client):
    """The live region said "Ny fråga: Detalj"; when the answer hides the question again it must not keep saying so,
    also where nothing is saved to continue later (no "Sparat kl." to replace it)."""
    await make_service_with_form(slug="felanmalan", requires_login=False, allows_drafts=False)
    draft_id = await start(client, "felanmalan")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    headers = {"HX-Request": "true", "x-csrftoken": csrf_from(page.text)}

    async def autosave(typ: str) -> str:
        response = await client.post(
            f"/ansokan/{draft_id}/autospara", data={"step": "om_dig", "namn": "Erik", "typ": typ}, headers=headers
        )
        assert response.status_code == 200
        return re.search(r'<span data-hx-swap-oob="innerHTML:#autosave-status">(.*?)</span>', response.text, re.S)[1]

    assert (await autosave("b")).strip() == "Ny fråga: Detalj"
    assert (await autosave("a")).strip() == "Frågan behövs inte längre: Detalj"


async def test_a_felanmalan_is_called_felanmalan_on_the_check_page_and_the_receipt_never_ansokan(client):
    from pypdf import PdfReader

    await make_service_with_form(
        slug="felanmalan", title="Felanmälan", requires_login=False, allows_drafts=False, noun="felanmälan"
    )
    draft_id = await start(client, "felanmalan")
    step = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    await fill_all(client, draft_id)
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert "Skicka in din felanmälan" in check.text and "Skicka in felanmälan</button>" in check.text
    submitted = await submit(client, draft_id)
    receipt = await client.get(submitted.headers["location"])
    assert "Din felanmälan har kommit in" in receipt.text
    assert "<title>Felanmälan har kommit in – Felanmälan" in receipt.text
    pdf = await client.get(f"/ansokan/{draft_id}/kvittens.pdf")
    pdf_text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Vi har tagit emot din felanmälan." in pdf_text
    for text in (step.text, check.text, receipt.text, pdf_text):
        assert "ansökan" not in text.lower(), re.findall(r".{80}ansökan.{40}", text.lower())


async def test_a_neuter_noun_agrees_from_the_start_page_to_the_mail_and_my_pages(client, app):
    from db.accounts import UserAccount, update_contact_details

    await make_service_with_form(slug="forslag", title="Lämna ett e-förslag", noun="e-förslag")
    await log_in(client, app, ERIK)
    user = await UserAccount.objects().first()
    await update_contact_details(user.id, "erik@exempel.se", "")
    draft_id = await start(client, "forslag")
    step = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    assert "Det sparade e-förslaget raderas den" in step.text and "Ta bort det sparade e-förslaget" in step.text
    saved = await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"}, action="save")
    assert saved.headers["location"] == "/mina-sidor"
    assert "Ditt e-förslag har sparats." in (await client.get("/mina-sidor")).text
    start_page = await client.get("/e-tjanster/forslag/starta")
    assert "Du har ett sparat e-förslag" in start_page.text
    assert "Fortsätt med det sparade e-förslaget" in start_page.text
    assert "Radera det och börja på ett nytt e-förslag" in start_page.text
    await fill_all(client, draft_id)
    check = await client.get(f"/ansokan/{draft_id}/granska")
    assert "Skicka in ditt e-förslag" in check.text
    await submit(client, draft_id)
    mail = await Notification.objects().first()
    assert mail.body.startswith("Vi har tagit emot ditt e-förslag. Ärendenumret är ")
    case = await CaseRecord.objects().first()
    case_page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert "Ditt e-förslag" in case_page.text
    for text in (step.text, start_page.text, check.text, mail.body, case_page.text):
        assert "ansökan" not in text.lower(), re.findall(r".{80}ansökan.{40}", text.lower())
