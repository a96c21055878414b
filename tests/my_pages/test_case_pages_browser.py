"""Mina sidor's cases in Chromium: the message thread with and without JavaScript, a supplement round trip, acting
for an organisation, deleting a saved application, and axe on every page of it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Browser, Page, expect

from core import clock
from db import messages as conversations
from db.cases import CaseRecord
from tests.browser import assert_accessible, assert_no_horizontal_scroll, log_in_with_bankid, run_async
from tests.factories import clear_database, make_case, make_service_with_form, make_user

pytestmark = pytest.mark.browser
SARA, ERIK, JOHAN = "199505199902", "198112189876", "199908072391"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def clean_database():
    yield
    run_async(clear_database)


def sara_with_case(**case_fields) -> tuple[int, str]:
    """Sara's case in an e-service with messages and supplements; returns its id and reference."""

    async def setup():
        service = await make_service_with_form(
            slug="bygglov-test", title="Bygglov för tillbyggnad", allows_messages=True, allows_supplement=True
        )
        sara = await make_user(SARA, "Sara", "Ali")
        case = await make_case(service, sara.id, answers={"namn": "Sara Ali", "typ": "a"}, **case_fields)
        return case.id, case.reference

    return run_async(setup)


def officer_writes(case_id: int, text: str) -> None:
    run_async(conversations.add_message, case_id, None, from_officer=True, body=text, now=clock.now())


