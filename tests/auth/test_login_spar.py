"""Logging in over HTTP with SPAR as the population register (its simulator over mutual TLS): the data comes from
SPAR, and a SPAR that answers too late or with a fault never blocks login; the account keeps what it had and says so."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from db.accounts import UserAccount
from integrations.population_register.spar_simulator import SparSimulator, spar_api
from tests.integrations.spar_server import spar_client, spar_pki
from tests.integrations.tls import MutualTlsServer
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")

JOHAN = "199908072391"
PROTECTED = "197205019834"
NOTICE = "Dina uppgifter kunde inte hämtas från folkbokföringen just nu"


@pytest.fixture(scope="module")
def simulator() -> SparSimulator:
    return SparSimulator.with_records()


@pytest.fixture(scope="module")
def spar_server(tmp_path_factory, simulator):
    pki = spar_pki(tmp_path_factory.mktemp("spar-login-pki"))
    with MutualTlsServer(spar_api(simulator), pki["server"], client_ca=pki["spar_ca"]) as running:
        yield running, pki


@pytest.fixture
async def spar(app, spar_server, simulator):
    """The app's population register is SPAR (the simulator) for one test, with a short timeout."""
    server, pki = spar_server
    client = spar_client(server.url, pki, timeout=0.5)
    fixture_register, app.state.register = app.state.register, client
    simulator.reset()
    yield simulator
    app.state.register = fixture_register
    simulator.reset()
    await client.aclose()


async def account(number: str) -> UserAccount:
    return await UserAccount.objects().where(UserAccount.personal_number == number).first()


async def test_first_login_takes_the_details_from_spar(client, app, spar):
    await log_in(client, app, JOHAN)
    johan = await account(JOHAN)
    assert (johan.given_name, johan.surname, johan.street, johan.city) == (
        "Johan",
        "Lindqvist",
        "Varbergsvägen 3",
        "SKENE",
    )
    assert johan.register_failed_at is None and [q.personal_number for q in spar.questions] == [JOHAN]
    details = await client.get("/mina-sidor/uppgifter")
    assert "Varbergsvägen 3" in details.text and NOTICE not in details.text


async def test_a_protected_person_from_spar_gets_no_address_and_the_name_from_bankid(client, app, spar):
    await log_in(client, app, PROTECTED)
    person = await account(PROTECTED)
    assert person.protected_identity and (person.given_name, person.surname) == ("Lars", "Nilsson")
    assert (person.street, person.postal_code, person.city) == ("", "", "")


async def test_login_goes_on_with_the_known_details_when_spar_answers_too_late(client, app, spar):
    await log_in(client, app, JOHAN)
    fetched_at = (await account(JOHAN)).register_fetched_at
    spar.delay_seconds = 1.5
    with clock.travel(timedelta(hours=25)):
        client.cookies.clear()
        finished = await log_in(client, app, JOHAN)
        assert finished.headers["location"] == "/mina-sidor"
        overview = await client.get("/mina-sidor")
        assert NOTICE in overview.text  # the one-time notice after login
        details = await client.get("/mina-sidor/uppgifter")
    johan = await account(JOHAN)
    assert johan.street == "Varbergsvägen 3" and johan.register_fetched_at == fetched_at
    assert johan.register_failed_at is not None
    assert details.status_code == 200 and NOTICE in details.text and "visar de senast kända" in details.text
    assert "Varbergsvägen 3" in details.text

    spar.delay_seconds = 0.0  # SPAR is back: the next login fetches again and the notice goes
    with clock.travel(timedelta(hours=26)):
        client.cookies.clear()
        await log_in(client, app, JOHAN)
        details = await client.get("/mina-sidor/uppgifter")
    assert (await account(JOHAN)).register_failed_at is None and NOTICE not in details.text


async def test_a_first_login_during_a_spar_fault_keeps_the_name_from_bankid_and_counts_as_protected(client, app, spar):
    spar.fault = ("soapenv:Server", "Internt fel")
    overview = await client.get((await log_in(client, app, JOHAN)).headers["location"])
    assert "så vi känner bara till ditt namn från e-legitimationen" in overview.text  # nothing known yet
    johan = await account(JOHAN)
    assert (johan.given_name, johan.surname, johan.street) == ("Johan", "Lindqvist", "")
    assert johan.register_fetched_at is None and johan.register_failed_at is not None
    # Nobody can tell yet whether Johan's identity is protected: his cases are shielded until the register answers.
    assert johan.protected_identity
    details = await client.get("/mina-sidor/uppgifter")
    assert NOTICE in details.text and "Ingen adress" not in details.text

    spar.fault = None  # the register answers at the next login: Johan is not protected
    client.cookies.clear()
    await log_in(client, app, JOHAN)
    johan = await account(JOHAN)
    assert not johan.protected_identity and johan.street == "Varbergsvägen 3" and johan.register_failed_at is None
