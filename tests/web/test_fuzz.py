"""Hostile input, generated: Hypothesis sends every GET and POST address of the app random query strings, form
fields and path parameters, anonymously, as a logged-in resident and as a case officer, and no answer is a 5xx.

Every example tries every address once, each with its own draw: parameter names the handlers and templates know plus
random ones, values with control characters, NUL, unpaired directions, huge strings, numbers out of range, several
values per name, sometimes as an htmx request or as multipart with a file. Path parameters are either the real
ones (the resident's case, draft and supplement, the e-service's slug) or hostile text. test_bad_input.py has the
fixed cases found so far; this file finds new ones.
"""

from __future__ import annotations

import inspect
import os
import re
import typing
from pathlib import Path
from urllib.parse import quote, urlencode

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from litestar.params import PathParameter, QueryParameter

from core import clock
from db import messages as conversations
from tests.applications.helpers import start
from tests.factories import make_case, make_officer, make_service_with_form, make_unit, make_user
from tests.login import csrf_from, log_in

ROOT = Path(__file__).resolve().parents[2]
ERIK, EVA = "198112189876", "197606239866"
# Examples per visitor: each sends ~75 requests (every GET and POST address once); 3 visitors take about 25 s. The
# same examples on every run (CI fails for a change, not for luck); FUZZ_EXAMPLES=500 explores longer, at random.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
EXPLORING = "FUZZ_EXAMPLES" in os.environ
HUGE = "99999999999999999999"
STEP_FIELDS = ["namn", "antal", "typ", "detalj", "medsokande__1", "medsokande__2", "step", "shown", "action"]


def route_handlers(app) -> list[tuple[str, str, object]]:
    """(method, path template, handler) of every GET and POST address of the app."""
    found = []
    for route in app.routes:
        for method, value in getattr(route, "route_handler_map", {}).items():
            if method in ("GET", "POST"):
                found.append((method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path), value[0]))
    return sorted(found, key=lambda item: item[:2])


def hints_of(handler) -> dict:
    try:
        return typing.get_type_hints(handler.fn, include_extras=True)
    except NameError:  # Litestar's own handlers (the OpenAPI document's) name types imported for type checking only
        return {}


def own_names(handler) -> list[str]:
    """The query parameters a handler declares and the fields its code reads (`.get("name")`, `.getall("name")`)."""
    names = set()
    for parameter, hint in hints_of(handler).items():
        for meta in getattr(hint, "__metadata__", ()):
            if isinstance(meta, QueryParameter):
                names.add(meta.name or parameter)
    names.update(re.findall(r'\.get(?:all)?\("([\w-]+)"', inspect.getsource(handler.fn)))
    return sorted(names)


def known_names(app) -> list[str]:
    """Query parameter and form field names the app reads: its handlers' query parameters, every `name="..."` in the
    templates, every `form.get("...")` in the routes, and the test form's fields."""
    names = {"_csrf_token", "namn", "antal", "typ", "detalj", "medsokande__1", "filer"}
    for _method, _path, handler in route_handlers(app):
        for parameter, hint in hints_of(handler).items():
            for meta in getattr(hint, "__metadata__", ()):
                if isinstance(meta, QueryParameter):
                    names.add(meta.name or parameter)
            if parameter not in ("request", "data", "return", "scope") and not any(
                isinstance(meta, PathParameter) for meta in getattr(hint, "__metadata__", ())
            ):
                names.add(parameter)
    for template in (ROOT / "templates").rglob("*.html"):
        names.update(re.findall(r'\bname="([\w-]+)"', template.read_text()))
    for module in (ROOT / "routes").glob("*.py"):
        names.update(re.findall(r'(?:form|query_params)\.get(?:all)?\("([\w-]+)"', module.read_text()))
    return sorted(names)


# Text a browser would never send, and some it would.
hostile = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),  # control characters, NUL, any script
    st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=3).map(lambda s: s * 500),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "²",
            "٣",
            HUGE,
            "-" + HUGE,
            "-1",
            "0",
            "2147483648",
            "1e309",
            "NaN",
            "2026-02-30",
            "../../etc/passwd",
            "%00",
            "%FF%FE",
            "' OR 1=1 --",
            "<script>alert(1)</script>",
            "\u202etxt.exe",
            "\ufeff",
            "🙂",
            "true",
            "[]",
            "{}",
            "198112189876",
            "19811218-9876",
        ]
    ),
)
value = st.one_of(hostile, st.lists(hostile, min_size=2, max_size=3))


@st.composite
def fields(draw, names: list[str]) -> dict:
    """Some of the names the app knows and some random ones, each with one or more hostile values."""
    keys = st.one_of(st.sampled_from(names), st.text(st.characters(exclude_categories=("Cs",)), max_size=20))
    return draw(st.dictionaries(keys, value, max_size=8))