def test_messages_are_sent_and_arrive_without_reloading_the_page(page: Page, browser: Browser, base_url):
    case_id, reference = sara_with_case()
    officer_writes(case_id, "Hej! Vi har tagit emot din ansökan.")
    log_in_with_bankid(page, browser, base_url, SARA, f"/mina-sidor/arenden/{reference}")
    thread = page.locator("#message-list")
    expect(thread.get_by_text("Hej! Vi har tagit emot din ansökan.")).to_be_visible()
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_role("button", name="Skicka meddelande").click()  # nothing written
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_be_focused()
    expect(page.locator("#message-text-error")).to_contain_text("Skriv ett meddelande eller bifoga en fil")
    assert_accessible(page)

    page.get_by_label("Skriv ett meddelande").fill("När kommer beslutet?")
    page.get_by_label("Bifoga filer (frivilligt)").set_input_files(
        {"name": "ritning.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Skicka meddelande").click()
    mine = thread.locator(".message--mine")
    expect(mine).to_contain_text("När kommer beslutet?")
    expect(mine.get_by_role("link", name="ritning.pdf")).to_be_visible()
    expect(mine).to_contain_text("Inte läst än")
    expect(page.get_by_label("Skriv ett meddelande")).to_have_value("")
    expect(page.locator("#message-status")).to_have_text("Ditt meddelande har skickats.")
    expect(mine, "the focus is on the message just sent, not on the page").to_be_focused()
    expect(page.get_by_role("alert")).to_have_count(0)

    officer_writes(case_id, "Beslutet kommer inom två veckor.")
    expect(thread.get_by_text("Beslutet kommer inom två veckor.")).to_be_visible(timeout=15_000)  # polled every 10 s
    expect(page.locator("#message-status")).to_have_text("Nytt meddelande från handläggaren.")
    assert page.evaluate("window.stillTheSamePage") is True
    officer_messages = [m for m in run_async(conversations.thread, case_id) if m["from_officer"]]
    assert len(officer_messages) == 2
    assert all(m["read_by_resident_at"] is not None for m in officer_messages)  # the officer sees it was read
    assert_accessible(page)


def test_messages_work_without_javascript(browser: Browser, base_url):
    case_id, reference = sara_with_case()
    js_page = browser.new_context().new_page()
    log_in_with_bankid(js_page, browser, base_url, SARA)
    context = browser.new_context(java_script_enabled=False)
    context.add_cookies(js_page.context.cookies())
    page = context.new_page()
    page.goto(f"{base_url}/mina-sidor/arenden/{reference}")

    page.get_by_role("button", name="Skicka meddelande").click()
    expect(page).to_have_title(re.compile(r"^Fel: "))
    expect(page.get_by_role("alert")).to_contain_text("Skriv ett meddelande eller bifoga en fil")
    page.get_by_label("Skriv ett meddelande").fill("Jag skickar ritningen i morgon.")
    page.get_by_role("button", name="Skicka meddelande").click()
    expect(page).to_have_url(re.compile(rf"/mina-sidor/arenden/{reference}\?skickat=1#meddelanden$"))
    expect(
        page.locator("#meddelanden").get_by_role("status").filter(has_text="Ditt meddelande har skickats.")
    ).to_be_visible()
    expect(page.locator(".message--mine")).to_contain_text("Jag skickar ritningen i morgon.")
    expect(page.get_by_label("Skriv ett meddelande")).to_have_value("")

    officer_writes(case_id, "Tack, vi väntar på den.")
    page.reload()
    expect(page.locator(".message--theirs")).to_contain_text("Tack, vi väntar på den.")
    context.close()


def test_a_supplement_request_is_answered_with_new_values_text_and_a_file(page: Page, browser: Browser, base_url):
    case_id, reference = sara_with_case()
    run_async(
        conversations.request_supplement,
        case_id,
        None,
        message="Ange ditt fullständiga namn och bifoga en ritning.",
        fields=["namn"],
        due_date=date.today() + timedelta(days=10),
        now=clock.now(),
    )
    log_in_with_bankid(page, browser, base_url, SARA)
    expect(page.locator(".case-list__item").filter(has_text=reference)).to_contain_text("Komplettering senast den")
    assert_accessible(page)
    page.get_by_role("link", name="Bygglov för tillbyggnad").first.click()
    task = page.locator(".task")
    expect(task).to_contain_text("Ange ditt fullständiga namn och bifoga en ritning.")
    assert_accessible(page)
    task.get_by_role("link", name="Komplettera").click()

    expect(page.get_by_label("Namn")).to_have_value("Sara Ali")
    assert_accessible(page)
    page.get_by_label("Namn").fill("")
    page.get_by_role("button", name="Skicka kompletteringen").click()
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_be_focused()
    assert_accessible(page)
    page.get_by_label("Namn").fill("Sara Ali Svensson")
    page.get_by_label("Ditt svar (frivilligt)").fill("Här kommer ritningen.")
    page.get_by_label("Bifoga filer (frivilligt)").set_input_files(
        {"name": "ritning.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Skicka kompletteringen").click()

    expect(page).to_have_url(re.compile(rf"/mina-sidor/arenden/{reference}"))
    expect(page.locator(".task")).to_have_count(0)
    answer = page.locator(".supplement-answer")
    expect(answer).to_contain_text("Här kommer ritningen.")
    expect(answer).to_contain_text("Ändrat från Sara Ali till Sara Ali Svensson")
    expect(page.locator(".timeline")).to_contain_text("Kompletteringen skickades")
    assert_accessible(page)
    case = run_async(CaseRecord.objects().where(CaseRecord.id == case_id).output(load_json=True).first().run)
    assert case.answers["namn"] == "Sara Ali Svensson" and case.status == "in_progress"  # back with the officer


def test_an_overdue_supplement_is_marked(page: Page, browser: Browser, base_url):
    case_id, reference = sara_with_case()
    run_async(
        conversations.request_supplement,
        case_id,
        None,
        message="Skicka situationsplanen.",
        fields=[],
        due_date=date.today() - timedelta(days=2),
        now=clock.now() - timedelta(days=20),
    )
    log_in_with_bankid(page, browser, base_url, SARA)
    expect(page.locator(".case-list__item").filter(has_text=reference).locator(".tag--overdue")).to_contain_text(
        "Komplettering försenad sedan den"
    )
    page.goto(f"{base_url}/mina-sidor/arenden/{reference}")
    expect(page.locator(".task .tag--overdue")).to_contain_text("Försenad")
    page.set_viewport_size({"width": 320, "height": 640})
    assert_no_horizontal_scroll(page)
    assert_accessible(page)


def test_a_closed_case_shows_its_decision_and_when_it_is_deleted(page: Page, browser: Browser, base_url):
    _case_id, _reference = sara_with_case(
        status="closed", closed_at=clock.now() - timedelta(days=60), decision="Bygglov beviljas enligt ansökan."
    )
    log_in_with_bankid(page, browser, base_url, SARA, "/mina-sidor/arenden?grupp=avslutade")
    expect(page.locator(".case-list__item")).to_contain_text("Raderas")
    assert_accessible(page)
    page.get_by_role("link", name="Bygglov för tillbyggnad").click()
    expect(page.locator(".decision")).to_have_text("Bygglov beviljas enligt ansökan.")
    expect(page.get_by_role("heading", name="Kan jag ta bort ärendet?")).to_be_visible()
    expect(page.locator("#meddelanden")).to_contain_text("inte längre att skicka meddelanden")
    expect(page.get_by_label("Skriv ett meddelande")).to_have_count(0)
    assert_accessible(page)


def test_acting_for_an_organisation_shares_its_cases_with_every_representative(page: Page, browser: Browser, base_url):
    run_async(make_service_with_form, slug="markupplatelse", title="Markupplåtelse")
    log_in_with_bankid(page, browser, base_url, ERIK, "/mina-sidor/organisationer")
    assert_accessible(page)
    page.get_by_label("Organisationsnummer").fill("559204-8177")
    page.get_by_role("button", name="Lägg till organisationen").click()
    expect(page.get_by_role("alert")).to_be_focused()
    expect(page.locator("#organisation_number-error")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Lägg till Kinna Bygg & Fastighet AB").click()
    expect(page).to_have_url(re.compile(r"tillagd=5592048176"))
    expect(page.get_by_role("button", name="Ta bort Kinna Bygg & Fastighet AB")).to_be_visible()
    assert_accessible(page)  # the list with the organisation and its confirmation

    page.goto(f"{base_url}/e-tjanster/markupplatelse/starta")
    page.get_by_label("Kinna Bygg & Fastighet AB").check()
    assert_accessible(page)
    page.get_by_role("button", name="Starta nu").click()
    page.get_by_label("Namn").fill("Kinna Bygg & Fastighet AB")
    page.get_by_label("Alfa").check()
    page.get_by_role("button", name="Fortsätt", exact=True).click()
    page.get_by_role("button", name="Fortsätt", exact=True).click()  # no attachments
    page.get_by_role("button", name="Fortsätt", exact=True).click()  # no co-applicants
    page.get_by_role("button", name="Skicka in ansökan").click()
    reference = page.locator(".confirmation__reference strong").inner_text()

    johan = browser.new_context().new_page()
    log_in_with_bankid(johan, browser, base_url, JOHAN, "/mina-sidor/organisationer")
    expect(johan.get_by_text(reference)).to_have_count(0)
    johan.get_by_role("button", name="Lägg till Kinna Bygg & Fastighet AB").click()
    expect(johan).to_have_url(re.compile(r"tillagd=5592048176"))
    johan.goto(f"{base_url}/mina-sidor/arenden?grupp=pagaende")
    item = johan.locator(".case-list__item").filter(has_text=reference)
    expect(item).to_contain_text("för Kinna Bygg & Fastighet AB")
    assert_accessible(johan)
    item.get_by_role("link").click()
    expect(johan.get_by_role("heading", level=1)).to_have_text("Markupplåtelse")
    assert_accessible(johan)
    johan.context.close()


def test_a_saved_application_is_deleted_after_confirming(page: Page, browser: Browser, base_url):
    run_async(make_service_with_form, slug="markupplatelse", title="Markupplåtelse")
    log_in_with_bankid(page, browser, base_url, SARA, "/e-tjanster/markupplatelse/starta")
    page.get_by_role("button", name="Starta nu").click()
    page.get_by_label("Namn").fill("Sara")
    page.get_by_role("button", name="Spara och fortsätt senare").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor$"))
    for group, heading in (("att-signera", "Att signera"), ("sparade", "Sparade")):  # the groups' own lists
        page.goto(f"{base_url}/mina-sidor/arenden?grupp={group}")
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        assert_accessible(page)
    page.get_by_role("link", name="Ta bort Markupplåtelse").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vill du ta bort den sparade ansökan?")
    assert_accessible(page)
    page.get_by_role("button", name="Ja, ta bort ansökan").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor$"))
    expect(page.get_by_text("Den sparade ansökan Markupplåtelse har tagits bort.")).to_be_visible()
    expect(page.locator("#sparade-heading")).to_contain_text("(0)")


def test_the_dev_mail_viewer_shows_the_notices(page: Page, browser: Browser, base_url):
    case_id, reference = sara_with_case()
    run_async(_give_sara_an_address)
    officer_writes(case_id, "Vi behöver prata om din ansökan.")
    page.goto(f"{base_url}/_dev/mail")
    link = page.get_by_role("link", name=f"Nytt meddelande i ärende {reference}")
    expect(link).to_be_visible()
    assert_accessible(page)
    link.click()
    expect(page.locator("main")).to_contain_text("Logga in på Mina sidor")
    expect(page.locator("main")).not_to_contain_text("Vi behöver prata om din ansökan.")  # no case details by mail
    assert_accessible(page)


async def _give_sara_an_address() -> None:
    sara = await make_user(SARA)
    await sara.update_self({"email": "sara@example.se"})
