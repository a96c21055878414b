"""Rate limits on what anyone can repeat (services/limits.py): per session and per address, shared through the
database, a Swedish 429 with Retry-After; the "Populära" counter counts visitors, not posts; a file over the limit
keeps the answers posted with it. The ceilings are lowered here (the same code, smaller numbers)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx
import pytest

from core import clock
from db import messages as conversations
from db.catalogue import EService
from services import limits
from services.limits import Limit
from tests.applications.helpers import post_step, start
from tests.factories import make_case, make_service_with_form, make_user
from tests.login import csrf_from, log_in

ERIK = "198112189876"

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def lowered(monkeypatch):
    def lower(action: str, per_address: int, per_session: int) -> None:
        monkeypatch.setitem(limits.LIMITS, action, Limit(per_address, per_session, timedelta(hours=1)))

    return lower


def another_browser(client: httpx.AsyncClient) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=client._transport, base_url="http://testserver")


async def start_status(client: httpx.AsyncClient, slug: str) -> httpx.Response:
    page = await client.get(f"/e-tjanster/{slug}/starta")
    return await client.post(f"/e-tjanster/{slug}/starta", data={"_csrf_token": csrf_from(page.text), "action": "new"})


async def test_starting_applications_is_limited_per_browser_then_per_address(client, lowered):
    lowered("application_start", per_address=4, per_session=2)
    service = await make_service_with_form(requires_login=False, allows_drafts=False)
    assert [(await start_status(client, service.slug)).status_code for _ in range(2)] == [303, 303]
    refused = await start_status(client, service.slug)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert "Du har gjort det här många gånger på kort tid" in refused.text
    async with another_browser(client) as classmate:  # the same address, a browser of its own
        assert (await start_status(classmate, service.slug)).status_code == 303
        assert (await start_status(classmate, service.slug)).status_code == 429  # the address's ceiling (4 tries)


async def test_concurrent_starts_cannot_pass_the_ceiling_together(client, lowered):
    lowered("application_start", per_address=100, per_session=5)
    service = await make_service_with_form(requires_login=False, allows_drafts=False)
    page = await client.get(f"/e-tjanster/{service.slug}/starta")
    data = {"_csrf_token": csrf_from(page.text), "action": "new"}
    answers = await asyncio.gather(*(client.post(f"/e-tjanster/{service.slug}/starta", data=data) for _ in range(12)))
    assert sorted(a.status_code for a in answers) == [303] * 5 + [429] * 7


async def test_the_popular_ranking_counts_one_start_per_visitor_and_day(client):
    service = await make_service_with_form(requires_login=False, allows_drafts=False)
    for _ in range(3):
        assert (await start_status(client, service.slug)).status_code == 303
    async with another_browser(client) as neighbour:
        assert (await start_status(neighbour, service.slug)).status_code == 303
    counted = await EService.select(EService.start_count).where(EService.id == service.id).first()
    assert counted["start_count"] == 2


async def test_an_upload_over_the_limit_keeps_the_answers_and_says_why(client, app, lowered):
    lowered("upload", per_address=100, per_session=1)
    await make_service_with_form(slug="med-bilagor")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "med-bilagor")
    first = await post_step(client, draft_id, "bilagor", {}, files={"filer": ("a.pdf", PDF, "application/pdf")})
    assert first.status_code in (200, 303)
    page = await client.get(f"/ansokan/{draft_id}/steg/bilagor")
    fragment = await client.post(
        f"/ansokan/{draft_id}/bilagor/filer",
        data={"_csrf_token": csrf_from(page.text)},
        files={"filer": ("b.pdf", PDF, "application/pdf")},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 429 and int(fragment.headers["retry-after"]) > 0
    assert "Du har gjort det här många gånger" in fragment.text and "<html" not in fragment.text
    posted = await post_step(
        client, draft_id, "om_dig", {"namn": "Erik Kept", "typ": "a"}, files=None, action="continue"
    )
    assert posted.status_code == 303  # answers without files are not limited


async def test_messages_are_limited_per_session(client, app, lowered):
    lowered("message", per_address=100, per_session=2)
    service = await make_service_with_form(allows_messages=True)
    erik = await make_user(ERIK)
    case = await make_case(service, erik.id)
    await log_in(client, app, ERIK)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    url = f"/mina-sidor/arenden/{case.reference}/meddelanden"
    statuses = [
        (await client.post(url, data={"_csrf_token": csrf_from(page.text), "text": f"Hej {n}"})).status_code
        for n in range(3)
    ]
    assert statuses == [303, 303, 429]


async def test_a_drafts_files_stay_within_its_quota_also_when_uploaded_at_once(client, app, monkeypatch):
    from db.applications import Attachment
    from services import applications

    monkeypatch.setattr(applications, "DRAFT_MAX_BYTES", len(PDF) * 3 // 2)  # room for one of the two files
    await make_service_with_form(slug="med-bilagor")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "med-bilagor")
    page = await client.get(f"/ansokan/{draft_id}/steg/bilagor")
    answers = await asyncio.gather(
        *(
            client.post(
                f"/ansokan/{draft_id}/bilagor/filer",
                data={"_csrf_token": csrf_from(page.text)},
                files={"filer": (f"{name}.pdf", PDF + name.encode(), "application/pdf")},
                headers={"HX-Request": "true"},
            )
            for name in ("a", "b")
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "ansökans filer får vara högst" in refused.text
    assert await Attachment.count() == 1


async def test_a_cases_files_stay_within_its_quota_also_when_sent_at_once(client, app, monkeypatch):
    from db.applications import Attachment
    from db.messages import Message
    from services import messages

    monkeypatch.setattr(messages, "CASE_MAX_BYTES", len(PDF) * 3 // 2)  # room for one of the two files
    service = await make_service_with_form(allows_messages=True)
    case = await make_case(service, (await make_user(ERIK)).id)
    await log_in(client, app, ERIK)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    answers = await asyncio.gather(
        *(
            client.post(
                f"/mina-sidor/arenden/{case.reference}/meddelanden",
                data={"_csrf_token": csrf_from(page.text), "text": f"Bilaga {name}"},
                files={"files": (f"{name}.pdf", PDF + name.encode(), "application/pdf")},
            )
            for name in ("a", "b")
        )
    )
    assert sorted(a.status_code for a in answers) == [303, 400]
    refused = next(a for a in answers if a.status_code == 400)
    assert "Ärendets filer får vara högst" in refused.text and "Bilaga " in refused.text  # the text is kept
    assert await Attachment.count() == 1 and await Message.count() == 1


async def test_supplement_files_count_in_the_cases_quota_and_a_refusal_stores_nothing(client, app, monkeypatch):
    from db.applications import Attachment
    from db.messages import supplement as stored_supplement
    from services import messages

    monkeypatch.setattr(messages, "CASE_MAX_BYTES", len(PDF) * 3 // 2)  # room for one of the two files
    service = await make_service_with_form(allows_messages=True)
    case = await make_case(service, (await make_user(ERIK)).id)
    supplement_id = await conversations.request_supplement(
        case.id, None, message="Skicka ritningen", fields=[], due_date=date.today() + timedelta(days=7), now=clock.now()
    )
    await log_in(client, app, ERIK)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    sent = await client.post(
        f"/mina-sidor/arenden/{case.reference}/meddelanden",
        data={"_csrf_token": csrf_from(page.text), "text": "Första bilagan"},
        files={"files": ("a.pdf", PDF + b"a", "application/pdf")},
    )
    assert sent.status_code == 303
    answer = await client.post(
        f"/mina-sidor/arenden/{case.reference}/komplettering/{supplement_id}",
        data={"_csrf_token": csrf_from(page.text), "text": "Här är ritningen"},
        files={"files": ("b.pdf", PDF + b"b", "application/pdf")},
    )
    assert answer.status_code == 400
    assert "Ärendets filer får vara högst" in answer.text and "Här är ritningen" in answer.text  # the text is kept
    assert await Attachment.count() == 1
    assert (await stored_supplement(case.id, supplement_id))["answered_at"] is None  # still open: nothing stored

    answer = await client.post(
        f"/mina-sidor/arenden/{case.reference}/komplettering/{supplement_id}",
        data={"_csrf_token": csrf_from(page.text), "text": "Ritningen kommer med posten"},
    )
    assert answer.status_code == 303
    assert (await stored_supplement(case.id, supplement_id))["answered_at"] is not None
