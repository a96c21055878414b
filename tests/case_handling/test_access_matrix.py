"""Who may reach each staff address: every route under /handlaggare for every kind of visitor. A staff route added
without a row here fails the first test."""

from __future__ import annotations

import re

import pytest

from db.audit import AuditEntry
from tests.case_handling.conftest import ANDERS, BIRGITTA, ERIK, EVA, INGRID, PETRA
from tests.login import log_in

VISITORS = {
    "anonymous": None,
    "resident": ERIK,
    "officer of another unit": ANDERS,
    "restricted officer": PETRA,
    "officer": EVA,
    "officer for protected identities": INGRID,
    "administrator": BIRGITTA,
}
# What each visitor gets for Erik's case (in Bygga, bo och miljö, not assigned) and for a protected person's case
# there: 303 to the login, 403 for non-staff, 404 when the case is not theirs to see (as for no case), else the page.
CASE = {
    "anonymous": 303,
    "resident": 403,
    "officer of another unit": 404,
    "restricted officer": 404,
    "officer": 200,
    "officer for protected identities": 200,
    "administrator": 404,
}
PROTECTED_CASE = {**CASE, "officer": 404}
INBOX = {**CASE, "officer of another unit": 200, "restricted officer": 200, "administrator": 200}

# An e-service's message templates (Bygga's bygglov): its unit's administrators only; the matrix's administrator
# belongs to another unit (tests/case_handling/test_message_templates.py has one of Bygga's).
TEMPLATES = {**dict.fromkeys(VISITORS, 403), "anonymous": 303, "administrator": 404}

SEEN = ("officer", "officer for protected identities")  # the two who see Erik's case


def for_those_who_see(status: int) -> dict:
    """CASE, with `status` for the officers who see the case (what the route answers an empty or stale form)."""
    return {**CASE, **dict.fromkeys(SEEN, status)}


# Every staff route: (method, path with {ref}, what answers which visitor).
ROUTES = {
    ("GET", "/handlaggare"): INBOX,
    ("GET", "/handlaggare/installningar"): INBOX,
    ("POST", "/handlaggare/installningar"): {**INBOX, **{k: 303 for k, v in INBOX.items() if v == 200}},
    ("POST", "/handlaggare/massatgard"): {**INBOX, **{k: 303 for k, v in INBOX.items() if v == 200}},
    ("GET", "/handlaggare/arenden/{ref}"): CASE,
    ("GET", "/handlaggare/arenden/{ref}/meddelanden"): for_those_who_see(204),
    ("GET", "/handlaggare/arenden/{ref}/mall"): CASE,
    ("GET", "/handlaggare/arenden/{ref}/export.pdf"): CASE,
    ("GET", "/handlaggare/arenden/{ref}/export.json"): CASE,
    ("POST", "/handlaggare/arenden/{ref}/forsening"): for_those_who_see(409),
    ("GET", "/handlaggare/arenden/{ref}/bilagor/{id}"): for_those_who_see(404),
    ("POST", "/handlaggare/arenden/{ref}/tilldela"): for_those_who_see(409),
    ("POST", "/handlaggare/arenden/{ref}/status"): for_those_who_see(409),
    ("POST", "/handlaggare/arenden/{ref}/komplettering"): for_those_who_see(409),
    ("POST", "/handlaggare/arenden/{ref}/beslut"): for_those_who_see(409),
    ("POST", "/handlaggare/arenden/{ref}/anteckningar"): for_those_who_see(400),
    ("POST", "/handlaggare/arenden/{ref}/flagga"): for_those_who_see(303),
    ("POST", "/handlaggare/arenden/{ref}/meddelanden"): for_those_who_see(400),
    ("GET", "/handlaggare/e-tjanster/{slug}/mallar"): TEMPLATES,
    ("POST", "/handlaggare/e-tjanster/{slug}/mallar"): TEMPLATES,
}


PARAMETERS = {"reference": "{ref}", "slug": "{slug}"}


def test_every_staff_route_has_a_row(app):
    """A new staff route must say who may use it."""
    routes = {
        (method, re.sub(r"\{(\w+):\w+\}", lambda m: PARAMETERS.get(m.group(1), "{id}"), route.path))
        for route in app.routes
        if route.path.startswith("/handlaggare")
        for method in route.methods
        if method in ("GET", "POST")
    }
    assert routes == set(ROUTES)


@pytest.mark.parametrize("visitor", VISITORS)
async def test_each_visitor_gets_what_the_matrix_says(client, app, office, visitor):
    if VISITORS[visitor]:
        await log_in(client, app, VISITORS[visitor])
    else:
        await client.get("/")  # a CSRF cookie, so posts are refused for who sends them, not for a missing token
    headers = {"x-csrftoken": client.cookies.get("csrf", "")}
    for (method, template), expected in ROUTES.items():
        for case_name in ("erik", "protected"):
            if "{ref}" not in template and case_name == "protected":
                continue
            path = (
                template.replace("{ref}", office.cases[case_name].reference)
                .replace("{id}", "0" * 32)
                .replace("{slug}", "bygglov")
            )
            if method == "GET":
                response = await client.get(path)
            else:  # a form without a version (a stale page) or without content: refused after the access check
                response = await client.post(path, data={}, headers=headers)
            want = expected[visitor]
            if case_name == "protected" and "{ref}" in template:
                want = {**expected, **{k: 404 for k, v in PROTECTED_CASE.items() if v == 404}}[visitor]
            assert response.status_code == want, (visitor, method, path, response.status_code)


async def test_an_officer_viewing_a_case_is_audited_without_personal_data(client, app, office):
    await log_in(client, app, EVA)
    reference = office.cases["erik"].reference
    assert (await client.get(f"/handlaggare/arenden/{reference}")).status_code == 200
    entries = await AuditEntry.select().where(AuditEntry.action == "case.viewed")
    assert [(entry["actor"], entry["target"]) for entry in entries] == [(office.accounts[EVA], f"case:{reference}")]
    assert ERIK not in str(entries)


def test_staff_code_has_no_query_that_can_reach_a_draft():
    """A saved application is not a public document: nothing the staff side runs names the draft table."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    staff_side = [
        root / folder / f"{area}.py" for folder in ("routes", "services", "db") for area in ("inbox", "case_handling")
    ]
    for path in staff_side:
        source = path.read_text().lower()
        assert "draft" not in source.replace("source_draft", ""), path
