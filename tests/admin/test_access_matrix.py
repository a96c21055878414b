"""Who may reach each administrators' address: every route under /admin for every kind of visitor. An admin route
added without a row here fails the first test."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from core import clock
from db.api import ApiClient
from db.audit import AuditEntry
from db.catalogue import OperatingNotice
from db.staff import StaffMember
from services import api
from tests.factories import make_officer, make_service_with_form, make_user
from tests.login import log_in

ERIK, EVA, PETRA, INGRID, BIRGITTA = "198112189876", "197606239866", "198203152346", "198809021465", "195504109884"
ANDERS, OLOF = "197911309917", "197104183525"  # an e-service editor; the staff member the routes are tried on
VISITORS = {
    "anonymous": None,
    "resident": ERIK,
    "officer": EVA,
    "restricted officer": PETRA,
    "officer for protected identities": INGRID,
    "e-service editor": ANDERS,
    "administrator": BIRGITTA,
}
# 303 to the login for a visitor, 403 for anyone logged in without the administrator role (as /handlaggare answers
# residents), the page for an administrator.
ADMIN_ONLY = {**dict.fromkeys(VISITORS, 403), "anonymous": 303, "administrator": 200}


def for_the_administrator(status: int) -> dict:
    """ADMIN_ONLY, with `status` for the administrator (what the route answers an empty form)."""
    return {**ADMIN_ONLY, "administrator": status}


# Every admin route: (method, path with {notice_id} for an operating notice's id, {client_id} for an API client's
# and {member_id} for a staff member's). Posts carry an empty form (refused with 400); the notice's deletion, the
# staff member's removal and the client's revocation come last in their groups.
ROUTES = {
    ("GET", "/admin"): ADMIN_ONLY,
    ("GET", "/admin/drift"): ADMIN_ONLY,
    ("GET", "/admin/logg"): ADMIN_ONLY,
    ("GET", "/admin/logg/export.csv"): ADMIN_ONLY,
    ("GET", "/admin/logg/stickprov"): ADMIN_ONLY,
    ("GET", "/admin/driftmeddelanden"): ADMIN_ONLY,
    ("GET", "/admin/driftmeddelanden/nytt"): ADMIN_ONLY,
    ("POST", "/admin/driftmeddelanden/nytt"): for_the_administrator(400),
    ("GET", "/admin/driftmeddelanden/{notice_id}"): ADMIN_ONLY,
    ("POST", "/admin/driftmeddelanden/{notice_id}"): for_the_administrator(400),
    ("POST", "/admin/driftmeddelanden/{notice_id}/avsluta"): for_the_administrator(303),
    ("GET", "/admin/driftmeddelanden/{notice_id}/ta-bort"): ADMIN_ONLY,
    ("POST", "/admin/driftmeddelanden/{notice_id}/ta-bort"): for_the_administrator(303),
    ("GET", "/admin/personal"): ADMIN_ONLY,
    ("GET", "/admin/personal/ny"): ADMIN_ONLY,
    ("POST", "/admin/personal/ny"): for_the_administrator(400),
    ("GET", "/admin/personal/{member_id}"): ADMIN_ONLY,
    ("POST", "/admin/personal/{member_id}"): for_the_administrator(400),
    ("GET", "/admin/personal/{member_id}/ta-bort"): ADMIN_ONLY,
    ("POST", "/admin/personal/{member_id}/ta-bort"): for_the_administrator(303),
    ("GET", "/admin/api-klienter"): ADMIN_ONLY,
    ("GET", "/admin/api-klienter/ny"): ADMIN_ONLY,
    ("GET", "/admin/api-klienter/{client_id}"): ADMIN_ONLY,
    ("GET", "/admin/api-klienter/{client_id}/aterkalla"): ADMIN_ONLY,
    ("POST", "/admin/api-klienter/ny"): for_the_administrator(400),
    ("POST", "/admin/api-klienter/{client_id}/webhook"): for_the_administrator(400),
    ("POST", "/admin/api-klienter/{client_id}/webhook/ta-bort"): for_the_administrator(303),
    ("POST", "/admin/api-klienter/{client_id}/aterkalla"): for_the_administrator(303),
}


@dataclass
class Targets:
    notice: OperatingNotice
    client_id: int
    member_id: int


@pytest.fixture
async def staff(db):
    await make_officer(EVA)
    await make_officer(PETRA, role="restricted_officer")
    await make_officer(INGRID, may_see_protected=True)
    await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
    await make_officer(ANDERS, role="editor")
    await make_officer(OLOF)
    await make_user(ERIK)
    now = clock.now()
    notice = OperatingNotice(title="Underhåll", starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=1))
    await notice.save()
    await make_service_with_form(slug="bygglov", title="Ansökan om bygglov")
    await api.create_client("ByggR", ["bygglov"], ["read"], date.today() + timedelta(days=30))
    member = await StaffMember.select(StaffMember.id).where(StaffMember.personal_number == OLOF).first()
    return Targets(notice, (await ApiClient.select(ApiClient.id).first())["id"], member["id"])


def test_every_admin_route_has_a_row(app):
    routes = {
        (method, re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path))
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
    else:
        await client.get("/")  # a CSRF cookie, so posts are refused for who sends them, not for a missing token
    headers = {"x-csrftoken": client.cookies.get("csrf", "")}
    for (method, template), expected in ROUTES.items():
        path = template.format(notice_id=staff.notice.id, client_id=staff.client_id, member_id=staff.member_id)
        if method == "GET":
            response = await client.get(path)
        else:
            response = await client.post(path, data={}, headers=headers)
        assert response.status_code == expected[visitor], (visitor, method, path, response.status_code)
        if expected[visitor] == 303 and method == "GET":
            assert response.headers["location"] == f"/logga-in?next={path}"
    viewed = await AuditEntry.count().where(AuditEntry.action.like("audit_log.%"))
    assert viewed == (3 if visitor == "administrator" else 0)  # the log, its export and a sample
    # Only the administrator changed anything: the notice was ended, then deleted, and both are audited; the client
    # was revoked by them alone, and nothing was created.
    remaining = await OperatingNotice.select(OperatingNotice.ends_at).where(OperatingNotice.id == staff.notice.id)
    if visitor == "administrator":
        assert remaining == []
    else:
        assert remaining == [{"ends_at": staff.notice.ends_at}]
    assert await ApiClient.count() == 1
    revoked = await ApiClient.count().where(ApiClient.revoked_at.is_not_null())
    assert revoked == (1 if visitor == "administrator" else 0)
    changes = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.action.like("operating_notice.%"))
        .order_by(AuditEntry.id)
    )
    expected = ["operating_notice.ended", "operating_notice.deleted"] if visitor == "administrator" else []
    assert [row["action"] for row in changes] == expected
    # The staff member was removed by the administrator alone, and nobody was added or changed.
    assert await StaffMember.count().where(StaffMember.id == staff.member_id) == (
        0 if visitor == "administrator" else 1
    )
    staff_changes = await AuditEntry.select(AuditEntry.action, AuditEntry.target).where(
        AuditEntry.action.like("staff.%")
    )
    removed = [{"action": "staff.removed", "target": f"staff:{staff.member_id}"}]
    assert staff_changes == (removed if visitor == "administrator" else [])


@pytest.mark.parametrize(
    "path", ["/admin/driftmeddelanden/0", "/admin/driftmeddelanden/x", "/admin/driftmeddelanden/²"]
)
async def test_an_administrator_gets_404_for_a_notice_that_is_not_there(client, app, staff, path):
    await log_in(client, app, BIRGITTA)
    headers = {"x-csrftoken": client.cookies.get("csrf", "")}
    for suffix in ("", "/ta-bort"):
        assert (await client.get(path + suffix)).status_code == 404
    for suffix in ("", "/avsluta", "/ta-bort"):
        assert (await client.post(path + suffix, data={}, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    "path", ["/admin/personal/0", "/admin/personal/x", "/admin/personal/²", "/admin/personal/99999"]
)
async def test_an_administrator_gets_404_for_a_staff_member_who_is_not_there(client, app, staff, path):
    await log_in(client, app, BIRGITTA)
    headers = {"x-csrftoken": client.cookies.get("csrf", "")}
    for suffix in ("", "/ta-bort"):
        assert (await client.get(path + suffix)).status_code == 404
        assert (await client.post(path + suffix, data={}, headers=headers)).status_code == 404
