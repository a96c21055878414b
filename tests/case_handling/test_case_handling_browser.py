"""A case from submission to decision in Chromium: the resident applies, an officer takes the case, asks for a
supplement that reopens a question, the resident answers on Mina sidor, the officer sees both versions, they write
to each other (read receipts both ways), the officer decides, and the resident finds the decision under
"Avslutade". The officer's side once with JavaScript (htmx) and once without. axe checks every staff page, and the
staff pages fit 320 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser import (
    assert_accessible,
    assert_accessible_without_javascript,
    assert_no_horizontal_scroll,
    log_in_with_bankid,
    run_async,
)
from tests.factories import clear_database, make_officer, make_service_with_form, make_unit

pytestmark = pytest.mark.browser
ERIK, EVA = "198112189876", "197606239866"
FORM = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Ditt namn, required: true}
      - {id: fastighet, type: text, label: Fastighetsbeteckning, required: true}
"""


@pytest.fixture(autouse=True)
def office():
    async def setup():
        unit = await make_unit()
        await make_service_with_form(FORM, slug="bygglov", title="Ansökan om bygglov", unit=unit)
        await make_officer(EVA)

    run_async(setup)
    yield
    run_async(clear_database)


def resident_submits(page: Page, browser: Browser, base_url: str) -> str:
    log_in_with_bankid(page, browser, base_url, ERIK, "/e-tjanster/bygglov/starta")
    page.get_by_role("button", name="Starta nu").click()
    page.get_by_label("Ditt namn").fill("Erik Andersson")
    page.get_by_label("Fastighetsbeteckning").fill("Kinna 1:23")
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    page.get_by_role("button", name=re.compile("Skicka in")).click()
    reference = re.search(r"\d{4}-\d{6}", page.get_by_text(re.compile(r"\d{4}-\d{6}")).first.inner_text()).group(0)
    return reference


def officer_page(browser: Browser, base_url: str, *, javascript: bool, officer: str = EVA) -> Page:
    """Eva's (or `officer`'s) browser, logged in (with JavaScript for the BankID login), then with or without
    JavaScript."""
    login = browser.new_context().new_page()
    log_in_with_bankid(login, browser, base_url, officer, "/handlaggare")
    cookies = login.context.cookies()
    login.context.close()
    context = browser.new_context(java_script_enabled=javascript)
    context.add_cookies(cookies)
    return context.new_page()


def resident_page(browser: Browser, base_url: str) -> Page:
    page = browser.new_context().new_page()
    log_in_with_bankid(page, browser, base_url, ERIK)
    return page


@pytest.mark.parametrize("javascript", [True, False], ids=["officer with JavaScript", "officer without JavaScript"])
def test_a_case_from_submission_to_decision(page: Page, browser: Browser, base_url, javascript):
    reference = resident_submits(page, browser, base_url)
    officer = officer_page(browser, base_url, javascript=javascript)
    checker = browser.new_context().new_page()

    def check_accessible() -> None:  # axe needs JavaScript: without it, a copy of the page is checked
        assert_accessible(officer) if javascript else assert_accessible_without_javascript(officer, checker)

    # The inbox: the new case is to be handled.
    officer.goto(f"{base_url}/handlaggare")
    expect(officer.get_by_role("link", name=re.compile(r"Att hantera \(1\)"))).to_be_visible()
    check_accessible()
    officer.get_by_role("link", name=reference).click()
    expect(officer.get_by_role("heading", level=1)).to_have_text("Ansökan om bygglov")
    check_accessible()

    # Take it, and ask for a supplement that reopens the property's designation.
    officer.get_by_label("Ge ärendet till").select_option(label="Mig")
    officer.get_by_role("button", name="Spara handläggare").click()
    expect(officer.get_by_text("Eva Karlsson").first).to_be_visible()
    officer.get_by_label("Vad ska den sökande komplettera med?").fill("Beteckningen stämmer inte. Rätta den.")
    officer.get_by_label("Senast").fill((date.today() + timedelta(days=10)).isoformat())
    officer.get_by_label("Fastighetsbeteckning").check()
    officer.get_by_role("button", name="Skicka begäran").click()
    expect(officer.get_by_text("Väntar på komplettering").first).to_be_visible()

    # The resident answers on Mina sidor.
    resident = resident_page(browser, base_url)
    resident.goto(f"{base_url}/mina-sidor/arenden/{reference}")
    resident.get_by_role("link", name="Komplettera").click()
    resident.get_by_label("Fastighetsbeteckning").fill("Kinna 1:24")
    resident.get_by_role("button", name=re.compile("Skicka")).last.click()
    expect(resident).to_have_url(re.compile(re.escape(reference)))

    # The officer sees both versions, and writes to the resident.
    officer.goto(f"{base_url}/handlaggare/arenden/{reference}")
    expect(officer.get_by_text("Ändrat från Kinna 1:23 till Kinna 1:24")).to_be_visible()
    officer.get_by_label("Skriv ett meddelande").fill("Tack, nu stämmer det.")
    officer.get_by_role("button", name="Skicka meddelande").click()
    expect(officer.locator("#message-list")).to_contain_text("Tack, nu stämmer det.")
    if javascript:
        expect(officer.get_by_role("status").filter(has_text="Ditt meddelande har skickats")).to_be_attached()
    expect(officer.locator("#message-list")).to_contain_text("Inte läst än")

    # The resident reads it and answers; the officer's page brings the answer (polling, or a reload without JS).
    resident.goto(f"{base_url}/mina-sidor/arenden/{reference}")
    expect(resident.locator("#message-list")).to_contain_text("Tack, nu stämmer det.")
    resident.get_by_label("Skriv ett meddelande").fill("Tack själv!")
    resident.get_by_role("button", name="Skicka meddelande").click()
    expect(resident.locator("#message-list")).to_contain_text("Tack själv!")
    if javascript:
        officer.clock.install()
        officer.reload()
        officer.clock.run_for(0)
    else:
        officer.reload()
    expect(officer.locator("#message-list")).to_contain_text("Tack själv!", timeout=15_000)
    expect(officer.locator("#message-list")).to_contain_text("Läst den")

    # The decision closes the case.
    officer.get_by_label("Bifall", exact=True).check()
    officer.get_by_label("Beslutet, så som den sökande kommer att läsa det").fill("Bygglov beviljas.")
    officer.get_by_role("button", name="Fatta beslut och avsluta ärendet").click()
    expect(officer.get_by_text("Beslutad").first).to_be_visible()
    check_accessible()

    resident.goto(f"{base_url}/mina-sidor/arenden?grupp=avslutade")
    resident.get_by_role("link", name=re.compile("Ansökan om bygglov")).click()
    expect(resident.get_by_text("Bygglov beviljas.")).to_be_visible()
    resident.context.close()
    officer.context.close()
    checker.context.close()


