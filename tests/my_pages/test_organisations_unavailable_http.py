"""Mina organisationer without a company register (production without COMPANY_REGISTER_URL) and with one that does
not answer: a plain Swedish message instead of an empty list or an error, and login goes on."""

from __future__ import annotations

import socket

import pytest

from db.organisations import Organisation
from integrations.company_register import NoCompanyRegister
from integrations.company_register.http import HttpCompanyRegister
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
SKENE_IF = "8024473194"
PAGE = "/mina-sidor/organisationer"


async def add(client, number: str):
    page = await client.get(PAGE)
    return await client.post(PAGE, data={"_csrf_token": csrf_from(page.text), "organisation_number": number})


@pytest.fixture
def swap_register(app):
    original = app.state.company_register

    def swap(register):
        app.state.company_register = register

    yield swap
    app.state.company_register = original


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_without_a_company_register_the_page_says_organisations_are_unavailable(client, app, swap_register):
    swap_register(NoCompanyRegister())
    await log_in(client, app, ERIK)
    page = await client.get(PAGE)
    assert page.status_code == 200
    assert "Organisationer är inte tillgängliga i e-tjänsterna" in page.text
    assert 'name="organisation_number"' not in page.text and "Kinna Bygg" not in page.text
    refused = await client.post(PAGE, data={"_csrf_token": csrf_from(page.text), "organisation_number": SKENE_IF})
    assert refused.status_code == 400 and "ingen anslutning till företagsregistret" in refused.text
    assert await Organisation.count() == 0


async def test_a_company_register_that_does_not_answer_blocks_neither_login_nor_the_page(client, app, swap_register):
    await log_in(client, app, ERIK)
    assert (await add(client, SKENE_IF)).status_code == 303
    async with HttpCompanyRegister(f"http://127.0.0.1:{closed_port()}", token="t", timeout=1) as down:
        swap_register(down)
        client.cookies.clear()
        await log_in(client, app, ERIK)  # the lapsed-representation check cannot run; login goes on
        page = await client.get(PAGE)
        assert page.status_code == 200 and "Företagsregistret svarar inte just nu" in page.text
        assert "Skene IF" in page.text  # kept: nothing is dropped on a register that does not answer
        refused = await add(client, "5592048176")
        assert refused.status_code == 400 and "Företagsregistret svarar inte just nu" in refused.text
