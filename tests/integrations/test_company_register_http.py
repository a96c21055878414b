"""The company register's HTTP client against a local stub of the JSON contract, over HTTPS with a client certificate
and a bearer token: organisations, signatory rights, unknown organisations, and every way the service can fail."""

from __future__ import annotations

import pytest

from integrations.company_register import CompanyRecord, CompanyRegisterUnavailable
from integrations.company_register.http import HttpCompanyRegister
from tests.integrations.company_register_stub import TOKEN, StubState, company_register_stub
from tests.integrations.tls import MutualTlsServer, issue, make_ca

ERIK, JOHAN = "198112189876", "199908072391"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("company-pki")
    ca = make_ca(directory, "Company service CA")
    return {
        "ca": ca,
        "server": issue(ca, directory, "company service", server=True),
        "client": issue(ca, directory, "Marks kommun", server=False),
    }


@pytest.fixture(scope="module")
def stub() -> StubState:
    return StubState()


@pytest.fixture(scope="module")
def server(pki, stub):
    with MutualTlsServer(company_register_stub(stub), pki["server"], client_ca=pki["ca"]) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(stub):
    stub.reset()
    yield
    stub.reset()


def register(server, pki, *, token=TOKEN, timeout=5.0) -> HttpCompanyRegister:
    return HttpCompanyRegister(
        server.url + "/",
        token=token,
        client_cert=(str(pki["client"].cert), str(pki["client"].key)),
        ca_cert=str(pki["ca"].cert),
        timeout=timeout,
    )


async def test_an_organisation_is_found_by_its_number_in_any_spelling(server, pki, stub):
    async with register(server, pki) as companies:
        record = await companies.lookup("559204-8176")
        assert await companies.lookup("212000-0142") is None  # valid, but unknown to the register
    assert record == CompanyRecord("5592048176", "Kinna Bygg & Fastighet AB", (ERIK, JOHAN), active=True)
    assert stub.paths == ["/organisations/5592048176", "/organisations/2120000142"]


async def test_the_organisations_a_person_may_sign_for_inactive_ones_included_by_name(server, pki, stub):
    async with register(server, pki) as companies:
        records = await companies.organisations_of("19811218-9876")
        assert await companies.organisations_of("199505199902") != []
    assert [(r.name, r.active) for r in records] == [
        ("Fritsla Måleri AB", False),
        ("Kinna Bygg & Fastighet AB", True),
        ("Skene IF", True),
    ]
    assert stub.paths[0] == f"/persons/{ERIK}/signatory-rights"


@pytest.mark.parametrize("failure", ["wrong token", "server error", "broken contract", "too late"])
async def test_every_failure_is_unavailable_never_an_empty_answer(server, pki, stub, failure):
    token, timeout = TOKEN, 5.0
    if failure == "wrong token":
        token = "not-the-token"
    elif failure == "server error":
        stub.status = 503
    elif failure == "broken contract":
        stub.broken = True
    else:
        stub.delay_seconds, timeout = 1.0, 0.2
    async with register(server, pki, token=token, timeout=timeout) as companies:
        with pytest.raises(CompanyRegisterUnavailable):
            await companies.lookup("5592048176")
        with pytest.raises(CompanyRegisterUnavailable):
            await companies.organisations_of(ERIK)


async def test_a_client_without_the_certificate_is_refused(server, pki):
    companies = HttpCompanyRegister(server.url, token=TOKEN, ca_cert=str(pki["ca"].cert))
    async with companies:
        with pytest.raises(CompanyRegisterUnavailable, match="Could not reach"):
            await companies.lookup("5592048176")
