"""The SPAR client against the SPAR simulator over real HTTPS with mutual TLS: test persons, protected identities,
unknown persons, SPAR's errors (SOAP faults, Undantag), answers that come too late, and refused certificates."""

from __future__ import annotations

import time
from datetime import date

import pytest

from integrations.population_register import Address, PersonRecord, RegisterUnavailable
from integrations.population_register.spar import SparError, SparIdentity, parse_answer
from integrations.population_register.spar_simulator import SparSimulator, spar_api
from tests.integrations.spar_server import spar_client, spar_pki
from tests.integrations.tls import MutualTlsServer

JOHAN = "199908072391"
PROTECTED = "197205019834"  # skyddad folkbokföring
CONFIDENTIAL = "196809149849"  # sekretessmarkering
COORDINATION = "197010632391"
NOT_IN_REGISTER = "198807079895"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return spar_pki(tmp_path_factory.mktemp("spar-pki"))


@pytest.fixture(scope="module")
def simulator() -> SparSimulator:
    return SparSimulator.with_records()


@pytest.fixture(scope="module")
def server(pki, simulator):
    with MutualTlsServer(spar_api(simulator), pki["server"], client_ca=pki["spar_ca"]) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh(simulator):
    simulator.reset()
    yield
    simulator.reset()


def client(server, pki, **options):
    return spar_client(server.url, pki, **options)


async def test_a_person_in_the_register_comes_with_name_address_and_last_change(server, pki, simulator):
    async with client(server, pki) as spar:
        record = await spar.lookup(JOHAN)
    assert record == PersonRecord(
        JOHAN, "Johan", "Lindqvist", Address("", "Varbergsvägen 3", "511 57", "SKENE"), False, None, date(2022, 9, 14)
    )
    [question] = simulator.questions
    assert (question.personal_number, question.customer_number, question.end_customer_number) == (
        JOHAN,
        "500243",
        "500243",
    )
    assert (question.assignment_id, question.end_user_id) == ("637", "test")
    assert question.soap_action == '"http://skatteverket.se/spar/personsok/2021.1/PersonsokService/Personsok"'


async def test_a_coordination_number_and_a_care_of_address(server, pki):
    async with client(server, pki) as spar:
        record = await spar.lookup(COORDINATION)
    assert record.address == Address("Hotell Kinna", "Boråsvägen 1", "511 30", "KINNA")


async def test_protected_identities_come_without_name_or_address(server, pki):
    async with client(server, pki) as spar:
        protected, confidential = await spar.lookup(PROTECTED), await spar.lookup(CONFIDENTIAL)
    assert (protected.protected, protected.protection) == (True, "skyddad_folkbokforing")
    assert (confidential.protected, confidential.protection) == (True, "sekretessmarkering")
    for record in (protected, confidential):
        assert (record.given_name, record.surname, record.address) == ("", "", None)


async def test_a_person_unknown_to_the_register_is_none(server, pki):
    async with client(server, pki) as spar:
        assert await spar.lookup(NOT_IN_REGISTER) is None


async def test_an_answer_that_comes_too_late_is_a_timeout_not_a_wait(server, pki, simulator):
    simulator.delay_seconds = 2.5
    started = time.monotonic()
    async with client(server, pki, timeout=0.3) as spar:
        with pytest.raises(RegisterUnavailable, match="did not answer in time"):
            await spar.lookup(JOHAN)
    # httpx's timeout holds per phase (connect, write, read): up to three times 0.3 s, and a loaded machine's slack.
    assert time.monotonic() - started < 1.8


@pytest.mark.parametrize(
    ("kind", "code", "details"),
    [("fault", "soapenv:Server", "Tjänsten är inte tillgänglig"), ("exception", "1001", "Behörighet saknas")],
)
async def test_a_soap_fault_or_an_undantag_is_an_error_with_its_code(server, pki, simulator, kind, code, details):
    setattr(simulator, kind, (code, details))
    async with client(server, pki) as spar:
        with pytest.raises(SparError) as caught:
            await spar.lookup(JOHAN)
    assert (caught.value.code, caught.value.details) == (code, details)


