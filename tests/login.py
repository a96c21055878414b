"""Logging in during tests: through the real routes and the in-process BankID simulator, like a user would."""

from __future__ import annotations

import html
import re

import httpx

CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def start_login(client: httpx.AsyncClient, *, same_device: bool = False, next_path: str = "") -> httpx.Response:
    page = await client.get("/logga-in/bankid")
    return await client.post(
        "/logga-in/bankid",
        data={"_csrf_token": csrf_from(page.text), "enhet": "denna" if same_device else "annan", "next": next_path},
    )


async def newest_order(app):
    orders = sorted(await app.state.bankid_simulator.pending_orders(), key=lambda order: order.created_at)
    assert orders, "no BankID order in progress"
    return orders[-1]


async def approve(app, personal_number: str, given_name: str = "Test", surname: str = "Testsson") -> None:
    order = await newest_order(app)
    await app.state.bankid_simulator.identify(order.order_ref, personal_number, given_name, surname)


async def sign_in_dev_app(
    client: httpx.AsyncClient, status_page: str, personal_number: str, **request
) -> httpx.Response:
    """Follow the status page's "Öppna BankID-appen" link to the dev BankID app in the same tab and identify or sign
    there as `personal_number`; returns the app's answer (a redirect back)."""
    link = html.unescape(re.search(r'href="(/_dev/bankid/app\?[^"]+)"', status_page).group(1))
    app_page = await client.get(link, **request)
    form = re.search(r'<form method="post" action="(/_dev/bankid/order/[^"]+)">(.*?)</form>', app_page.text, re.S)
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2)))
    data = {**hidden, "action": "approve", "personal_number": personal_number}
    return await client.post(form.group(1), data=data, **request)


async def log_in(client: httpx.AsyncClient, app, personal_number: str, *, next_path: str = "") -> httpx.Response:
    """Log in as `personal_number`; returns the final status response (a redirect to where the user was going)."""
    from integrations.population_register.fixture import find_test_person

    started = await start_login(client, next_path=next_path)
    assert started.status_code == 303, started.text
    person = find_test_person(personal_number)
    await approve(app, personal_number, *((person.given_name, person.surname) if person else ()))
    finished = await client.get("/logga-in/bankid/status")
    assert finished.status_code == 303, finished.text
    return finished
