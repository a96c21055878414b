"""Autosave in a real browser: it waits for a pause in typing, and the back link returns to the kept answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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


def is_autosave(request) -> bool:
    return request.url.endswith("/autospara")


def test_autosave_waits_for_a_pause_in_typing_and_back_keeps_the_answers(page: Page, browser: Browser, base_url):
    run_async(make_service_with_form, slug="markupplatelse", title="Markupplåtelse")
    log_in_with_bankid(page, browser, base_url, SARA, "/e-tjanster/markupplatelse/starta")
    # The page's timers run on Playwright's clock: time passes in the page only when the test says so, so "typing
    # without a pause" and "a minute later" are exact, whatever the machine's load.
    page.clock.install()
    page.get_by_role("button", name="Starta nu").click()
    name = page.get_by_label("Namn")
    expect(name).to_be_editable()
    page.clock.pause_at(datetime.now(UTC) + timedelta(seconds=5))
    saves: list[str] = []
    page.on("request", lambda request: saves.append(request.url) if is_autosave(request) else None)

    for key in "Sara Svensson":  # a second of typing, no pause
        name.press_sequentially(key)
        page.clock.run_for(80)
    assert saves == [], "nothing is saved while the user types"
    with page.expect_request(is_autosave, timeout=5_000) as saving:
        page.clock.run_for(3_000)  # the user stops typing
    saving.value.response()
    expect(page.locator("#autosave-status")).to_contain_text(re.compile(r"Sparat kl\. \d\d\.\d\d"))
    page.clock.run_for(60_000)  # a minute later
    assert len(saves) == 1, saves  # one save when the typing stopped, not one per key, and nothing after it
    page.clock.resume()

    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page).to_have_url(re.compile(r"/steg/bilagor$"))
    page.get_by_role("link", name="Tillbaka").click()
    expect(page).to_have_url(re.compile(r"/steg/om_dig"))
    expect(page.get_by_label("Namn")).to_have_value("Sara Svensson")
    expect(page.get_by_label("Alfa")).to_be_checked()
