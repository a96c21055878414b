"""Operating notices in Chromium, with and without JavaScript: an administrator creates a global warning through the
form (correcting a mistake on the way) and a notice that closes one e-service; residents see the warning in the
catalogue and the closed e-service without its start button. axe finds nothing on any of these pages."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from core import clock
from db import catalogue
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
        return await make_service_with_form(
            slug="felanmalan", title="Felanmälan gata och park", requires_login=False, allows_drafts=False
        )

    yield run_async(setup)
    run_async(clear_database)


def new_page(browser: Browser, *, javascript: bool, cookies=()) -> Page:
    context = browser.new_context(java_script_enabled=javascript)
    context.add_cookies(list(cookies))
    return context.new_page()


def section(page: Page, heading: str):
    """The admin list's section under `heading`."""
    return page.locator("section", has=page.get_by_role("heading", name=heading, exact=True))


def admin_page(browser: Browser, base_url: str, *, javascript: bool) -> Page:
    login = browser.new_context().new_page()
    log_in_with_bankid(login, browser, base_url, BIRGITTA, "/admin")
    cookies = login.context.cookies()
    login.context.close()
    return new_page(browser, javascript=javascript, cookies=cookies)


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_administrator_announces_a_disruption_and_closes_an_e_service(
    browser: Browser, base_url, office, javascript
):
    admin = admin_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_accessible(page: Page) -> None:
        assert_accessible(page) if javascript else assert_accessible_without_javascript(page, checker)

    admin.goto(f"{base_url}/admin")
    admin.get_by_role("link", name="Driftmeddelanden").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Driftmeddelanden")
    check_accessible(admin)

    admin.get_by_role("link", name="Nytt driftmeddelande").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Nytt driftmeddelande")
    check_accessible(admin)
    admin.get_by_label("Text").fill("Inloggningen kan **krångla** under kvällen.")
    admin.get_by_label("Varning").check()
    admin.get_by_label("Visas till (frivilligt)").fill("igår")
    admin.get_by_role("button", name="Spara meddelandet").click()

    # Two mistakes: both named in the summary and beside their fields, and what was typed is still there.
    summary = admin.get_by_role("alert")
    expect(summary).to_contain_text("Skriv en rubrik för meddelandet")
    expect(summary).to_contain_text("Skriv datum och klockslag")
    expect(admin).to_have_title(re.compile("^Fel: "))
    expect(admin.get_by_label("Text")).to_have_value("Inloggningen kan **krångla** under kvällen.")
    expect(admin.get_by_label("Varning")).to_be_checked()
    expect(admin.get_by_label("Visas till (frivilligt)")).to_have_value("igår")
    check_accessible(admin)
    summary.get_by_role("link", name="Skriv en rubrik för meddelandet").click()
    admin.get_by_label("Rubrik").fill("Störning i inloggningen")
    admin.get_by_label("Visas till (frivilligt)").fill("")
    admin.get_by_role("button", name="Spara meddelandet").click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("Driftmeddelanden")
    expect(admin.get_by_text("Driftmeddelandet är sparat.")).to_be_visible()
    shown_now = section(admin, "Visas nu")
    expect(shown_now.get_by_role("row")).to_have_count(2)  # the heading row and the notice
    expect(shown_now).to_contain_text("Störning i inloggningen")
    check_accessible(admin)

    admin.get_by_role("link", name="Nytt driftmeddelande").click()
    admin.get_by_label("Rubrik").fill("Felanmälan byter system")
    admin.get_by_label("Visas på").select_option(label="Felanmälan gata och park")
    admin.get_by_label("Stängd för nya ansökningar").check()
    admin.get_by_role("button", name="Spara meddelandet").click()
    expect(section(admin, "Visas nu").get_by_role("row")).to_have_count(3)

    admin.get_by_role("link", name="Ändra Felanmälan byter system").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ändra driftmeddelande")
    expect(admin.get_by_label("Stängd för nya ansökningar")).to_be_checked()
    check_accessible(admin)
    admin.goto(f"{base_url}/admin/driftmeddelanden")
    admin.get_by_role("link", name="Ta bort Störning i inloggningen").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ta bort driftmeddelandet?")
    check_accessible(admin)
    admin.get_by_role("link", name="Avbryt och gå tillbaka till driftmeddelandena").click()
    admin.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_scroll(admin)

    resident = new_page(browser, javascript=javascript)
    resident.goto(f"{base_url}/e-tjanster")
    notices = resident.get_by_role("region", name="Driftinformation")
    expect(notices.get_by_role("heading", name="Varning: Störning i inloggningen")).to_be_visible()
    expect(notices.locator("strong")).to_have_text("krångla")
    expect(notices).not_to_contain_text("Felanmälan byter system")  # it is about one e-service only
    expect(resident.locator(".service-item", has_text="Felanmälan gata och park")).to_contain_text(
        "Stängd för nya ansökningar"
    )
    check_accessible(resident)

    resident.get_by_role("link", name="Felanmälan gata och park").click()
    closed = resident.get_by_role("region", name="Stängd för nya ansökningar")
    expect(closed).to_contain_text("Felanmälan byter system")
    expect(resident.get_by_role("link", name="Starta e-tjänsten")).to_have_count(0)
    check_accessible(resident)
    resident.goto(f"{base_url}/e-tjanster/felanmalan/starta")
    expect(resident.get_by_role("heading", name="Du kan inte starta en ny ansökan just nu")).to_be_visible()
    expect(resident.locator("main").get_by_role("button")).to_have_count(0)
    check_accessible(resident)

    # Ended now: the e-service opens again at once.
    admin.set_viewport_size({"width": 1280, "height": 800})
    admin.goto(f"{base_url}/admin/driftmeddelanden")
    admin.get_by_role("button", name="Avsluta nu Felanmälan byter system").click()
    expect(admin.get_by_text("Driftmeddelandet är avslutat.")).to_be_visible()
    expect(section(admin, "Avslutade")).to_contain_text("Felanmälan byter system")
    resident.goto(f"{base_url}/e-tjanster/felanmalan")
    expect(resident.get_by_role("link", name="Starta e-tjänsten")).to_be_visible()


def test_a_notice_made_elsewhere_shows_in_the_running_server_within_its_window(browser: Browser, base_url, office):
    """Written straight to the database, as another worker would: the running server's index follows the stamp."""
    now = clock.now()
    values = {
        "title": "Planerat underhåll i natt",
        "body": "",
        "starts_at": now - timedelta(minutes=1),
        "ends_at": now + timedelta(hours=1),
        "e_service": None,
        "level": "info",
        "closed_for_new": False,
    }
    run_async(catalogue.create_notice, values)
    run_async(catalogue.create_notice, {**values, "title": "Senare", "starts_at": now + timedelta(hours=2)})
    page = new_page(browser, javascript=True)
    page.goto(f"{base_url}/")
    notices = page.get_by_role("region", name="Driftinformation")
    expect(notices.get_by_role("heading", name="Planerat underhåll i natt")).to_be_visible()
    expect(notices).not_to_contain_text("Senare")
    assert_accessible(page)
