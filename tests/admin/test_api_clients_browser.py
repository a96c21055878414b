"""API clients in Chromium, with and without JavaScript: an administrator finds them from /admin, creates one with the
keyboard alone (a mistake first), copies the token shown once, and revokes the client after the confirmation; sets a
client's webhook (a mistake first), copies its secret shown once, reads the delivery log and removes the webhook;
axe finds nothing on any of the pages, and none scrolls sideways at 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from db.api import ApiClient
from db.catalogue import EService
from tests.browser import (
    assert_accessible,
    assert_accessible_without_javascript,
    assert_no_horizontal_scroll,
    log_in_with_bankid,
    run_async,
)
from tests.factories import clear_database, make_officer, make_service_with_form

pytestmark = pytest.mark.browser
BIRGITTA = "195504109884"


@pytest.fixture(autouse=True)
def office():
    async def setup():
        await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
        await make_service_with_form(slug="bygglov", title="Ansökan om bygglov")
        await make_service_with_form(slug="skolskjuts", title="Skolskjuts")

    run_async(setup)
    yield
    run_async(clear_database)


def admin_page(browser: Browser, base_url: str, *, javascript: bool) -> Page:
    login = browser.new_context().new_page()
    log_in_with_bankid(login, browser, base_url, BIRGITTA, "/admin")
    cookies = login.context.cookies()
    login.context.close()
    context = browser.new_context(java_script_enabled=javascript)
    context.add_cookies(cookies)
    return context.new_page()


async def stored_client(name: str) -> dict:
    return await ApiClient.select().where(ApiClient.name == name).first()


def press(page: Page, locator, key: str = "Enter") -> None:
    """Act with the keyboard only: move focus to the control, then press a key."""
    locator.focus()
    expect(locator).to_be_focused()
    page.keyboard.press(key)


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_administrator_creates_and_revokes_an_api_client_with_the_keyboard(browser: Browser, base_url, javascript):
    admin = admin_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_page() -> None:
        assert_accessible(admin) if javascript else assert_accessible_without_javascript(admin, checker)
        width = admin.viewport_size
        admin.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(admin)
        admin.set_viewport_size(width)

    admin.goto(f"{base_url}/admin")
    press(admin, admin.get_by_role("link", name="API-klienter", exact=True))
    expect(admin.get_by_role("heading", level=1)).to_have_text("API-klienter")
    expect(admin.get_by_role("heading", name="Inga API-klienter")).to_be_visible()
    check_page()

    press(admin, admin.get_by_role("link", name="Skapa en API-klient"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Skapa en API-klient")
    check_page()
    name = admin.get_by_label("Namn", exact=True)
    name.focus()
    admin.keyboard.type("ByggR")
    press(admin, admin.get_by_label("Ansökan om bygglov"), "Space")
    press(admin, admin.get_by_role("button", name="Skapa API-klienten"))  # no scope, no day: two mistakes

    expect(admin).to_have_title(re.compile(r"^Fel: "))
    summary = admin.get_by_role("alert")
    expect(summary).to_contain_text("Välj minst en behörighet.")
    expect(summary).to_contain_text("Skriv sista giltighetsdagen som ett datum")
    expect(name).to_have_value("ByggR")  # nothing typed is lost
    expect(admin.get_by_label("Ansökan om bygglov")).to_be_checked()
    check_page()
    press(admin, summary.get_by_role("link", name="Välj minst en behörighet."))
    expect(admin.get_by_label("Lista och hämta ärenden")).to_be_focused()  # the link leads to the first choice
    admin.keyboard.press("Space")
    press(admin, admin.get_by_label("Ändra ett ärendes status"), "Space")
    admin.get_by_label("Sista giltighetsdag").fill("2099-12-31")
    press(admin, admin.get_by_role("button", name="Skapa API-klienten"))

    expect(admin.get_by_role("heading", level=1)).to_have_text("API-klienten är skapad")
    expect(admin.get_by_role("heading", name="Kopiera token nu: den visas inte igen")).to_be_visible()
    token = admin.locator("#token").inner_text()
    stored = run_async(stored_client, "ByggR")
    assert len(token) >= 40 and token not in str(stored) and token not in admin.url
    check_page()

    press(admin, admin.get_by_role("link", name="Gå till klientens sida"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("ByggR")
    expect(admin.locator(".tag")).to_have_text("Aktiv")
    assert token not in admin.content()
    check_page()
    press(admin, admin.get_by_role("link", name="Återkalla API-klienten"))
    expect(admin.get_by_role("heading", level=1)).to_have_text("Vill du återkalla ByggR?")
    check_page()
    press(admin, admin.get_by_role("button", name="Ja, återkalla API-klienten"))

    expect(admin.get_by_role("heading", level=1)).to_have_text("ByggR")
    expect(admin.get_by_role("status")).to_contain_text("API-klienten ByggR har återkallats")
    expect(admin.locator(".tag")).to_have_text("Återkallad")
    expect(admin.get_by_role("link", name="Återkalla API-klienten")).to_have_count(0)
    check_page()
    press(admin, admin.get_by_role("link", name="Tillbaka till API-klienterna"))
    expect(admin.locator("tbody tr")).to_have_count(1)
    expect(admin.locator("tbody")).to_contain_text("Återkallad")
    check_page()
    admin.context.close()
    checker.context.close()


async def client_with_a_delivery() -> int:
    """ByggR with a webhook to a closed local port and one failed attempt in its delivery log."""
    from datetime import date, timedelta

    from core import clock
    from core.settings import Settings
    from db.messages import add_message
    from jobs import webhooks as webhook_job
    from services import api, webhooks
    from tests.browser import free_port
    from tests.factories import make_case, make_user

    client_id, _token = await api.new_client("ByggR", ["bygglov"], ["read"], date.today() + timedelta(days=30))
    await webhooks.set_webhook("ByggR", f"http://127.0.0.1:{free_port()}/hooks", allow_local_http=True)
    bygglov = await EService.objects().where(EService.slug == "bygglov").first()
    case = await make_case(bygglov, (await make_user()).id)
    await add_message(case.id, case.applicant, from_officer=False, body="Hej", now=clock.now())
    await webhook_job.run(Settings())
    return client_id


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_administrator_sets_and_removes_a_webhook_with_the_keyboard(browser: Browser, base_url, javascript):
    client_id = run_async(client_with_a_delivery)
    admin = admin_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_page() -> None:
        assert_accessible(admin) if javascript else assert_accessible_without_javascript(admin, checker)
        width = admin.viewport_size
        admin.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(admin)
        admin.set_viewport_size(width)

    admin.goto(f"{base_url}/admin/api-klienter/{client_id}")
    expect(admin.get_by_role("heading", name="Webhook", exact=True)).to_be_visible()
    log = admin.get_by_role("region", name="Den senaste leveransen")
    expect(log).to_contain_text("message.received")
    expect(log).to_contain_text("Misslyckades, försöks igen")
    check_page()

    address = admin.get_by_label("Adress för händelserna")
    address.fill("")
    address.focus()
    admin.keyboard.type("http://byggr.example.se/hooks")
    press(admin, admin.get_by_role("button", name="Spara och skapa en ny hemlighet"))
    expect(admin).to_have_title(re.compile(r"^Fel: "))
    summary = admin.get_by_role("alert")
    expect(summary).to_contain_text("Adressen måste börja med https://")
    expect(address).to_have_value("http://byggr.example.se/hooks")
    check_page()
    press(admin, summary.get_by_role("link"))
    expect(address).to_be_focused()
    address.fill("")
    admin.keyboard.type("https://byggr.example.se/hooks")
    admin.keyboard.press("Enter")

    expect(admin.get_by_role("heading", level=1)).to_have_text("Webhooken sparad")
    secret = admin.locator("#secret").inner_text()
    assert secret.startswith("whsec_") and secret not in admin.url
    check_page()
    press(admin, admin.get_by_role("link", name="Gå till klientens sida"))
    expect(admin.get_by_text("https://byggr.example.se/hooks", exact=True)).to_be_visible()
    assert secret not in admin.content()
    press(admin, admin.get_by_role("button", name="Ta bort webhooken"))
    expect(admin.get_by_role("status")).to_contain_text("Webhooken för ByggR har tagits bort")
    expect(admin.get_by_text("Klienten har ingen webhook.")).to_be_visible()
    check_page()
    admin.context.close()
    checker.context.close()
