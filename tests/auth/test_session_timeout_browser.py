"""The idle-timeout warning in Chromium: it appears before the session ends, takes focus, and extends the session.

Runs its own server with a one-minute idle timeout, so the warning is due at once.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import assert_accessible, start_server, stop_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def short_session_server(tmp_path_factory):
    server = start_server(
        {"MODE": "dev", "SESSION_IDLE_MINUTES": "1"}, tmp_path_factory.mktemp("short-session") / "uvicorn.log"
    )
    yield server.url
    stop_server(server)


def log_in(page: Page, browser: Browser, base: str) -> None:
    page.goto(base + "/logga-in/bankid?next=/mina-sidor")
    page.get_by_role("button", name="Visa QR-kod").click()
    simulator = browser.new_context().new_page()
    simulator.goto(base + "/_dev/bankid")
    simulator.get_by_role("button", name="Identifiera").first.click()
    simulator.context.close()
    expect(page).to_have_url(re.compile(r"/mina-sidor$"), timeout=10_000)


def test_warning_before_the_idle_timeout_offers_to_stay_logged_in(page: Page, browser: Browser, short_session_server):
    log_in(page, browser, short_session_server)
    warning = page.get_by_role("alertdialog", name="Du loggas snart ut")
    expect(warning).to_be_visible(timeout=15_000)
    stay = warning.get_by_role("button", name="Fortsätt vara inloggad")
    expect(stay).to_be_focused()
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(warning).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mina sidor")
