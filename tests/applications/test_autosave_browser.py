"""Autosave in a real browser: it waits for a pause in typing, and the back link returns to the kept answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import log_in_with_bankid, run_async
from tests.factories import clear_database, make_service_with_form

pytestmark = pytest.mark.browser
SARA = "199505199902"


@pytest.fixture(autouse=True)
def clean_database():
    yield
    run_async(clear_database)


def test_autosave_waits_for_a_pause_in_typing_and_back_keeps_the_answers(page: Page, browser: Browser, base_url):
    run_async(make_service_with_form, slug="markupplatelse", title="Markupplåtelse")
    log_in_with_bankid(page, browser, base_url, SARA, "/e-tjanster/markupplatelse/starta")
    page.get_by_role("button", name="Starta nu").click()
    saves: list[str] = []
    page.on("request", lambda request: saves.append(request.url) if request.url.endswith("/autospara") else None)
    page.get_by_label("Namn").press_sequentially("Sara Svensson", delay=80)  # a second of typing, no pause
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Sparat kl\. \d\d\.\d\d"), timeout=5_000)
    page.wait_for_timeout(2_000)
    assert len(saves) == 1, saves  # one save when the typing stopped, not one per key

    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steg/bilagor$"))
    page.get_by_role("link", name="Tillbaka").click()
    expect(page).to_have_url(re.compile(r"/steg/om_dig"))
    expect(page.get_by_label("Namn")).to_have_value("Sara Svensson")
    expect(page.get_by_label("Alfa")).to_be_checked()
