"""While the database is out of reach: the catalogue (kept in memory) is still served, and everything else answers
a Swedish 503 with Retry-After instead of a 500; once it is back, so is everything."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from tests import database
from tests.factories import make_category, make_service
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"


async def test_the_catalogue_is_served_and_the_rest_says_come_back_soon(client, app, settings):
    category = await make_category(name="Bygga och bo")
    await make_service(category, slug="bygglov", title="Ansökan om bygglov")
    await log_in(client, app, ERIK)
    assert (await client.get("/")).status_code == 200  # the index is built

    # A minute later the session's activity is written: a write, which fails on both engines (SQLite's reader,
    # already open, could still read).
    with clock.travel(timedelta(minutes=2)):
        async with database.unavailable(settings.database_url):
            for path in ("/", "/e-tjanster?q=bygglov", "/e-tjanster/bygglov"):  # served as to any visitor
                page = await client.get(path)
                assert page.status_code == 200, path
                assert "Ansökan om bygglov" in page.text, path
            assert "session" in client.cookies  # the login is kept for when the database is back
            down = await client.get("/mina-sidor")
            assert down.status_code == 503
            assert "Tjänsten är tillfälligt otillgänglig" in down.text
            assert down.headers["retry-after"] == "30" and down.headers["cache-control"] == "no-store"
            fragment = await client.get("/mina-sidor", headers={"HX-Request": "true"})
            assert fragment.status_code == 503 and fragment.headers["hx-retarget"] == "#htmx-error"
        assert (await client.get("/mina-sidor")).status_code == 200
