"""Logging in with BankID in Chromium, the simulator playing the BankID app; with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import act_in_simulator, assert_accessible, assert_no_horizontal_scroll

pytestmark = pytest.mark.browser
ERIK = "198112189876"


def start_qr_login(page: Page, base_url: str, path: str = "/mina-sidor") -> None:
    page.goto(base_url + path)
    expect(page).to_have_url(re.compile(r"/logga-in\?next=/mina-sidor"))
    page.get_by_role("link", name=re.compile("BankID")).click()
    page.get_by_role("button", name="Visa QR-kod").click()
    expect(page.get_by_role("img", name="QR-kod för BankID")).to_be_visible()


def test_login_with_qr_code_and_the_bankid_app(page: Page, browser: Browser, base_url):
    start_qr_login(page, base_url)
    expect(page.get_by_role("status")).to_contain_text("Starta BankID-appen")
    # The animated QR code changes every second: wait for two changes, each within a few seconds.
    codes = [page.locator("#bankid-qr svg").inner_html()]
    for _ in range(2):
        page.wait_for_function(
            "shown => document.querySelector('#bankid-qr svg').innerHTML !== shown", arg=codes[-1], timeout=5_000
        )
        codes.append(page.locator("#bankid-qr svg").inner_html())
    assert len(set(codes)) == 3, "the animated QR code changes every second"
    assert_accessible(page)
    act_in_simulator(browser, base_url, "Identifiera")
    expect(page).to_have_url(re.compile(r"/mina-sidor$"), timeout=10_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina sidor")
    expect(page.get_by_text("Välkommen, Erik Andersson.")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Mina uppgifter").first.click()
    expect(page.get_by_text("Storgatan 12")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("Logga ut")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad")
    page.goto(base_url + "/mina-sidor")
    expect(page).to_have_url(re.compile(r"/logga-in"))


def test_login_with_the_app_on_the_same_device(page: Page, base_url):
    page.goto(base_url + "/logga-in/bankid?next=/mina-sidor/uppgifter")
    page.get_by_role("button", name="Öppna BankID").click()
    page.get_by_role("link", name="Öppna BankID-appen").click()
    # The autostart link opens the simulator as if the app had started on this device.
    expect(page.get_by_role("heading", level=1)).to_have_text("BankID-simulator")
    page.get_by_label("Testperson").select_option(value="199505199902")
    page.get_by_role("button", name="Identifiera").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor/uppgifter$"), timeout=10_000)
    expect(page.locator("main").get_by_text("Sara Ali")).to_be_visible()


def test_user_cancelling_in_the_app_is_explained(page: Page, browser: Browser, base_url):
    start_qr_login(page, base_url)
    act_in_simulator(browser, base_url, "Avbryt som användaren")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inloggningen gick inte igenom", timeout=10_000)
    expect(page.get_by_role("alert")).to_contain_text("Åtgärden avbruten")
    assert_accessible(page)
    page.get_by_role("button", name="Försök igen").click()
    expect(page.get_by_role("img", name="QR-kod för BankID")).to_be_visible()


def test_order_that_times_out_is_explained(page: Page, browser: Browser, base_url):
    start_qr_login(page, base_url)
    act_in_simulator(browser, base_url, "Låt tiden gå ut")
    expect(page.get_by_role("alert")).to_contain_text("BankID-appen svarar inte", timeout=10_000)


def test_cancel_button_stops_the_login(page: Page, base_url):
    start_qr_login(page, base_url)
    page.get_by_role("button", name="Avbryt").click()
    expect(page.get_by_text("Inloggningen avbröts.")).to_be_visible()


def test_bankid_errors_are_explained(page: Page, browser: Browser, base_url):
    context = browser.new_context()
    simulator = context.new_page()
    simulator.goto(f"{base_url}/_dev/bankid")
    simulator.get_by_label("Fel för nästa anrop").select_option(value="maintenance")
    simulator.get_by_role("button", name="Lägg in felet").click()
    context.close()
    page.goto(base_url + "/logga-in/bankid")
    page.get_by_role("button", name="Visa QR-kod").click()
    expect(page.get_by_role("alert")).to_contain_text("Internt tekniskt fel")
    assert_accessible(page)


def test_login_works_without_javascript(browser: Browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "/logga-in/bankid?next=/mina-sidor")
    page.get_by_role("button", name="Visa QR-kod").click()
    expect(page.locator("#bankid-qr svg")).to_be_visible()
    act_in_simulator(browser, base_url, "Identifiera")
    # The page reloads itself (meta refresh) and follows the login through.
    expect(page).to_have_url(re.compile(r"/mina-sidor$"), timeout=15_000)
    expect(page.get_by_text("Välkommen, Erik Andersson.")).to_be_visible()
    context.close()


@pytest.mark.parametrize("path", ["/logga-in", "/logga-in/bankid", "/utloggad", "/_dev/bankid"])
def test_login_pages_are_accessible_and_fit_a_small_screen(page: Page, base_url, path):
    page.goto(base_url + path)
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