def url(template: str, draw, real: dict[str, str], hostile_values: list[str]) -> str:
    """The address with each path parameter the real one or one of the example's hostile values."""

    def parameter(match: re.Match) -> str:
        text = draw(st.sampled_from([real.get(match.group(1), "1"), *hostile_values]))
        return quote(text, safe="")

    return re.sub(r"\{(\w+)\}", parameter, template)


def short(payload: dict) -> dict:
    """The fields of a failed request, each value cut to fit in the report."""
    return {name[:40]: repr(value)[:80] for name, value in payload.items()}


@pytest.fixture
async def world(app, db):
    """A unit with an e-service and its officer; Erik with a case, a supplement request and a draft."""
    unit = await make_unit("Bygga, bo och miljö")
    service = await make_service_with_form(slug="tjanst", title="Bygglov", unit=unit)
    erik = await make_user(ERIK)
    await make_officer(EVA, "Bygga, bo och miljö")
    case = await make_case(service, erik.id)
    await conversations.add_message(case.id, None, from_officer=True, body="Hej", now=clock.now())
    supplement_id = await conversations.request_supplement(
        case.id, None, message="Mer", fields=["namn"], due_date=clock.now().date(), now=clock.now()
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        await log_in(client, app, ERIK)
        draft_id = await start(client, "tjanst")
    return {
        "slug": "tjanst",
        "draft_id": draft_id,
        "step_id": "om_dig",
        "field_id": "filer",
        "reference": case.reference,
        "supplement_id": str(supplement_id),
    }


async def log_in_and_token(client: httpx.AsyncClient, app, who: str | None) -> str:
    if who:
        await log_in(client, app, who)
    page = await client.get("/e-tjanster/tjanst/starta")  # a form for a visitor who is logged in
    if page.status_code != 200:
        page = await client.get("/logga-in/bankid")  # and for one who is not
    return csrf_from(page.text)


def fuzz_settings(test):
    return settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not EXPLORING,
        database=None,  # nothing written to .hypothesis/
        phases=[Phase.explicit, Phase.generate],  # no shrinking (minutes at ~75 requests a run): `failures` says it
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
    )(test)


@pytest.mark.parametrize("who", [None, ERIK, EVA], ids=["anonymous", "resident", "officer"])
@fuzz_settings
@given(data=st.data())
async def test_no_address_answers_5xx_to_hostile_input(app, world, who, data):
    routes = route_handlers(app)
    names = known_names(app)
    assert len(routes) > 60 and len(names) > 50  # the fuzzer sees the app
    failures = []
    transport = httpx.ASGITransport(app=app)
    # A few drawn sets of fields and path values per example, each address taking one: drawing them per address
    # would be over Hypothesis's limit of choices per example, and most examples would be thrown away.
    payloads = data.draw(st.lists(fields(names), min_size=5, max_size=5), label="fields")
    own_values = data.draw(st.lists(value, min_size=6, max_size=6), label="values of the addresses' own parameters")
    path_values = data.draw(st.lists(hostile.filter(bool), min_size=3, max_size=3), label="path parameters")
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = await log_in_and_token(client, app, who)
        # Logging out would end the visitor's session and deleting the draft the resident's draft: both last, and the
        # logged-in visitors do not log out.
        for method, template, handler in sorted(routes, key=lambda r: r[1].endswith(("/ta-bort", "/logga-ut"))):
            if who and template == "/logga-ut":
                continue
            path = url(template, data.draw, world, path_values)
            payload = dict(data.draw(st.sampled_from(payloads)))
            for name in own_names(handler) + (STEP_FIELDS if "/steg/" in template else []):
                if data.draw(st.booleans()):  # the address's own parameters, most often with hostile values
                    payload[name] = data.draw(st.sampled_from(own_values))
            headers = {"HX-Request": "true"} if data.draw(st.booleans()) else {}
            while len(urlencode(payload, doseq=True)) > 60_000:  # httpx's limit for a URL's query
                payload.popitem()
            if method == "GET":
                request = client.build_request("GET", path, params=payload, headers=headers)
            else:
                files = {"files": ("a.pdf", data.draw(st.binary(max_size=64)), "application/pdf")}
                request = client.build_request(
                    "POST",
                    path,
                    data={**payload, "_csrf_token": token},
                    files=files if data.draw(st.booleans()) else None,
                    headers=headers,
                )
            # Straight to the app: httpx's client reads a redirect's Location even when not following it, and
            # refuses one over 64 KB (a redirect back to a huge address), which is no answer of the app's to judge.
            response = await transport.handle_async_request(request)
            if response.status_code >= 500:
                failures.append((method, path[:200], short(payload), headers, response.status_code))
    assert failures == []
