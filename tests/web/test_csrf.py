"""CSRF: every state change needs the token, whatever its path contains; only the BankID simulator's API (called by
a BankID client, not a browser) is exempt, and only at its own address."""

from __future__ import annotations

import pytest

from tests.applications.helpers import start
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")


@pytest.mark.parametrize(
    "path",
    [
        "/ansokan/{draft}/steg/healthz",
        "/ansokan/{draft}/steg/livez",
        "/ansokan/{draft}/bilagor/static/ta-bort",
    ],
)
async def test_a_post_without_a_token_is_refused_whatever_its_path_contains(client, app, path):
    service = await make_service_with_form()
    await log_in(client, app, "198112189876")
    draft = await start(client, service.slug)
    page = await client.get(f"/ansokan/{draft}/steg/om_dig")  # the browser holds its CSRF cookie
    url = path.format(draft=draft)

    refused = await client.post(url, data={"action": "save", "namn": "Eve"})
    assert refused.status_code == 403
    with_token = await client.post(url, data={"_csrf_token": csrf_from(page.text), "action": "save", "namn": "Eve"})
    assert with_token.status_code == 404  # the check passed; there is no such step or attachment


async def test_the_bankid_simulator_api_works_without_a_token_and_nothing_else_under_dev_does(client):
    await client.get("/_dev/bankid")  # the CSRF cookie
    order = await client.post("/_dev/bankid/rp/v6.0/auth", json={"endUserIp": "127.0.0.1"})
    assert order.status_code == 200 and order.json()["orderRef"]
    assert (await client.post("/_dev/bankid/fel", data={"error_code": "internalError"})).status_code == 403
