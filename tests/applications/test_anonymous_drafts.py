"""Applications made without logging in: each draft belongs to the browser holding its own signed cookie, and no
cache keeps the pages a resident typed a name and an address into."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core import clock
from services.applications import ANONYMOUS_COOKIE_MAX_AGE, anonymous_cookie_name
from tests.applications.helpers import post_step, start
from tests.factories import make_service_with_form
from tests.login import csrf_from

pytestmark = pytest.mark.usefixtures("db")
FORM = """
steps:
  - id: uppgifter
    title: Dina uppgifter
    fields:
      - {id: namn, type: text, label: Namn, required: true}
"""


async def _anonymous_service(slug: str) -> None:
    await make_service_with_form(FORM, slug=slug, title=slug.title(), requires_login=False, allows_drafts=False)


async def _submit(client, draft_id: str) -> str:
    assert (await post_step(client, draft_id, "uppgifter", {"namn": "Erik Andersson"})).status_code == 303
    check = await client.get(f"/ansokan/{draft_id}/granska")
    submitted = await client.post(f"/ansokan/{draft_id}/granska", data={"_csrf_token": csrf_from(check.text)})
    assert submitted.headers["location"] == f"/ansokan/{draft_id}/kvittens"
    return draft_id


async def test_each_anonymous_draft_has_its_own_cookie_scoped_to_its_address(client):
    await _anonymous_service("felanmalan")
    page = await client.get("/e-tjanster/felanmalan/starta")
    started = await client.post("/e-tjanster/felanmalan/starta", data={"_csrf_token": csrf_from(page.text)})
    draft_id = re.search(r"/ansokan/([0-9a-f-]{36})", started.headers["location"]).group(1)
    cookie = started.headers["set-cookie"]
    assert cookie.startswith(f"{anonymous_cookie_name(draft_id)}=")
    assert f"Path=/ansokan/{draft_id};" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Max-Age" not in cookie and "expires" not in cookie.lower()  # a session cookie: gone with the browser


async def test_a_second_anonymous_application_leaves_the_first_receipt_to_its_owner(client):
    await _anonymous_service("felanmalan")
    await _anonymous_service("synpunkt")
    first = await _submit(client, await start(client, "felanmalan"))
    second = await start(client, "synpunkt")  # the same browser starts another one
    await _submit(client, second)
    for draft_id in (first, second):
        receipt = await client.get(f"/ansokan/{draft_id}/kvittens")
        assert receipt.status_code == 200 and "Erik Andersson" in receipt.text
        assert (await client.get(f"/ansokan/{draft_id}/kvittens.pdf")).status_code == 200


async def test_a_cookie_opens_only_its_own_draft_and_only_as_signed(client):
    await _anonymous_service("felanmalan")
    first = await start(client, "felanmalan")
    second = await start(client, "felanmalan")
    first_cookie = client.cookies.get(anonymous_cookie_name(first))
    assert (await client.get(f"/ansokan/{second}/steg/uppgifter")).status_code == 200
    client.cookies.clear()
    # The first draft's cookie, sent under the second's name: signed for another draft, so it opens nothing.
    client.cookies.set(anonymous_cookie_name(second), first_cookie)
    assert (await client.get(f"/ansokan/{second}/steg/uppgifter")).status_code == 404
    # A cookie someone changed by a single character is no longer signed. Not the last character: in base64 its low
    # bits may be padding, so another letter there can decode to the same signature.
    tampered = first_cookie[:-5] + ("A" if first_cookie[-5] != "A" else "Q") + first_cookie[-4:]
    client.cookies.clear()
    client.cookies.set(anonymous_cookie_name(first), tampered)
    assert (await client.get(f"/ansokan/{first}/steg/uppgifter")).status_code == 404
    client.cookies.clear()
    client.cookies.set(anonymous_cookie_name(first), first_cookie)
    assert (await client.get(f"/ansokan/{first}/steg/uppgifter")).status_code == 200
    with clock.travel(ANONYMOUS_COOKIE_MAX_AGE + timedelta(minutes=1)):  # an old copy of the cookie
        assert (await client.get(f"/ansokan/{first}/steg/uppgifter")).status_code == 404


async def test_anonymous_draft_check_and_receipt_pages_are_never_stored(client):
    await _anonymous_service("felanmalan")
    draft_id = await start(client, "felanmalan")
    step = await client.get(f"/ansokan/{draft_id}/steg/uppgifter")
    await post_step(client, draft_id, "uppgifter", {"namn": "Erik Andersson"})
    check = await client.get(f"/ansokan/{draft_id}/granska")
    await _submit(client, draft_id)
    receipt = await client.get(f"/ansokan/{draft_id}/kvittens")
    pdf = await client.get(f"/ansokan/{draft_id}/kvittens.pdf")
    for response in (step, check, receipt, pdf):
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store", response.url
