"""Mina organisationer: representing companies and associations, applying for them, sharing their cases."""

from __future__ import annotations

import re

import pytest

from db.applications import Draft
from db.cases import CaseRecord
from db.organisations import Organisation
from db.signing import CoApplicant
from integrations.company_register import CompanyRecord
from tests.applications.helpers import post_step
from tests.factories import make_case, make_service_with_form, make_user
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK, MARIA, SARA = "198112189876", "198503129820", "199505199902"
SKENE_IF = "8024473194"


async def add(client, number: str):
    page = await client.get("/mina-sidor/organisationer")
    return await client.post(
        "/mina-sidor/organisationer", data={"_csrf_token": csrf_from(page.text), "organisation_number": number}
    )


async def test_a_signatory_adds_an_organisation_from_the_register(client, app):
    await log_in(client, app, ERIK)
    page = await client.get("/mina-sidor/organisationer")
    assert "Kinna Bygg &amp; Fastighet AB" in page.text  # suggested: Erik signs for it
    assert "Fritsla Måleri AB" not in page.text  # deregistered: not suggested
    added = await add(client, "559204-8176")
    assert added.status_code == 303
    page = await client.get("/mina-sidor/organisationer")
    assert "Organisationer du företräder" in page.text and "559204-8176" in page.text


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("559388-1260", "inte firmatecknare"),  # Sara's restaurant
        ("556610-4286", "avregistrerad"),
        ("212000-0142", "hittade inte organisationen"),
        ("12345", "10 siffror"),
    ],
)
async def test_organisations_the_user_may_not_act_for_are_refused(client, app, number, message):
    await log_in(client, app, ERIK)
    response = await add(client, number)
    assert response.status_code == 400 and message in response.text
    assert 'href="#organisation_number"' in response.text


async def test_an_application_for_an_organisation_is_shared_with_its_representatives(client, app):
    await make_service_with_form(slug="tjanst", title="Föreningsbidrag")
    await log_in(client, app, ERIK)
    await add(client, SKENE_IF)
    page = await client.get("/e-tjanster/tjanst/starta")
    assert "Vem ansöker du för?" in page.text and "Skene IF" in page.text
    organisation_id = page.text.split('id="for-', 2)[2].split('"')[0]
    started = await client.post(
        "/e-tjanster/tjanst/starta", data={"_csrf_token": csrf_from(page.text), "for": organisation_id}
    )
    draft_id = started.headers["location"].rsplit("/", 1)[1]
    await post_step(client, draft_id, "om_dig", {"namn": "Skene IF", "typ": "a"})
    await post_step(client, draft_id, "bilagor", {})
    await post_step(client, draft_id, "parter", {})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    case = await CaseRecord.objects().first()
    assert case.organisation == int(organisation_id)

    client.cookies.clear()
    await log_in(client, app, MARIA)  # also a signatory of Skene IF
    await add(client, SKENE_IF)
    case_page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert case_page.status_code == 200 and "<dd>Skene IF</dd>" in case_page.text
    overview = await client.get("/mina-sidor")
    assert case.reference in overview.text and "för Skene IF" in overview.text

    client.cookies.clear()
    await log_in(client, app, SARA)  # no relation to Skene IF
    assert (await client.get(f"/mina-sidor/arenden/{case.reference}")).status_code == 404

    register = app.state.company_register
    original = await register.lookup(SKENE_IF)
    register.put(CompanyRecord(SKENE_IF, "Skene IF", (ERIK,), active=True))  # Maria leaves the board
    try:
        client.cookies.clear()
        await log_in(client, app, MARIA)
        await client.get("/mina-sidor/organisationer")  # representation follows the register
        assert (await client.get(f"/mina-sidor/arenden/{case.reference}")).status_code == 404
    finally:
        register.put(original)


async def test_applying_for_an_organisation_one_does_not_represent_is_ignored(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, SARA)
    page = await client.get("/e-tjanster/tjanst/starta")
    started = await client.post("/e-tjanster/tjanst/starta", data={"_csrf_token": csrf_from(page.text), "for": "1"})
    assert started.status_code == 303
    draft = await Draft.objects().first()
    assert draft.organisation is None


async def test_a_case_seen_in_several_ways_is_listed_once(client, app):
    service = await make_service_with_form(slug="tjanst", title="Föreningsbidrag")
    await log_in(client, app, ERIK)
    await add(client, SKENE_IF)
    organisation = await Organisation.objects().first()
    erik = await make_user(ERIK)
    # Erik applied for the club he represents, and named Maria, also on its board, as co-applicant.
    case = await make_case(service, erik.id, organisation=organisation.id)
    await CoApplicant.insert(CoApplicant(case=case.id, personal_number=MARIA, status="signed"))
    for person in (ERIK, MARIA):
        client.cookies.clear()
        await log_in(client, app, person)
        await add(client, SKENE_IF)
        overview = await client.get("/mina-sidor")
        assert overview.text.count(f"/mina-sidor/arenden/{case.reference}") == 1, person
        assert "Inskickade och pågående (1)" in re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", overview.text)), person
        listed = await client.get("/mina-sidor/arenden?grupp=pagaende")
        assert listed.text.count(f"/mina-sidor/arenden/{case.reference}") == 1, person
