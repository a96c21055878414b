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


# Plausible answers next to the junk, so that the multi-value fields are also accepted (and stored normalised).
ticks = st.lists(st.one_of(st.sampled_from(["x", "y", "z"]), junk), max_size=5)
address_part = {
    "care_of": st.one_of(st.just(""), junk),
    "street": st.one_of(st.just("Storgatan 12"), junk),
    "postal_code": st.one_of(st.sampled_from(["511 54", "51154", " 511 54 "]), junk),
    "city": st.one_of(st.just("Kinna"), junk),
}
coapplicant = st.one_of(st.sampled_from(["19850312-9820", "198503129820", "8503129820", " 20170101-2393 "]), junk)


def app_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def new_draft(app) -> tuple[str, dict]:
    async with app_client(app) as client:
        page = await client.get("/e-tjanster/alla-falt/starta")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        started = await client.post("/e-tjanster/alla-falt/starta", data={"_csrf_token": token})
        return started.headers["location"].rsplit("/", 1)[1], dict(client.cookies)


async def post_values(app, draft_id: str, cookies: dict, data: dict) -> httpx.Response:
    """Post the step as the browser would, with the page's list of shown fields: with `shown` empty every field
    counts as just revealed and nothing is checked."""
    async with app_client(app) as client:
        client.cookies.update(cookies)
        page = await client.get(f"/ansokan/{draft_id}/steg/allt")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
        shown = re.search(r'name="shown" value="([^"]*)"', page.text).group(1)
        assert set(shown.split(",")) >= {*SINGLE_VALUE_FIELDS, "f_checkboxes", "f_address", "f_coapplicants"}
        form = {"_csrf_token": token, "step": "allt", "shown": shown, "action": "continue", **data}
        return await client.post(f"/ansokan/{draft_id}/steg/allt", data=form)


async def stored_answers() -> dict:
    return (await Draft.objects().output(load_json=True).first()).answers


@pytest.fixture
def draft(app, db):
    run_async(make_service_with_form, ALL_TYPES, slug="alla-falt", requires_login=False, allows_drafts=False)
    return run_async(new_draft, app)


def refused(response: httpx.Response, field_id: str) -> bool:
    """The step came back with an error next to the field (its answer is then stored exactly as typed)."""
    return response.status_code == 400 and f'id="{field_id}-error"' in response.text


def received(value: str) -> str:
    """A posted value as the app receives it: NUL characters removed (web.requests)."""
    return value.replace("\x00", "")


def typed(value: str) -> str:
    """A text input as the server reads it: cut at MAX_INPUT_LENGTH, surrounding whitespace removed."""
    return received(value)[:MAX_INPUT_LENGTH].strip()


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries({name: junk for name in SINGLE_VALUE_FIELDS}),
    ticks=ticks,
    address=st.fixed_dictionaries(address_part),
    coapplicants=st.lists(coapplicant, max_size=3),
)
def test_random_answers_never_break_the_form_and_are_never_lost(app, draft, values, ticks, address, coapplicants):
    draft_id, cookies = draft
    data = {**values, "f_checkboxes": ticks}
    data.update({f"f_address__{part}": value for part, value in address.items()})
    data.update({f"f_coapplicants__{n}": value for n, value in enumerate(coapplicants, start=1)})
    response = run_async(post_values, app, draft_id, cookies, data)
    assert response.status_code in (303, 400), response.text[:500]
    if response.status_code == 400:
        assert "error-summary" in response.text
    answers = run_async(stored_answers)

    for name in SINGLE_VALUE_FIELDS:
        posted = received(values[name])[:MAX_INPUT_LENGTH]
        expected_raw = posted if name == "f_textarea" else posted.strip()
        if refused(response, name):
            assert answers[name] == expected_raw, name
        else:  # accepted: stored in its normalised form, but not dropped
            assert bool(answers[name]) == bool(expected_raw), name

    # Checkboxes: every ticked value, in order, whether accepted or not (nothing to normalise).
    assert answers["f_checkboxes"] == [received(tick)[:200] for tick in ticks if received(tick)]

    # Address: all four parts; an accepted postal code is written "511 54".
    stored_address = answers["f_address"]
    assert set(stored_address) == set(address)
    for part, value in address.items():
        if part == "postal_code" and not refused(response, "f_address") and typed(value):
            assert digits(stored_address[part]) == digits(typed(value)), part
        else:
            assert stored_address[part] == typed(value), part

    # Co-applicants: every number typed into the page's two inputs, empty inputs skipped; accepted ones as 12 digits.
    numbers = [typed(number) for number in coapplicants[:2] if typed(number)]
    stored_numbers = answers["f_coapplicants"]
    if refused(response, "f_coapplicants"):
        assert stored_numbers == numbers
    else:
        assert len(stored_numbers) == len(numbers), stored_numbers
        for stored, number in zip(stored_numbers, numbers, strict=True):
            assert len(stored) == 12 and stored.endswith(digits(number)[-10:]), (stored, number)
