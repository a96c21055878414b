"""/healthz: 200 with a working database, 503 when the database is gone."""

from __future__ import annotations

import pytest

from tests import database

pytestmark = pytest.mark.usefixtures("db")


async def test_healthz_reports_ok_with_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


async def test_healthz_reports_503_when_the_database_is_gone(client, settings):
    async with database.unavailable(settings.database_url):
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert (await client.get("/healthz")).status_code == 200
