"""The operations status page in Chromium: an administrator finds it from /admin; axe finds nothing on it, healthy
and with problems, with and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from core.settings import Settings
from jobs import JOBS, Job
from jobs.runner import run_job
from tests.browser import assert_accessible, assert_accessible_without_javascript, free_port, run_async
from tests.factories import clear_database, make_officer
from tests.mail.conftest import SmtpServer

from .test_audit_log_browser import BIRGITTA, admin_page

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def office():
    async def setup():
        await make_officer(BIRGITTA, "Kommunledningskontoret", role="admin")
        for job in JOBS.values():
            await run_job(job, Settings())

    run_async(setup)
    yield
    run_async(clear_database)


def make_problems() -> None:
    """A failed run of a job (the outbox's failures are covered over HTTP in test_operations_status.py)."""
    server = SmtpServer(free_port())
    server.start()

    async def problems():
        async def broken(_settings):
            raise RuntimeError("the job broke")

        with pytest.raises(RuntimeError):
            await run_job(Job("cosigning", broken, JOBS["cosigning"].every), Settings())

    try:
        run_async(problems)
    finally:
        server.stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["with JavaScript", "without JavaScript"])
def test_the_operations_page_is_accessible_healthy_and_with_problems(browser: Browser, base_url, javascript):
    admin = admin_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_accessible() -> None:
        assert_accessible(admin) if javascript else assert_accessible_without_javascript(admin, checker)

    admin.goto(f"{base_url}/admin")
    admin.get_by_role("link", name="Driftstatus").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Driftstatus")
    expect(admin.get_by_role("heading", name="Allt fungerar")).to_be_visible()
    check_accessible()

    make_problems()
    admin.reload()
    expect(admin.get_by_role("heading", name="Problem: 1 sak behöver åtgärdas")).to_be_visible()
    expect(admin.locator("#overall li")).to_have_count(1)
    expect(admin.get_by_role("cell", name="Misslyckades")).to_be_visible()
    check_accessible()
