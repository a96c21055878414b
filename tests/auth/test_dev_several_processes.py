"""Dev mode with several app processes (`uvicorn --workers 2`, or two machines): every process sees the same BankID
simulator, so a login started in one completes whichever process the browser and the dev BankID app reach."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.browser import start_server, stop_server
from tests.login import csrf_from

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
ORDER_FORM = re.compile(r'action="/_dev/bankid/order/([0-9a-f-]+)"')


@pytest.fixture
def two_processes(tmp_path):
    env = {"MODE": "dev", "CATALOGUE_REFRESH_SECONDS": "0", "DB_POOL_MIN": "1", "DB_POOL_MAX": "2"}
    servers = []
    try:
        for name in ("first", "second"):
            servers.append(start_server(env, tmp_path / f"{name}.log"))
        yield [server.url for server in servers]
    finally:
        for server in servers:
            stop_server(server)


async def log_in(browser: httpx.AsyncClient, phone: httpx.AsyncClient, start_at: str, app_at: str, poll_at: str):
    """A login started on `start_at`, identified in the dev BankID app on `app_at`, followed on `poll_at`."""
    page = await browser.get(f"{start_at}/logga-in/bankid")
    started = await browser.post(
        f"{start_at}/logga-in/bankid", data={"_csrf_token": csrf_from(page.text), "enhet": "annan"}
    )
    assert started.status_code == 303
    app_page = await phone.get(f"{app_at}/_dev/bankid")
    order_refs = ORDER_FORM.findall(app_page.text)
    assert len(order_refs) == 1, "the dev BankID app does not list the order"
    await phone.post(
        f"{app_at}/_dev/bankid/order/{order_refs[0]}",
        data={"_csrf_token": csrf_from(app_page.text), "action": "approve", "personal_number": ERIK},
    )
    return await browser.get(f"{poll_at}/logga-in/bankid/status")


async def test_a_login_completes_across_processes(two_processes):
    first, second = two_processes
    for start_at, app_at, poll_at in ((first, second, first), (second, first, second), (first, first, second)):
        async with httpx.AsyncClient(timeout=10) as browser, httpx.AsyncClient(timeout=10) as phone:
            done = await log_in(browser, phone, start_at, app_at, poll_at)
            assert done.status_code == 303 and done.headers["location"] == "/mina-sidor", done.text[:500]
            assert (await browser.get(f"{start_at}/mina-sidor")).status_code == 200


async def test_six_logins_on_two_workers_all_complete(tmp_path):
    env = {"MODE": "dev", "CATALOGUE_REFRESH_SECONDS": "0", "DB_POOL_MIN": "1", "DB_POOL_MAX": "2"}
    server = start_server(env, tmp_path / "workers.log", ("--workers", "2"))
    fresh_connections = httpx.Limits(max_keepalive_connections=0)  # each request may reach either worker
    try:
        for _ in range(6):
            async with (
                httpx.AsyncClient(timeout=10, limits=fresh_connections) as browser,
                httpx.AsyncClient(timeout=10, limits=fresh_connections) as phone,
            ):
                done = await log_in(browser, phone, server.url, server.url, server.url)
                assert done.status_code == 303 and done.headers["location"] == "/mina-sidor", done.text[:500]
    finally:
        stop_server(server)