def test_an_officer_reaches_and_takes_a_case_with_the_keyboard_alone(page: Page, browser: Browser, base_url):
    reference = resident_submits(page, browser, base_url)
    officer = officer_page(browser, base_url, javascript=True)
    officer.goto(f"{base_url}/handlaggare")
    link = officer.get_by_role("link", name=reference)
    for _press in range(60):
        officer.keyboard.press("Tab")
        if link.evaluate("element => element === document.activeElement"):
            break
    expect(link).to_be_focused()
    officer.keyboard.press("Enter")
    expect(officer.get_by_role("heading", level=1)).to_have_text("Ansökan om bygglov")
    choice = officer.get_by_label("Ge ärendet till")
    choice.focus()
    officer.keyboard.press("Tab")
    expect(officer.get_by_role("button", name="Spara handläggare")).to_be_focused()
    officer.keyboard.press("Enter")
    expect(officer.get_by_text("Eva Karlsson").first).to_be_visible()
    officer.context.close()


def test_the_inbox_filters_live_and_the_staff_pages_fit_a_small_screen(page: Page, browser: Browser, base_url):
    reference = resident_submits(page, browser, base_url)
    officer = officer_page(browser, base_url, javascript=True)
    officer.goto(f"{base_url}/handlaggare?flik=alla")
    officer.get_by_label("Sök").fill("finns inte")
    expect(officer.get_by_role("heading", name="Inga ärenden här")).to_be_visible()
    expect(officer).to_have_url(re.compile(r"q=finns\+inte"))
    expect(officer.get_by_label("Sök")).to_be_focused()  # typing went on in the field: focus stayed
    officer.get_by_label("Sök").fill(reference)
    expect(officer.get_by_role("link", name=reference)).to_be_visible()
    expect(officer.get_by_role("status").filter(has_text="1 ärende")).to_be_attached()
    officer.go_back()
    expect(officer.get_by_role("heading", name="Inga ärenden här")).to_be_visible()
    for path in ("/handlaggare", f"/handlaggare/arenden/{reference}"):
        officer.set_viewport_size({"width": 320, "height": 640})
        officer.goto(base_url + path)
        assert_no_horizontal_scroll(officer)
        assert_accessible(officer)
    officer.context.close()


def test_an_administrator_edits_the_message_templates_without_javascript(page: Page, browser: Browser, base_url):
    birgitta = "195504109884"  # a person of the BankID simulator's list, here an administrator of the unit
    run_async(make_officer, birgitta, role="admin")
    admin = officer_page(browser, base_url, javascript=False, officer=birgitta)
    admin.goto(f"{base_url}/handlaggare/installningar")
    admin.get_by_role("link", name="Ansökan om bygglov").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Meddelandemallar")
    checker = page  # axe runs in a page with JavaScript, on a copy of this one
    assert_accessible_without_javascript(admin, checker)
    admin.get_by_label("Under handläggning").fill("x" * 10_001)
    admin.get_by_role("button", name="Spara mallarna").click()
    expect(admin).to_have_title(re.compile(r"^Fel: "))
    expect(admin.get_by_role("alert")).to_contain_text("Under handläggning: texten får vara högst 10 000 tecken.")
    assert_accessible_without_javascript(admin, checker)
    admin.get_by_label("Under handläggning").fill("Vi handlägger nu ärende {ärendenummer}.")
    admin.get_by_role("button", name="Spara mallarna").click()
    expect(admin.get_by_role("status")).to_have_text("Mallarna har sparats.")
    expect(admin.get_by_label("Under handläggning")).to_have_value("Vi handlägger nu ärende {ärendenummer}.")
    admin.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(admin)
    admin.context.close()
