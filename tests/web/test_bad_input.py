"""Bad input never gets a 500: NUL characters (which PostgreSQL refuses in text), digits that str.isdigit() accepts
and int() does not, numbers beyond the database's integers, form fields that are not UTF-8, and a tampered thread
cursor. Each is refused with a 4xx or cleaned; nothing is stored twice. The cases a fuzzing run found are written
out; a sweep then tries the same values in every address of the app."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core import clock
from db import messages as conversations
from db.applications import Draft
from db.messages import Message
from db.organisations import Representation
from tests.applications.helpers import post_step, start
from tests.factories import make_case, make_service_with_form, make_user
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
HUGE = "99999999999999999999"
# What the sweep puts in every parameter.
NASTY = ("a%00b", "²", HUGE, "-1", "%FF%FE", "x" * 600)


async def _erik_with_case_and_draft(client, app):
    service = await make_service_with_form(slug="tjanst", title="Bygglov")
    erik = await make_user(ERIK)
    case = await make_case(service, erik.id)
    await conversations.add_message(case.id, None, from_officer=True, body="Hej", now=clock.now())
    supplement_id = await conversations.request_supplement(
        case.id, None, message="Mer", fields=["namn"], due_date=date.today() + timedelta(days=7), now=clock.now()
    )
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    return case, supplement_id, draft_id


async def test_nul_in_an_address_or_a_query_is_a_400(client, app):
    case, _supplement_id, draft_id = await _erik_with_case_and_draft(client, app)
    for path in (
        "/mina-sidor/arenden/%00",
        f"/mina-sidor/arenden/{case.reference}%00",
        f"/mina-sidor/arenden/{case.reference}/bilagor/%00",
        f"/ansokan/{draft_id}/steg/om%00dig",
        "/e-tjanster/%00",
        "/e-tjanster?q=%00",
        f"/mina-sidor/arenden/{case.reference}/meddelanden?efter=1%00",
    ):
        response = await client.get(path)
        assert response.status_code == 400, path
        assert "Adressen är inte giltig" in response.text, path


async def test_nul_in_form_text_is_removed_before_it_is_stored(client, app):
    case, supplement_id, draft_id = await _erik_with_case_and_draft(client, app)
    assert (await post_step(client, draft_id, "om_dig", {"namn": "Er\x00ik", "typ": "a"})).status_code == 303
    assert (await Draft.objects().output(load_json=True).first()).answers["namn"] == "Erik"
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    sent = await client.post(
        f"/mina-sidor/arenden/{case.reference}/meddelanden",
        data={"_csrf_token": csrf_from(page.text), "text": "Tack\x00 för svaret", "efter": "0"},
    )
    assert sent.status_code == 303
    assert (await Message.objects().where(Message.author.is_not_null()).first()).body == "Tack för svaret"
    supplement = f"/mina-sidor/arenden/{case.reference}/komplettering/{supplement_id}"
    answered = await client.post(supplement, data={"_csrf_token": csrf_from(page.text), "namn": "\x00", "text": "x"})
    assert answered.status_code == 400 and "Fyll i ”Namn”" in answered.text  # nothing but a NUL is nothing
    details = await client.post(
        "/mina-sidor/uppgifter", data={"_csrf_token": csrf_from(page.text), "email": "erik@exempel.se\x00"}
    )
    assert details.status_code == 303
    organisation = await client.post(
        "/mina-sidor/organisationer", data={"_csrf_token": csrf_from(page.text), "organisation_number": "\x00"}
    )
    assert organisation.status_code == 400


async def test_unicode_digits_and_huge_numbers_are_no_numbers(client, app):
    case, _supplement_id, _draft_id = await _erik_with_case_and_draft(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    token = csrf_from(page.text)
    for value in ("²", "٣", HUGE, "2147483648", "1_000"):
        poll = await client.get(f"/mina-sidor/arenden/{case.reference}/meddelanden?efter={value}")
        assert poll.status_code in (200, 204, 303), value
        assert (await client.get(f"/mina-sidor/arenden?grupp=pagaende&sida={value}")).status_code == 200, value
        assert (await client.get(f"/mina-sidor/arenden/{case.reference}/komplettering/{value}")).status_code == 404
        removed = await client.post(f"/mina-sidor/organisationer/{value}/ta-bort", data={"_csrf_token": token})
        assert removed.status_code == 404, value
        started = await client.post("/e-tjanster/tjanst/starta", data={"_csrf_token": token, "for": value})
        assert started.status_code == 303, value
    assert await Representation.count() == 0


@pytest.mark.parametrize("cursor", ["²", HUGE, "-5", "abc"])
async def test_a_tampered_thread_cursor_stores_the_message_once_and_answers(client, app, cursor):
    case, _supplement_id, _draft_id = await _erik_with_case_and_draft(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    sent = await client.post(
        f"/mina-sidor/arenden/{case.reference}/meddelanden",
        data={"text": "Ett meddelande", "efter": cursor},
        headers={"HX-Request": "true", "x-csrftoken": csrf_from(page.text)},
    )
    assert sent.status_code == 200 and "Ett meddelande" in sent.text
    assert await Message.count().where(Message.body == "Ett meddelande") == 1


async def test_form_fields_that_are_not_utf8_are_a_400(client, app):
    case, _supplement_id, draft_id = await _erik_with_case_and_draft(client, app)
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    token = csrf_from(page.text)
    boundary = "gransen"

    def multipart(fields: dict[str, bytes]) -> bytes:
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
            for name, value in fields.items()
        ]
        return b"".join(parts) + f"--{boundary}--\r\n".encode()

    headers = {"content-type": f"multipart/form-data; boundary={boundary}", "x-csrftoken": token}
    for path, fields in (
        (f"/ansokan/{draft_id}/steg/om_dig", {"step": b"om_dig", "namn": b"\xff\xfe\xfd"}),
        (f"/mina-sidor/arenden/{case.reference}/meddelanden", {"text": b"\xc3\x28"}),
    ):
        response = await client.post(path, content=multipart(fields), headers=headers)
        assert response.status_code == 400, path
        assert "Formuläret kunde inte läsas" in response.text
    assert await Message.count().where(Message.author.is_not_null()) == 0


async def _paths(app, method: str) -> list[str]:
    """Every address of the app that answers `method`, its parameters left as {name}."""
    paths = []
    for route in app.routes:
        if method in getattr(route, "methods", ()) and not route.path.startswith(("/static", "/_dev/bankid/rp")):
            paths.append(re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
    return sorted(set(paths))


async def test_no_address_answers_500_to_strange_parameters(client, app):
    """The same strange values in every parameter of every GET address, logged in and anonymously: a 4xx, a
    redirect or a page, never a 500."""
    await _erik_with_case_and_draft(client, app)
    paths = await _paths(app, "GET")
    assert len(paths) > 25  # the sweep sees the app's addresses
    failures = []
    for visitor in (ERIK, None):
        client.cookies.clear()
        if visitor:
            await log_in(client, app, visitor)
        for template in paths:
            for value in NASTY:
                path = re.sub(r"\{\w+\}", value, template)
                for url in (path, f"{path}?sida={value}&efter={value}&q={value}&grupp={value}&next={value}"):
                    response = await client.get(url)
                    if response.status_code >= 500:
                        failures.append((visitor, url, response.status_code))
    assert failures == []


# The names of the app's form fields (and a few of the form engine's).
FIELD_NAMES = (
    "text", "namn", "typ", "antal", "reason", "email", "phone", "organisation_number", "for", "action", "efter",
    "step", "shown", "return_to", "enhet", "next", "notices", "count", "personal_number", "error_code",
)  # fmt: skip


async def test_no_form_answers_500_to_strange_values(client, app):
    """Every POST address of the app, in its real case and draft where it has parameters, with the strange values in
    every field name it uses: never a 500."""
    case, supplement_id, draft_id = await _erik_with_case_and_draft(client, app)
    token = csrf_from((await client.get("/mina-sidor")).text)
    known = {
        "slug": "tjanst",
        "draft_id": draft_id,
        "step_id": "om_dig",
        "field_id": "filer",
        "reference": case.reference,
        "supplement_id": str(supplement_id),
    }
    failures = []
    # Deleting the draft and logging out come last, so every other form is tried on a draft and in a session.
    for template in sorted(await _paths(app, "POST"), key=lambda path: path.endswith(("/ta-bort", "/logga-ut"))):
        path = re.sub(r"\{(\w+)\}", lambda match: known.get(match.group(1), "x"), template)
        for value in ("a\x00b", "²", HUGE, "\udcff" * 3):
            data = {name: value.encode("utf-8", "surrogatepass") for name in FIELD_NAMES}
            response = await client.post(path, data={**data, "_csrf_token": token})
            if response.status_code >= 500:
                failures.append((path, repr(value), response.status_code))
    assert failures == []
