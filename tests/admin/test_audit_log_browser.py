"""The audit log in Chromium: an administrator finds it from the main menu, searches live with htmx (and with a plain
form without JavaScript), draws a sample; axe finds nothing on the admin pages, with and without JavaScript."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from core import clock
from db.audit import AuditEntry
from tests.browser import assert_accessible, assert_accessible_without_javascript, log_in_with_bankid, run_async
from tests.factories import clear_database, make_officer

pytestmark = pytest.mark.browser
BIRGITTA, EVA = "195504109884", "197606239866"


@pytest.fixture(autouse=True)
def office():
    async def setup():
        await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
        eva = await make_officer(EVA)
        now = clock.now()
        for number in range(60):
            await AuditEntry.insert(
                AuditEntry(
                    at=now - timedelta(hours=number),
                    actor=eva.id,
                    action="case.viewed",
                    target=f"case:2026-{number:06d}",
                    details=json.dumps({}),
                )
            )

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


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_an_administrator_searches_the_log_and_draws_a_sample(browser: Browser, base_url, javascript):
    admin = admin_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_accessible() -> None:
        assert_accessible(admin) if javascript else assert_accessible_without_javascript(admin, checker)

    admin.goto(f"{base_url}/handlaggare")
    admin.get_by_role("link", name="Administration").click()
    check_accessible()
    admin.get_by_role("link", name="Granskningslogg").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Granskningslogg")
    expect(admin.get_by_text(re.compile(r"Visar 1–50 av \d+ händelser"))).to_be_visible()
    check_accessible()

    admin.get_by_label("Ärendenummer").fill("2026-000007")
    if javascript:  # the list follows the typing, and the address keeps the search
        expect(admin).to_have_url(re.compile(r"arende=2026-000007"))
    else:
        admin.get_by_role("button", name="Sök").click()
        expect(admin).to_have_url(re.compile(r"arende=2026-000007"))
    expect(admin.locator("tbody tr")).to_have_count(1)
    expect(admin.locator("tbody")).to_contain_text("Eva Karlsson")
    check_accessible()

    admin.goto(f"{base_url}/admin/logg/stickprov?handelse=case.viewed&antal=5")
    expect(admin.get_by_role("heading", level=1)).to_have_text("Stickprov ur granskningsloggen")
    expect(admin.locator("tbody tr")).to_have_count(5)
    check_accessible()
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Ladda ner stickprovet som CSV").click()
    assert download.value.suggested_filename.startswith("stickprov-")
