"""Who may reach each administrators' address: every route under /admin for every kind of visitor, each with its
method (a POST with a valid CSRF token, so the guard answers, not the CSRF check). An admin route added without a
row here fails the first test."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from db.api import ApiClient
from db.audit import AuditEntry
from services import api
from tests.factories import make_officer, make_service_with_form, make_user
from tests.login import csrf_from, log_in

ERIK, EVA, PETRA, INGRID, BIRGITTA = "198112189876", "197606239866", "198203152346", "198809021465", "195504109884"
VISITORS = {
    "anonymous": None,
    "resident": ERIK,
    "officer": EVA,
    "restricted officer": PETRA,
    "officer for protected identities": INGRID,
    "administrator": BIRGITTA,
}
# 303 to the login for a visitor, 403 for anyone logged in without the administrator role (as /handlaggare answers
# residents), the page for an administrator.
ADMIN_ONLY = {**dict.fromkeys(VISITORS, 403), "anonymous": 303, "administrator": 200}
CLIENT = "/admin/api-klienter/{client_id:str}"
# In this order: the POSTs last (an empty form is refused with 400; revoking answers 303 to the client's page).
ROUTES = {
    ("GET", "/admin"): ADMIN_ONLY,
    ("GET", "/admin/logg"): ADMIN_ONLY,
    ("GET", "/admin/logg/export.csv"): ADMIN_ONLY,
    ("GET", "/admin/logg/stickprov"): ADMIN_ONLY,
    ("GET", "/admin/api-klienter"): ADMIN_ONLY,
    ("GET", "/admin/api-klienter/ny"): ADMIN_ONLY,
    ("GET", CLIENT): ADMIN_ONLY,
    ("GET", CLIENT + "/aterkalla"): ADMIN_ONLY,
    ("POST", "/admin/api-klienter/ny"): {**ADMIN_ONLY, "administrator": 400},
    ("POST", CLIENT + "/webhook"): {**ADMIN_ONLY, "administrator": 400},
    ("POST", CLIENT + "/webhook/ta-bort"): {**ADMIN_ONLY, "administrator": 303},
    ("POST", CLIENT + "/aterkalla"): {**ADMIN_ONLY, "administrator": 303},
}


@pytest.fixture
async def staff(db):
    await make_officer(EVA)
    await make_officer(PETRA, role="restricted_officer")
    await make_officer(INGRID, may_see_protected=True)
    await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
    await make_user(ERIK)
    await make_service_with_form(slug="bygglov", title="Ansökan om bygglov")
    await api.create_client("ByggR", ["bygglov"], ["read"], date.today() + timedelta(days=30))


def test_every_admin_route_has_a_row(app):
    routes = {
        (method, route.path)
        for route in app.routes
        if route.path == "/admin" or route.path.startswith("/admin/")
        for method in route.methods
        if method not in ("HEAD", "OPTIONS")
    }
    assert routes == set(ROUTES)


@pytest.mark.parametrize("visitor", VISITORS)
async def test_each_visitor_gets_what_the_matrix_says(client, app, staff, visitor):
    if VISITORS[visitor]:
        await log_in(client, app, VISITORS[visitor])
    # Any page with a form gives the browser's CSRF token: the login page for a visitor, the start page's logout form
    # for anyone logged in.
    token = csrf_from((await client.get("/" if VISITORS[visitor] else "/logga-in/bankid")).text)
    client_id = (await ApiClient.select(ApiClient.id).first())["id"]
    for (method, template), expected in ROUTES.items():
        path = template.replace("{client_id:str}", str(client_id))
        if method == "POST":
            response = await client.post(path, data={"_csrf_token": token})
        else:
            response = await client.get(path)
        assert response.status_code == expected[visitor], (visitor, method, path, response.status_code)
        if visitor == "anonymous":
            assert response.headers["location"] == f"/logga-in?next={path}"
    viewed = await AuditEntry.count().where(AuditEntry.action.like("audit_log.%"))
    assert viewed == (3 if visitor == "administrator" else 0)  # the log, its export and a sample
    # Only the administrator's POSTs reached their handlers: nothing created, the client revoked by them alone.
    assert await ApiClient.count() == 1
    revoked = await ApiClient.count().where(ApiClient.revoked_at.is_not_null())
    assert revoked == (1 if visitor == "administrator" else 0)
