"""The simulators live under /_dev/ in dev mode only: in production those addresses do not exist."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import PRODUCTION

pytestmark = pytest.mark.usefixtures("db")


async def test_simulator_pages_exist_in_dev(client):
    assert (await client.get("/_dev/bankid")).status_code == 200
    response = await client.post("/_dev/bankid/rp/v6.0/collect", json={"orderRef": "nope"})
    assert response.status_code == 400 and response.json()["errorCode"] == "invalidParameters"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/_dev/bankid"),
        ("GET", "/_dev/bankid/app?autostarttoken=x"),
        ("POST", "/_dev/bankid/rp/v6.0/auth"),
        ("POST", "/_dev/bankid/rp/v6.0/collect"),
        ("POST", "/_dev/bankid/fel"),
    ],
)
async def test_simulator_addresses_do_not_exist_in_production(settings, method, path):
    from app import create_app

    production = create_app(settings.with_overrides(**PRODUCTION))
    assert "bankid_simulator" not in production.state
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.request(method, path, json={})
    assert response.status_code == 404


async def test_an_autostart_token_beyond_ascii_finds_no_order_and_answers(client):
    """hmac.compare_digest raises TypeError on str beyond ASCII: a typed token with "ö" answered 500 while an order
    was in progress (found by tests/web/test_fuzz.py)."""
    from tests.login import start_login

    assert (await start_login(client)).status_code == 303  # an order in progress, so the token is compared
    response = await client.get("/_dev/bankid/app", params={"autostarttoken": "ö\U0001f642"})
    assert response.status_code == 200
    assert "Ingen pågående order hör till den här länken." in response.text
