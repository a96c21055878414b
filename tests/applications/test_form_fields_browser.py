"""Form fields in Chromium as residents meet them: a long paste into a one-line text, and what the autosave live
region says while answers show and hide questions. An e-service without login, so no BankID is needed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, assert_no_horizontal_scroll, run_async
from tests.factories import CONDITIONAL_FORM, clear_database, make_service_with_form

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def clean_database():
    yield
    run_async(clear_database)


def start_anonymous_application(page: Page, base_url: str, slug: str) -> None:
    run_async(make_service_with_form, slug=slug, title="Felanmälan", requires_login=False, allows_drafts=False)
    page.goto(f"{base_url}/e-tjanster/{slug}/starta")
    page.get_by_role("button", name="Starta nu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Om dig")


def test_a_long_paste_into_a_text_is_kept_whole_and_counted(page: Page, base_url):
    page.set_viewport_size({"width": 320, "height": 800})
    start_anonymous_application(page, base_url, "felanmalan")
    name = page.get_by_label("Namn", exact=True)
    expect(page.locator("#namn-hint")).to_have_text("Högst 50 tecken.")
    pasted = "Kinna 4:12, " * 12 + "Storgatan 12"  # 156 characters, more than twice the limit of 50
    name.focus()
    page.keyboard.insert_text(pasted)  # as a paste arrives: one input of the whole text
    expect(name).to_have_value(pasted)

    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(alert).to_contain_text("”Namn” får vara högst 50 tecken – du har skrivit 156")
    expect(name).to_have_value(pasted)  # all of it, to shorten
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def test_the_live_region_stops_announcing_a_question_hidden_again(page: Page, base_url):
    start_anonymous_application(page, base_url, "felanmalan")
    status = page.locator("#autosave-status")
    page.get_by_label("Beta").check()
    expect(page.get_by_label("Detalj", exact=True)).to_be_visible()
    expect(status).to_have_text("Ny fråga: Detalj")

    page.get_by_label("Alfa").check()
    expect(page.locator("#falt-detalj")).to_be_hidden()
    expect(status).to_have_text("Frågan behövs inte längre: Detalj")
    assert_accessible(page)


def test_the_check_page_marks_a_missing_answer_that_a_change_revealed(page: Page, base_url):
    run_async(make_service_with_form, CONDITIONAL_FORM, slug="arende", requires_login=False, allows_drafts=False)
    page.goto(f"{base_url}/e-tjanster/arende/starta")
    page.get_by_role("button", name="Starta nu").click()
    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollera dina svar innan du skickar in")

    page.get_by_role("link", name="Ändra typ").click()
    page.get_by_label("Beta").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollera dina svar innan du skickar in")
    row = page.locator(".summary-list__row").filter(has=page.get_by_text("Vad gick fel", exact=True))
    expect(row).to_contain_text("Svar saknas.")
    expect(row).not_to_contain_text("Inte besvarat")
    expect(page.locator(".notice--warning")).to_contain_text("Några svar saknas")
    page.set_viewport_size({"width": 320, "height": 800})
    assert_accessible(page)
    assert_no_horizontal_scroll(page)

    row.get_by_role("link", name="Fyll i ”Vad gick fel”").click()
    expect(page.get_by_label("Vad gick fel", exact=True)).to_be_visible()
    page.get_by_label("Vad gick fel", exact=True).fill("Lampan lyser inte")
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    expect(row).to_contain_text("Lampan lyser inte")
    expect(page.locator(".notice--warning")).to_have_count(0)
