"""The demo catalogue loads into an empty database, a second load changes nothing, and the portal shows it."""

from __future__ import annotations

import re

import pytest

from db.demo import DemoDataRefused, load_all
from db.demo.catalogue import load_catalogue

pytestmark = pytest.mark.usefixtures("db")


async def test_demo_catalogue_loads_once_and_reloading_changes_nothing(client, settings):
    first = await load_catalogue(settings=settings)
    assert first["categories"] >= 8 and first["published"] >= 40
    assert first["created"] > 0
    second = await load_catalogue(settings=settings)
    assert second["created"] == 0 and second["updated"] == 0

    start = await client.get("/")
    assert len(re.findall(r'class="category-list__link"', start.text)) >= 8
    catalogue = await client.get("/e-tjanster")
    assert re.search(r"(\d+) e-tjänster", catalogue.text).group(1) == str(first["published"])
    search = await client.get("/e-tjanster", params={"q": "ANDRING"})
    assert "Ändring av bygglov" in search.text


async def test_demo_forms_download_as_pdf(client, settings):
    await load_catalogue(settings=settings)
    page = await client.get("/e-tjanster/ansokan-om-bygglov")
    link = re.search(r'href="(/e-tjanster/ansokan-om-bygglov/blanketter/[^"]+\.pdf)"', page.text).group(1)
    response = await client.get(link)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


async def test_demo_data_is_refused_in_production(settings):
    with pytest.raises(DemoDataRefused):
        await load_all(settings.with_overrides(mode="production"))


async def test_all_demo_data_loads_idempotently_with_the_demo_staff(client, app, settings):
    from db.catalogue import EService
    from db.staff import StaffUnit, Unit
    from tests.login import log_in

    first = await load_all(settings)
    assert first["staff"] == {"staff": 6, "created": 6, "units": 9}  # a unit per category
    second = await load_all(settings)
    assert second["staff"]["created"] == 0 and second["catalogue"]["created"] == 0
    assert await Unit.count() == 10 and await StaffUnit.count() == 6  # and the administrators' own unit
    assert await EService.count().where(EService.unit.is_null()) == 0  # every e-service has a handling unit
    finished = await log_in(client, app, "197606239866")  # Eva Karlsson, case officer
    assert finished.headers["location"] == "/handlaggare"
    assert (await client.get("/handlaggare")).status_code == 200
