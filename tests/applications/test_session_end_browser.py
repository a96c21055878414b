"""In a real browser, with and without JavaScript: a session that ends while a step is open ("Logga ut" in another
tab) loses nothing the page holds, and a tab whose page is out of date is told so before it overwrites anything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.applications.journey import assert_accessible_without_javascript
from tests.browser import (
    act_in_simulator,
    assert_accessible,
    assert_no_horizontal_scroll,
    log_in_with_bankid,
    run_async,
)
from tests.factories import clear_database, make_service_with_form

pytestmark = pytest.mark.browser
ERIK = "198112189876"
STEP = re.compile(r"/ansokan/[0-9a-f-]{36}/steg/om_dig$")


@pytest.fixture(autouse=True)
def clean_database():
    yield
    run_async(clear_database)


def _start(page: Page, browser: Browser, base_url: str) -> None:
    run_async(make_service_with_form, slug="markupplatelse", title="Markupplåtelse")
    log_in_with_bankid(page, browser, base_url, ERIK, "/e-tjanster/markupplatelse/starta")
    page.get_by_role("button", name="Starta nu").click()
    expect(page).to_have_url(STEP)


def _log_out_in_another_tab(page: Page) -> None:
    other = page.context.new_page()
    other.goto(page.url.split("/ansokan/")[0] + "/mina-sidor")
    other.get_by_role("button", name=re.compile("^Logga ut")).click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Du är utloggad")
    other.close()


def _log_in_again(page: Page, browser: Browser, base_url: str) -> None:
    """From the login page that says the resident was logged out: BankID with the QR code, back to the step."""
    expect(page).to_have_url(re.compile(r"/logga-in\?next=.*&utloggad=1$"))
    expect(page.get_by_role("status")).to_contain_text("Du har loggats ut")
    page.get_by_role("link", name=re.compile("^BankID")).click()
    page.get_by_role("button", name="Visa QR-kod").click()
    act_in_simulator(browser, base_url, "Identifiera", ERIK)
    expect(page).to_have_url(STEP, timeout=15_000)


def test_logged_out_in_another_tab_while_typing_keeps_what_was_typed(page: Page, browser: Browser, base_url):
    _start(page, browser, base_url)
    _log_out_in_another_tab(page)
    page.get_by_label("Namn").fill("Erik Andersson")
    page.get_by_label("Beta").check()  # autosave: the session is gone
    panel = page.get_by_role("alert").filter(has_text="Du har loggats ut")
    expect(panel).to_contain_text("Det du har skrivit på sidan finns kvar")
    expect(page.get_by_label("Namn")).to_have_value("Erik Andersson")  # the page stays as it was
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 800})

    panel.get_by_role("button", name="Logga in igen").click()
    assert_accessible(page)
    _log_in_again(page, browser, base_url)
    expect(page.get_by_role("status").filter(has_text="Välkommen tillbaka")).to_be_visible()
    expect(page.get_by_label("Namn")).to_have_value("Erik Andersson")
    expect(page.get_by_label("Beta")).to_be_checked()
    expect(page.get_by_label("Detalj")).to_be_visible()  # what the answer revealed, with it
    assert_accessible(page)
    page.get_by_label("Detalj").fill("Mer om det")
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steg/bilagor$"))


def test_without_javascript_continue_after_the_session_ended_keeps_what_was_typed(browser: Browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page, checker = context.new_page(), browser.new_page()
    _start(page, browser, base_url)
    _log_out_in_another_tab(page)
    page.get_by_label("Namn").fill("Erik Andersson")
    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    assert_accessible_without_javascript(page, checker)
    _log_in_again(page, browser, base_url)
    expect(page.get_by_role("status").filter(has_text="Välkommen tillbaka")).to_be_visible()
    expect(page.get_by_label("Namn")).to_have_value("Erik Andersson")
    assert_accessible_without_javascript(page, checker)
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steg/bilagor$"))
    checker.close()
    context.close()


def test_a_tab_showing_older_answers_is_told_before_it_overwrites_newer_ones(page: Page, browser: Browser, base_url):
    _start(page, browser, base_url)
    newer = page.context.new_page()
    newer.goto(page.url)
    newer.get_by_label("Namn").fill("Erik Andersson")
    expect(newer.locator("#autosave-status")).to_contain_text("Sparat kl.")
    newer.close()

    page.get_by_label("Antal").fill("3")  # the first tab still shows an empty name, and sends it with the number
    notice = page.locator("#answers-changed")
    expect(notice).to_contain_text("Sidan är inte längre aktuell", timeout=5_000)
    expect(notice.get_by_role("link", name="Namn")).to_have_attribute("href", "#namn")
    assert_accessible(page)
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
    notice.get_by_role("link", name="Ladda om sidan för att se de sparade svaren").click()
    expect(page.get_by_label("Namn")).to_have_value("Erik Andersson")
    expect(page.get_by_label("Antal")).to_have_value("3")  # what nobody else had changed was saved
