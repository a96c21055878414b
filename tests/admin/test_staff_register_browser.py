"""The staff register in Chromium, with and without JavaScript: an administrator adds an officer through the form
(correcting a mistake on the way), changes them and removes them after a confirmation; the officer's open session
ends at the change. axe finds nothing on any of these pages, and the list fits 320 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import (
    assert_accessible,
    assert_accessible_without_javascript,
    assert_no_horizontal_scroll,
    log_in_with_bankid,
    run_async,
)
from tests.factories import clear_database, make_officer, make_unit

pytestmark = pytest.mark.browser
BIRGITTA, EVA = "195504109884", "197606239866"


@pytest.fixture(autouse=True)
def office():
    async def setup():
        await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
        await make_unit("Bygga, bo och miljö")
        await make_unit("Barn och utbildning")

    run_async(setup)
    yield
    run_async(clear_database)


def logged_in_page(browser: Browser, base_url: str, personal_number: str, next_path: str, *, javascript: bool) -> Page:
    login = browser.new_context().new_page()
    log_in_with_bankid(login, browser, base_url, personal_number, next_path)
    cookies = login.context.cookies()
    login.context.close()
    context = browser.new_context(java_script_enabled=javascript)
    context.add_cookies(cookies)
    return context.new_page()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_administrator_adds_changes_and_removes_a_staff_member(browser: Browser, base_url, javascript):
    admin = logged_in_page(browser, base_url, BIRGITTA, "/admin", javascript=javascript)
    checker = browser.new_context().new_page()

    def check_accessible(page: Page) -> None:
        assert_accessible(page) if javascript else assert_accessible_without_javascript(page, checker)

    admin.goto(f"{base_url}/admin")
    admin.get_by_role("link", name="Personalregister").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Personalregister")
    check_accessible(admin)

    admin.get_by_role("link", name="Lägg till en person i personalregistret").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Lägg till en person i personalregistret")
    check_accessible(admin)
    admin.get_by_label("Personnummer").fill("19760623-9867")
    admin.get_by_label("Bygga, bo och miljö").check()
    admin.get_by_label("Giltig till (frivilligt)").fill("2099-12-31")
    admin.get_by_role("button", name="Lägg till personen").click()

    # The mistake is named in the summary and beside its field, and what was typed is still there.
    summary = admin.get_by_role("alert")
    expect(summary).to_contain_text("Personnumret är inte giltigt: kontrollera den sista siffran")
    expect(admin).to_have_title(re.compile("^Fel: "))
    expect(admin.get_by_label("Personnummer")).to_have_value("19760623-9867")
    expect(admin.get_by_label("Bygga, bo och miljö")).to_be_checked()
    expect(admin.get_by_label("Giltig till (frivilligt)")).to_have_value("2099-12-31")
    check_accessible(admin)
    summary.get_by_role("link", name="Personnumret är inte giltigt: kontrollera den sista siffran").click()
    admin.get_by_label("Personnummer").fill("19760623-9866")
    admin.get_by_role("button", name="Lägg till personen").click()

    expect(admin.get_by_role("heading", level=1)).to_have_text("Personalregister")
    expect(admin.get_by_text("Personen är tillagd.")).to_be_visible()
    eva_row = admin.get_by_role("row", name=re.compile("19760623-\\*\\*\\*\\*"))
    expect(eva_row).to_contain_text("Har inte loggat in")
    expect(eva_row).to_contain_text("31 december 2099")
    check_accessible(admin)

    officer = logged_in_page(browser, base_url, EVA, "/handlaggare", javascript=javascript)
    officer.goto(f"{base_url}/handlaggare")
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
    expect(officer).to_have_url(re.compile("/handlaggare$"))

    admin.reload()
    admin.get_by_role("link", name="Ändra Eva Karlsson").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ändra Eva Karlsson")
    expect(admin.get_by_text("19760623-9866")).to_be_visible()
    check_accessible(admin)
    admin.get_by_label("Begränsad handläggare (bara ärenden som tilldelats hen)").check()
    admin.get_by_label("Ny enhet (frivilligt)").fill("Socialtjänst")
    admin.get_by_role("button", name="Spara ändringarna").click()
    expect(admin.get_by_text("Ändringarna är sparade.")).to_be_visible()
    changed = admin.get_by_role("row", name=re.compile("Eva Karlsson"))
    expect(changed).to_contain_text("Begränsad handläggare")
    expect(changed).to_contain_text("Bygga, bo och miljö, Socialtjänst")

    officer.goto(f"{base_url}/handlaggare")
    expect(officer).to_have_url(re.compile("/logga-in"))  # her session ended with the change

    admin.get_by_role("link", name="Ta bort Eva Karlsson").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Ta bort ur personalregistret?")
    check_accessible(admin)
    admin.get_by_role("button", name="Ta bort personen").click()
    expect(admin.get_by_text("Personen är borttagen ur personalregistret och utloggad.")).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Eva Karlsson"))).to_have_count(0)
    admin.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_scroll(admin)
