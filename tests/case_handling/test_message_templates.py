"""An e-service's message templates, edited by an administrator of the unit that handles it: what officers then
start from, bad input, access and the audit."""

from __future__ import annotations

import asyncio
import re

from db.audit import AuditEntry
from db.case_handling import MessageTemplate
from tests.case_handling.conftest import BIRGITTA, BYGGA, EVA
from tests.case_handling.test_case_handling_http import case_page, text_of
from tests.factories import make_officer
from tests.login import csrf_from, log_in

KARIN = "196807149817"  # an administrator in Bygga, bo och miljö
PAGE = "/handlaggare/e-tjanster/bygglov/mallar"


def field_names(html: str) -> dict[str, str]:
    """The form's textareas by their label."""
    return {
        label.strip(): name
        for name, label in re.findall(r'<label class="label" for="(mall-\d+)">([^<]+)</label>', html)
    }


async def test_an_administrator_changes_a_status_template_and_officers_start_from_it(client, app, office):
    await make_officer(KARIN, BYGGA, role="admin")
    await log_in(client, app, KARIN)
    settings = await client.get("/handlaggare/installningar")
    assert f'href="{PAGE}"' in settings.text  # the way in
    page = await client.get(PAGE)
    assert page.status_code == 200
    names = field_names(page.text)
    assert {"Under handläggning", "Förseningsbesked (förvaltningslagen 11 §)"} <= set(names)
    assert "Standardtext: Hej! Vi har börjat handlägga ditt ärende {ärendenummer}." in text_of(page.text)
    own = "Hej! Nu handlägger Bygglovsenheten ärende {ärendenummer}. Vi hör av oss inom tre veckor."
    saved = await client.post(PAGE, data={"_csrf_token": csrf_from(page.text), names["Under handläggning"]: own})
    assert saved.status_code == 303 and saved.headers["location"] == f"{PAGE}?sparat=1"
    again = await client.get(saved.headers["location"])
    assert "Mallarna har sparats." in again.text and own in again.text
    entry = await AuditEntry.objects().where(AuditEntry.action == "e_service.templates_changed").first()
    assert entry.target == "e_service:bygglov"

    client.cookies.clear()
    await log_in(client, app, EVA)
    reference = office.cases["erik"].reference
    statuses = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<(]+)', (await case_page(client, reference)).text))
    in_progress = next(id_ for id_, name in statuses.items() if name.strip() == "Under handläggning")
    offered = await client.get(f"/handlaggare/arenden/{reference}?status={in_progress}")
    assert f"Nu handlägger Bygglovsenheten ärende {reference}." in offered.text


async def test_emptying_a_template_brings_back_the_default(client, app, office):
    await make_officer(KARIN, BYGGA, role="admin")
    await log_in(client, app, KARIN)
    page = await client.get(PAGE)
    names = field_names(page.text)
    token = csrf_from(page.text)
    await client.post(PAGE, data={"_csrf_token": token, names["Under handläggning"]: "Egen text."})
    assert await MessageTemplate.count().where(MessageTemplate.e_service == office.services["bygglov"]) == 1
    await client.post(PAGE, data={"_csrf_token": token, names["Under handläggning"]: "  "})
    assert await MessageTemplate.count().where(MessageTemplate.e_service == office.services["bygglov"]) == 0


async def test_a_too_long_text_is_explained_beside_the_field_and_nothing_is_lost(client, app, office):
    await make_officer(KARIN, BYGGA, role="admin")
    await log_in(client, app, KARIN)
    page = await client.get(PAGE)
    names = field_names(page.text)
    short, long = "Den här texten ska finnas kvar.", "x" * 10_001
    posted = await client.post(
        PAGE,
        data={"_csrf_token": csrf_from(page.text), names["Inkommen"]: short, names["Under handläggning"]: long},
    )
    assert posted.status_code == 400
    text = text_of(posted.text)
    assert "Det finns ett problem" in text
    message = "Under handläggning: texten får vara högst 10 000 tecken."
    assert text.count(message) == 2  # in the summary and beside the field
    assert f'id="{names["Under handläggning"]}-error"' in posted.text and short in posted.text and long in posted.text
    assert await MessageTemplate.count().where(MessageTemplate.e_service == office.services["bygglov"]) == 0


async def test_two_administrators_saving_at_once_leave_one_text(client, app, office):
    await make_officer(KARIN, BYGGA, role="admin")
    await log_in(client, app, KARIN)
    page = await client.get(PAGE)
    name, token = field_names(page.text)["Under handläggning"], csrf_from(page.text)
    answers = await asyncio.gather(
        *(client.post(PAGE, data={"_csrf_token": token, name: f"Text nummer {n}."}) for n in range(6))
    )
    assert [a.status_code for a in answers] == [303] * 6
    rows = await MessageTemplate.select().where(MessageTemplate.e_service == office.services["bygglov"])
    assert len(rows) == 1 and re.fullmatch(r"Text nummer \d\.", rows[0]["body"])


async def test_only_administrators_of_the_unit_edit_its_templates(client, app, office):
    await log_in(client, app, EVA)  # an officer of the unit, not an administrator
    assert (await client.get(PAGE)).status_code == 403
    assert 'href="/handlaggare/e-tjanster/' not in (await client.get("/handlaggare/installningar")).text
    client.cookies.clear()
    await log_in(client, app, BIRGITTA)  # an administrator of another unit
    assert (await client.get(PAGE)).status_code == 404
    assert (await client.get("/handlaggare/e-tjanster/skolskjuts/mallar")).status_code == 404
