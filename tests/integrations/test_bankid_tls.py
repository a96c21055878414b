"""The BankID client over real HTTPS with mutual TLS: it trusts only the configured CA and presents its certificate."""

from __future__ import annotations

import pytest

from integrations.bankid import BankIdClient, BankIdError, BankIdSimulator, simulator_api
from tests.integrations.tls import MutualTlsServer, issue, make_ca


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    directory = tmp_path_factory.mktemp("pki")
    bankid_ca = make_ca(directory, "Simulated BankID Root CA")
    other_ca = make_ca(directory, "Some Other CA")
    return {
        "bankid_ca": bankid_ca,
        "server": issue(bankid_ca, directory, "appapi2 simulated", server=True),
        "rp": issue(bankid_ca, directory, "Marks kommun RP", server=False),
        "other_ca": other_ca,
        "stranger": issue(other_ca, directory, "Stranger RP", server=False),
    }


@pytest.fixture(scope="module")
def tls_simulator() -> BankIdSimulator:
    return BankIdSimulator()


@pytest.fixture(scope="module")
def server(pki, tls_simulator):
    with MutualTlsServer(simulator_api(tls_simulator), pki["server"], client_ca=pki["bankid_ca"]) as running:
        yield running


def client(server, *, ca, cert=None) -> BankIdClient:
    client_cert = (str(cert.cert), str(cert.key)) if cert else None
    return BankIdClient(f"{server.url}/", client_cert=client_cert, ca_cert=str(ca.cert), timeout=5)


async def test_the_client_completes_an_order_with_the_right_client_certificate(server, pki, tls_simulator):
    async with client(server, ca=pki["bankid_ca"], cert=pki["rp"]) as bankid:
        order = await bankid.auth("192.0.2.10")
        assert (await bankid.collect(order.order_ref)).hint_code == "outstandingTransaction"
        await tls_simulator.choose_person(order.order_ref, "199908072391", "Johan", "Lindqvist")
        await tls_simulator.approve(order.order_ref)
        result = await bankid.collect(order.order_ref)
    assert result.is_complete and result.completion.personal_number == "199908072391"


async def test_the_server_refuses_a_client_without_a_certificate(server, pki):
    async with client(server, ca=pki["bankid_ca"]) as bankid:
        with pytest.raises(BankIdError) as caught:
            await bankid.auth("192.0.2.10")
    assert (caught.value.error_code, caught.value.http_status) == ("internalError", 0)


async def test_the_server_refuses_a_client_certificate_from_another_ca(server, pki):
    async with client(server, ca=pki["bankid_ca"], cert=pki["stranger"]) as bankid:
        with pytest.raises(BankIdError) as caught:
            await bankid.auth("192.0.2.10")
    assert caught.value.error_code == "internalError"


async def test_the_client_refuses_a_server_not_signed_by_the_configured_ca(server, pki):
    async with client(server, ca=pki["other_ca"], cert=pki["rp"]) as bankid:
        with pytest.raises(BankIdError) as caught:
            await bankid.auth("192.0.2.10")
    assert caught.value.error_code == "internalError" and "CERTIFICATE_VERIFY_FAILED" in caught.value.details
