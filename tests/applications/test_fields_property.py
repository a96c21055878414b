"""Random input to every field type: never a server error, never a lost answer."""

from __future__ import annotations

import re

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.applications import Draft
from forms.fields import MAX_INPUT_LENGTH
from tests.browser import run_async
from tests.factories import make_service_with_form

pytestmark = pytest.mark.usefixtures("db")

ALL_TYPES = """
steps:
  - id: allt
    title: Allt
    fields:
      - {id: f_text, type: text, label: Text, max_length: 30}
      - {id: f_textarea, type: textarea, label: Textarea, max_length: 300}
      - {id: f_number, type: number, label: Tal, min: 0, max: 100}
      - {id: f_email, type: email, label: E-post}
      - {id: f_phone, type: phone, label: Telefon}
      - {id: f_pnr, type: personnummer, label: Personnummer}
      - {id: f_orgnr, type: organisationsnummer, label: Organisationsnummer}
      - {id: f_date, type: date, label: Datum, min_date: "-10y", max_date: "+1y"}
      - {id: f_radio, type: radio, label: Radio, options: [a, b]}
      - {id: f_checkboxes, type: checkboxes, label: Kryss, options: [x, y, z], max_items: 2}
      - {id: f_select, type: select, label: Val, options: [s1, s2]}
      - {id: f_yesno, type: yesno, label: Ja eller nej}
      - {id: f_address, type: address, label: Adress}
      - {id: f_coapplicants, type: coapplicants, label: Medsökande, max_items: 2}
"""
SINGLE_VALUE_FIELDS = [
    "f_text",
    "f_textarea",
    "f_number",
    "f_email",
    "f_phone",
    "f_pnr",
    "f_orgnr",
    "f_date",
    "f_radio",
    "f_select",
    "f_yesno",
]
# Anything a browser, or someone without a browser, could send: control characters, surrogates excluded (httpx
# cannot encode them), very long texts, plausible values.
junk = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
    st.text(max_size=5).map(lambda s: s * 4000),
    st.sampled_from(
        [
            "",
            " ",
            "a",
            "b",
            "ja",
            "nej",
            "19811218-9876",
            "212000-0142",
            "2026-02-30",
            "1e309",
            "NaN",
            "12,5",
            "070-123 45 67",
            "a@b.se",
            "<script>alert(1)</script>",
            "511 54",
            "\x00",
        ]
    ),
)


def app_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def new_draft(app) -> tuple[str, dict]:
    async with app_client(app) as client:
        page = await client.get("/e-tjanster/alla-falt/starta")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        started = await client.post("/e-tjanster/alla-falt/starta", data={"_csrf_token": token})
        return started.headers["location"].rsplit("/", 1)[1], dict(client.cookies)


async def post_values(app, draft_id: str, cookies: dict, data: dict) -> httpx.Response:
    async with app_client(app) as client:
        client.cookies.update(cookies)
        page = await client.get(f"/ansokan/{draft_id}/steg/allt")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        form = {"_csrf_token": token, "step": "allt", "shown": "", "action": "continue", **data}
        return await client.post(f"/ansokan/{draft_id}/steg/allt", data=form)


async def stored_answers() -> dict:
    return (await Draft.objects().output(load_json=True).first()).answers


@pytest.fixture
def draft(app, db):
    run_async(make_service_with_form, ALL_TYPES, slug="alla-falt", requires_login=False, allows_drafts=False)
    return run_async(new_draft, app)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries({name: junk for name in SINGLE_VALUE_FIELDS}),
    ticks=st.lists(junk, max_size=5),
    address=st.fixed_dictionaries({part: junk for part in ("care_of", "street", "postal_code", "city")}),
    coapplicants=st.lists(junk, max_size=3),
)
def test_random_answers_never_break_the_form_and_are_never_lost(app, draft, values, ticks, address, coapplicants):
    draft_id, cookies = draft
    data = {**values, "f_checkboxes": ticks}
    data.update({f"f_address__{part}": value for part, value in address.items()})
    data.update({f"f_coapplicants__{n}": value for n, value in enumerate(coapplicants, start=1)})
    response = run_async(post_values, app, draft_id, cookies, data)
    assert response.status_code in (200, 303, 400), response.text[:500]
    answers = run_async(stored_answers)
    for name in SINGLE_VALUE_FIELDS:
        posted = values[name][:MAX_INPUT_LENGTH]
        expected_raw = posted if name == "f_textarea" else posted.strip()
        if response.status_code == 303 or f'id="{name}-error"' not in response.text:
            continue  # accepted: stored in its normalised form
        assert answers[name] == expected_raw, name
    if response.status_code == 400:
        assert "error-summary" in response.text
