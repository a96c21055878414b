"""/healthz: 200 with a working database, 503 when the database is gone."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlparse

import asyncpg
import pytest

from tests import database

pytestmark = pytest.mark.usefixtures("db")


async def test_healthz_reports_ok_with_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


async def _admin_execute(settings, statement: str) -> None:
    admin_url = urlparse(settings.database_url)._replace(path="/postgres").geturl()
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def test_healthz_reports_503_when_the_database_is_gone(client, settings):
    if database.is_postgres(settings.database_url):
        name = urlparse(settings.database_url).path.lstrip("/")
        await _admin_execute(settings, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            response = await client.get("/healthz")
        finally:
            await _admin_execute(settings, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    else:
        # Move the whole directory (with its WAL files): SQLite cannot create a missing directory.
        directory = Path(settings.database_url.removeprefix("sqlite:///")).parent
        moved = directory.with_name(directory.name + "-moved")
        directory.rename(moved)
        try:
            response = await client.get("/healthz")
        finally:
            moved.rename(directory)
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert (await client.get("/healthz")).status_code == 200
