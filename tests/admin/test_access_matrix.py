"""Who may reach each administrators' address: every route under /admin for every kind of visitor. An admin route
added without a row here fails the first test."""

from __future__ import annotations

import pytest

from db.audit import AuditEntry
from tests.factories import make_officer, make_user
from tests.login import log_in

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
ROUTES = {
    ("GET", "/admin"): ADMIN_ONLY,
    ("GET", "/admin/logg"): ADMIN_ONLY,
    ("GET", "/admin/logg/export.csv"): ADMIN_ONLY,
    ("GET", "/admin/logg/stickprov"): ADMIN_ONLY,
}


@pytest.fixture
async def staff(db):
    await make_officer(EVA)
    await make_officer(PETRA, role="restricted_officer")
    await make_officer(INGRID, may_see_protected=True)
    await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
    await make_user(ERIK)


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
    for (_method, path), expected in ROUTES.items():
        response = await client.get(path)
        assert response.status_code == expected[visitor], (visitor, path, response.status_code)
        if expected[visitor] == 303:
            assert response.headers["location"] == f"/logga-in?next={path}"
    viewed = await AuditEntry.count().where(AuditEntry.action.like("audit_log.%"))
    assert viewed == (3 if visitor == "administrator" else 0)  # the log, its export and a sample