async def test_the_simulator_faults_a_question_outside_the_schema(server, pki):
    odd = SparIdentity(customer_number=500243, end_customer_number=500243, assignment_id=637, end_user_id="x")
    object.__setattr__(odd, "customer_number", 1)  # past the dataclass's own check, as a broken client would be
    async with client(server, pki, identity=odd) as spar:
        with pytest.raises(SparError) as caught:
            await spar.lookup(JOHAN)
    assert caught.value.code == "soapenv:Client" and "customer number" in caught.value.details


async def test_the_server_refuses_a_client_without_a_certificate_or_with_a_strangers(server, pki):
    for cert in (None, "stranger"):
        async with client(server, pki, cert=cert) as spar:
            with pytest.raises(RegisterUnavailable, match="Could not reach SPAR"):
                await spar.lookup(JOHAN)


async def test_the_client_refuses_a_server_not_signed_by_the_configured_ca(server, pki):
    async with client(server, pki, ca="other_ca") as spar:
        with pytest.raises(RegisterUnavailable, match="CERTIFICATE_VERIFY_FAILED"):
            await spar.lookup(JOHAN)


def test_an_answer_with_a_dtd_or_that_is_not_soap_is_refused():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>'
    for content in (bomb, b"<html>Bad gateway</html>", b"not xml"):
        with pytest.raises(RegisterUnavailable):
            parse_answer(502, content, JOHAN, date(2026, 12, 4))


def test_an_answer_about_someone_else_is_refused():
    from integrations.population_register.fixture import FIXTURE_RECORDS
    from integrations.population_register.spar_simulator import answer_envelope

    other = next(record for record in FIXTURE_RECORDS if record.personal_number != JOHAN)
    with pytest.raises(RegisterUnavailable, match="other records"):
        parse_answer(200, answer_envelope(JOHAN, [other], None), JOHAN, date(2026, 12, 4))


def test_a_name_and_an_address_are_those_valid_today():
    from integrations.population_register.spar import NS

    old_and_new = f"""<?xml version="1.0"?>
<S:Envelope xmlns:S="{NS["soap"]}"><S:Body><a:SPARPersonsokningSvar xmlns:a="{NS["svar"]}"
  xmlns:p="{NS["person"]}" xmlns:s="{NS["skydd"]}" xmlns:n="{NS["namn"]}" xmlns:e="{NS["namnelement"]}"
  xmlns:f="{NS["fba"]}" xmlns:d="{NS["adress"]}" xmlns:t="{NS["datumtid"]}">
 <a:PersonsokningSvarspost>
  <p:PersonId><p:IdNummer>{JOHAN}</p:IdNummer><p:Typ>PERSONNUMMER</p:Typ></p:PersonId>
  <s:Sekretessmarkering>NEJ</s:Sekretessmarkering><s:SkyddadFolkbokforing>NEJ</s:SkyddadFolkbokforing>
  <p:SenasteAndringSPAR>2025-01-02</p:SenasteAndringSPAR>
  <n:Namn><t:DatumFrom>2001-01-01</t:DatumFrom><t:DatumTill>2025-01-01</t:DatumTill>
   <e:Fornamn>Johan</e:Fornamn><e:Efternamn>Gammal</e:Efternamn></n:Namn>
  <n:Namn><t:DatumFrom>2025-01-02</t:DatumFrom><t:DatumTill>9999-12-31</t:DatumTill>
   <e:Fornamn>Johan Erik</e:Fornamn><e:Mellannamn>Berg</e:Mellannamn><e:Efternamn>Lindqvist</e:Efternamn></n:Namn>
  <f:Folkbokforingsadress><d:SvenskAdress><t:DatumFrom>2025-01-02</t:DatumFrom><t:DatumTill>9999-12-31</t:DatumTill>
   <d:Utdelningsadress1>Lgh 1102</d:Utdelningsadress1><d:Utdelningsadress2>Storgatan 1</d:Utdelningsadress2>
   <d:PostNr>51154</d:PostNr><d:Postort>KINNA</d:Postort></d:SvenskAdress></f:Folkbokforingsadress>
 </a:PersonsokningSvarspost></a:SPARPersonsokningSvar></S:Body></S:Envelope>""".encode()
    record = parse_answer(200, old_and_new, JOHAN, date(2026, 12, 4))
    assert (record.given_name, record.surname) == ("Johan Erik", "Berg Lindqvist")
    assert record.address == Address("", "Lgh 1102, Storgatan 1", "511 54", "KINNA")
    assert record.changed_at == date(2025, 1, 2)
