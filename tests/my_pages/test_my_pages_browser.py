"""Mina sidor and the staff inbox in Chromium: accessibility, the error summary, keyboard use, JavaScript off."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from core import clock
from db.staff import save_staff as add_staff
from tests.browser import assert_accessible, assert_no_horizontal_scroll, log_in_with_bankid, run_async
from tests.factories import clear_database

pytestmark = pytest.mark.browser
SARA = "199505199902"
OFFICER = "197606239866"


@pytest.fixture(autouse=True)
def clean_database():
    yield
    run_async(clear_database)


def test_my_details_form_explains_errors_and_keeps_what_was_typed(page: Page, browser: Browser, base_url):
    log_in_with_bankid(page, browser, base_url, SARA, "/mina-sidor/uppgifter")
    assert_accessible(page)
    page.get_by_label("E-postadress (frivilligt)").fill("sara@")
    page.get_by_label("Mobilnummer (frivilligt)").fill("070-123 45 67")
    page.get_by_role("button", name="Spara kontaktuppgifter").click()
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Fel: Mina uppgifter"))
    assert_accessible(page)
    summary.get_by_role("link", name="Ange en e-postadress i rätt format").click()
    expect(page.get_by_label("E-postadress (frivilligt)")).to_be_focused()
    expect(page.get_by_label("Mobilnummer (frivilligt)")).to_have_value("070-123 45 67")
    page.get_by_label("E-postadress (frivilligt)").fill("sara@exempel.se")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Dina kontaktuppgifter har sparats")


def test_my_pages_fit_a_small_screen(page: Page, browser: Browser, base_url):
    log_in_with_bankid(page, browser, base_url, SARA)
    for path in ("/mina-sidor", "/mina-sidor/uppgifter"):
        page.goto(base_url + path)
        page.set_viewport_size({"width": 320, "height": 640})
        assert_no_horizontal_scroll(page)
        assert_accessible(page)


def test_staff_inbox_is_accessible(page: Page, browser: Browser, base_url):
    run_async(add_staff, OFFICER, "officer", "Bygga, bo och miljö", clock.now())
    log_in_with_bankid(page, browser, base_url, OFFICER, "/handlaggare")
    expect(page.get_by_role("heading", level=1)).to_have_text("Inkorg")
    assert_accessible(page)


def test_contact_details_can_be_saved_without_javascript(browser: Browser, base_url):
    js_page = browser.new_context().new_page()
    log_in_with_bankid(js_page, browser, base_url, SARA, "/mina-sidor/uppgifter")
    cookies = js_page.context.cookies()
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(cookies)
    page = context.new_page()
    page.goto(base_url + "/mina-sidor/uppgifter")
    page.get_by_label("Mobilnummer (frivilligt)").fill("0701234567")
    page.get_by_role("button", name="Spara kontaktuppgifter").click()
    expect(page.get_by_role("status")).to_contain_text("Dina kontaktuppgifter har sparats")
    expect(page.get_by_label("Mobilnummer (frivilligt)")).to_have_value("070-123 45 67")
    context.close()
