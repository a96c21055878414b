"""Settings of the population register (SPAR) and the company register, and which registers the app uses."""

from __future__ import annotations

import pytest

from core.settings import ConfigurationError, Settings
from integrations.company_register import NoCompanyRegister
from integrations.company_register.http import HttpCompanyRegister
from integrations.population_register import NoRegister
from integrations.population_register.fixture import FixtureRegister
from integrations.population_register.spar import SparClient
from tests.core.test_settings import SAFE_PRODUCTION

SPAR = {
    "SPAR_URL": "https://ext-ws.statenspersonadressregister.se/2021.1/",
    "SPAR_CLIENT_CERT": "/etc/eplatform/spar.crt",
    "SPAR_CLIENT_KEY": "/etc/eplatform/spar.key",
    "SPAR_CA_CERT": "/etc/eplatform/spar-ca.crt",
    "SPAR_CUSTOMER_NUMBER": "512345",
    "SPAR_ASSIGNMENT_ID": "637",
}
COMPANIES = {"COMPANY_REGISTER_URL": "https://foretag.example.se/api/", "COMPANY_REGISTER_TOKEN": "t" * 40}


@pytest.mark.parametrize(
    ("override", "named_setting"),
    [
        ({"SPAR_URL": "http://ext-ws.statenspersonadressregister.se/2021.1/"}, "SPAR_URL"),
        ({"SPAR_URL": "https://kt-ext-ws.statenspersonadressregister.se/2021.1/"}, "SPAR_URL"),
        ({"SPAR_CLIENT_KEY": ""}, "SPAR_CLIENT_KEY"),
        ({"SPAR_CA_CERT": ""}, "SPAR_CA_CERT"),
        ({"SPAR_CUSTOMER_NUMBER": ""}, "SPAR_CUSTOMER_NUMBER"),
        ({"SPAR_END_CUSTOMER_NUMBER": "12"}, "SPAR_END_CUSTOMER_NUMBER"),
        ({"SPAR_ASSIGNMENT_ID": ""}, "SPAR_ASSIGNMENT_ID"),
        ({"SPAR_TIMEOUT_SECONDS": "0"}, "SPAR_TIMEOUT_SECONDS"),
        ({"COMPANY_REGISTER_URL": "http://foretag.example.se/api"}, "COMPANY_REGISTER_URL"),
        ({"COMPANY_REGISTER_TOKEN": ""}, "COMPANY_REGISTER_TOKEN"),
        ({"COMPANY_REGISTER_CLIENT_CERT": "/etc/eplatform/c.crt"}, "COMPANY_REGISTER_CLIENT_KEY"),
    ],
)
def test_a_register_address_needs_what_its_connection_needs(override, named_setting):
    with pytest.raises(ConfigurationError, match=named_setting):
        Settings.from_env({**SAFE_PRODUCTION, **SPAR, **COMPANIES, **override}).check()


def test_spar_and_the_company_register_are_read_from_the_environment():
    settings = Settings.from_env({**SAFE_PRODUCTION, **SPAR, **COMPANIES, "SPAR_TIMEOUT_SECONDS": "2.5"}).check()
    assert (settings.spar_customer_number, settings.spar_end_customer_number, settings.spar_assignment_id) == (
        512345,
        0,
        637,
    )
    assert settings.spar_timeout_seconds == 2.5 and settings.company_register_url == "https://foretag.example.se/api"


def test_production_uses_spar_and_the_company_service_when_configured_and_no_register_otherwise(tmp_path):
    from app import create_app
    from tests.integrations.tls import issue, make_ca

    ca = make_ca(tmp_path, "SPAR CA")
    cert = issue(ca, tmp_path, "Marks kommun", server=False)
    files = {"SPAR_CLIENT_CERT": str(cert.cert), "SPAR_CLIENT_KEY": str(cert.key), "SPAR_CA_CERT": str(ca.cert)}
    configured = create_app(Settings.from_env({**SAFE_PRODUCTION, **SPAR, **files, **COMPANIES}))
    assert isinstance(configured.state.register, SparClient)
    assert isinstance(configured.state.company_register, HttpCompanyRegister)
    bare = create_app(Settings.from_env(SAFE_PRODUCTION))
    assert isinstance(bare.state.register, NoRegister) and isinstance(bare.state.company_register, NoCompanyRegister)
    dev = create_app(Settings.from_env({"DATABASE_URL": "sqlite:///:memory:"}))
    assert isinstance(dev.state.register, FixtureRegister)
