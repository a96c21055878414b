"""Whole applications in Chromium: every demo form from the e-service page to the receipt, saving and resuming a
draft, a co-applicant signing, htmx conditions and uploads, and one journey with JavaScript turned off."""

from __future__ import annotations

import os
import re

import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from core.nouns import for_noun
from db.applications import FormVersion
from db.cases import Status
from db.catalogue import CacheStamp, Category, EService, OperatingNotice, RelatedDocument
from db.demo.catalogue import load_catalogue
from db.demo.forms import load_forms
from db.piccolo_app import APP_CONFIG
from tests.applications.journey import (
    BROWSER_JOURNEYS,
    ERIK,
    MARIA,
    MARIA_TYPED,
    FormDriver,
    demo_definition,
    demo_service,
    demo_slugs,
    label_pattern,
    make_file,
)
from tests.browser import (
    act_in_simulator,
    assert_accessible,
    assert_no_horizontal_scroll,
    log_in_with_bankid,
    run_async,
)
from tests.factories import clear_database

pytestmark = pytest.mark.browser
REFERENCE = re.compile(r"^\d{4}-\d{6}$")
DRAFT_STEP = re.compile(r"/ansokan/[0-9a-f-]{36}/steg/")

# Answers other than the driver's defaults (the first option): reveal more conditional questions, and keep the
# co-applicant fields hidden in the per-form journeys (co-signing has a test of its own).
CHOICES = {
    "ansokan-om-forskoleplats": {"annan_vardnadshavare": "nej"},
    "ledighet-fran-skolan": {"annan_vardnadshavare": "nej"},
    "ansokan-om-ekonomiskt-bistand": {"behov": ["hyra", "tandvard"], "tillgangar": "nej"},
    "synpunkter-och-klagomal": {"svarssatt": "epost"},
}


@pytest.fixture(scope="module", autouse=True)
def demo_forms(live_server):
    run_async(load_catalogue)
    run_async(load_forms)
    yield
    run_async(clear_database)


DEMO_TABLES = (Category, EService, RelatedDocument, OperatingNotice, CacheStamp, FormVersion)


async def _clear_all_but_the_demo_forms() -> None:
    for table in reversed(APP_CONFIG.table_classes):
        if table is Status:  # the shared default statuses come from the migrations; submission needs them
            await Status.delete().where(Status.e_service.is_not_null())
        elif table not in DEMO_TABLES:
            await table.delete(force=True)


@pytest.fixture(autouse=True)
def fresh_applications():
    """Every test starts without accounts, sessions, drafts or cases (the demo catalogue and forms stay)."""
    yield
    run_async(_clear_all_but_the_demo_forms)


# --- helpers ----------------------------------------------------------------------------------------------------------


def open_e_service(page: Page, browser: Browser, base_url: str, slug: str, person: str = ERIK) -> None:
    """The e-service's page, logged in first when the e-service requires it."""
    if demo_service(slug)["requires_login"]:
        log_in_with_bankid(page, browser, base_url, person, f"/e-tjanster/{slug}")
    else:
        page.goto(f"{base_url}/e-tjanster/{slug}")
    expect(page.get_by_role("heading", level=1)).to_have_text(demo_service(slug)["title"])


def start_application(page: Page, browser: Browser, base_url: str, slug: str, person: str = ERIK) -> None:
    open_e_service(page, browser, base_url, slug, person)
    page.get_by_role("link", name="Starta e-tjänsten").click()
    page.get_by_role("button", name="Starta nu").click()
    expect(page).to_have_url(DRAFT_STEP)


def sign_with_qr(page: Page, browser: Browser, base_url: str, person: str) -> None:
    page.get_by_role("button", name="Skriv under med QR-kod").click()
    expect(page.get_by_role("img", name="QR-kod för BankID")).to_be_visible()
    act_in_simulator(browser, base_url, "Skriv under", person)


def said(slug: str, message: str, **variables) -> str:
    """A sentence as the e-service says it, with its own noun ("Skicka in din felanmälan"; core.nouns)."""
    return for_noun(demo_service(slug)["noun"], message, **variables)


def submit_from_check_page(page: Page, browser: Browser, base_url: str, slug: str) -> None:
    expect(page.get_by_role("heading", level=2, name=said(slug, "Submit your application"))).to_be_visible()
    if demo_service(slug)["requires_signing"]:
        page.get_by_role("button", name="Fortsätt till underskrift").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(said(slug, "Sign the application"))
        sign_with_qr(page, browser, base_url, ERIK)
    else:
        page.get_by_role("button", name=said(slug, "Submit the application")).click()


def expect_receipt(page: Page, slug: str = "ansokan-om-bygglov") -> str:
    # The signing status page polls and moves on by itself (every 2 s with htmx, every 3 s without).
    heading = said(slug, "Your application has been received")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading, timeout=15_000)
    reference = page.locator(".confirmation__reference strong")
    expect(reference).to_have_text(REFERENCE)
    return reference.inner_text()


def section(page: Page, heading: str):
    return page.locator("section.case-group").filter(has=page.get_by_role("heading", name=re.compile("^" + heading)))


def save_log_out_and_resume(page: Page, browser: Browser, base_url: str, slug: str, via_my_pages: bool) -> None:
    """Save with "Spara och fortsätt senare", find the draft on Mina sidor, log out and in, and go back to it: to the
    step where it was saved."""
    title = demo_service(slug)["title"]
    saved_on, step_caption = page.url, page.locator(".caption__step").inner_text()
    hint = page.get_by_text(re.compile(r"De[nt] sparade .* raderas den")).inner_text()
    deleted_on = re.search(r"raderas den (\d{1,2} \w+ \d{4})", hint).group(1)
    page.get_by_role("button", name="Spara och fortsätt senare").click()
    expect(page).to_have_url(re.compile(r"/mina-sidor$"))
    expect(page.get_by_role("status").filter(has_text=said(slug, "Your application has been saved."))).to_be_visible()
    saved = section(page, "Sparade").get_by_role("listitem").filter(has_text=title)
    expect(saved).to_contain_text(f"Raderas den {deleted_on}")
    page.get_by_role("button", name=re.compile("Logga ut")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Du är utloggad")
    log_in_with_bankid(page, browser, base_url, ERIK)
    if via_my_pages:
        section(page, "Sparade").get_by_role("link", name=title, exact=True).click()
    else:
        page.goto(f"{base_url}/e-tjanster/{slug}")
        page.get_by_role("link", name="Starta e-tjänsten").click()
        expect(page.get_by_role("heading", name=said(slug, "You have a saved application"))).to_be_visible()
        page.get_by_role("link", name=said(slug, "Continue the saved application")).click()
    expect(page).to_have_url(saved_on)
    expect(page.locator(".caption__step")).to_have_text(step_caption)


# --- every demo form, start to receipt --------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", BROWSER_JOURNEYS)
def test_journey_from_e_service_page_to_receipt(page: Page, browser: Browser, base_url, tmp_path, slug):
    service, definition = demo_service(slug), demo_definition(slug)
    driver = FormDriver(page, definition, tmp_path, choices=CHOICES.get(slug, {}))
    start_application(page, browser, base_url, slug)
    expect(page.locator(".caption__step")).to_have_text(re.compile(r"Steg 1 av \d+"))
    assert_accessible(page)

    # Continuing without answering: the error summary takes focus and the title says there is an error. (The driver
    # checks every step with axe, and the error state of each step that asks for an answer: this one included.)
    driver.press_continue()
    summary = page.get_by_role("alert").filter(has_text="Det finns ett problem")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Fel: "))
    first_error = summary.get_by_role("link").first
    target = first_error.get_attribute("href")
    first_error.click()
    expect(page.locator(target)).to_be_focused()

    if service["allows_drafts"]:
        first = driver.current_step().id
        driver.complete(steps=len(definition.steps) // 2)
        left_on = page.url
        save_log_out_and_resume(page, browser, base_url, slug, via_my_pages=demo_slugs().index(slug) % 2 == 0)
        page.goto(re.sub(r"/steg/[a-z0-9_]+$", f"/steg/{first}", left_on))  # the first step kept its answers
        driver.expect_answers_kept(first)
        page.goto(left_on)

    driver.complete(refill=False)
    assert_accessible(page)
    for name in driver.uploaded.values():
        expect(page.locator("main")).to_contain_text(name)
    submit_from_check_page(page, browser, base_url, slug)
    expect_receipt(page, slug)
    assert_accessible(page)


# --- a co-applicant signs too -----------------------------------------------------------------------------------------


def test_co_applicant_signs_on_my_pages(page: Page, browser: Browser, base_url, tmp_path):
    slug = "ansokan-om-bygglov"
    driver = FormDriver(
        page, demo_definition(slug), tmp_path, choices={"ensam_agare": "nej", "delagare": [MARIA_TYPED]}
    )
    start_application(page, browser, base_url, slug)
    driver.complete()
    expect(page.locator("main")).to_contain_text("19850312-9820")
    submit_from_check_page(page, browser, base_url, slug)
    expect(page.get_by_role("heading", level=1)).to_have_text("Väntar på signatur från annan part", timeout=15_000)
    expect(page.locator(".status-list")).to_contain_text("19850312-9820")
    assert_accessible(page)

    maria_context = browser.new_context()
    maria = maria_context.new_page()
    log_in_with_bankid(maria, browser, base_url, MARIA)
    section(maria, "Att signera").get_by_role("link", name="Ansökan om bygglov", exact=True).click()
    expect(maria.get_by_role("heading", level=1)).to_have_text("Läs och skriv under ansökan")
    expect(maria.locator("main")).to_contain_text(driver.answers["fastighetsbeteckning"])
    expect(maria.locator("main")).to_contain_text(driver.uploaded["ritningar"])
    assert_accessible(maria)
    sign_with_qr(maria, browser, base_url, MARIA)
    expect(maria).to_have_url(re.compile(r"/mina-sidor/arenden/\d{4}-\d{6}$"), timeout=15_000)
    expect(maria.locator("main")).to_contain_text("Du har skrivit under. Ansökan har skickats in med ärendenummer")
    expect(maria.get_by_role("heading", level=1)).to_have_text("Ansökan om bygglov")
    assert_accessible(maria)
    maria_context.close()

    page.goto(f"{base_url}/mina-sidor")
    ongoing = section(page, "Inskickade och pågående")
    expect(ongoing.get_by_role("listitem").filter(has_text="Ansökan om bygglov")).to_contain_text(
        re.compile(r"\d{4}-\d{6}")
    )
    expect(section(page, "Sparade")).to_contain_text("Inga sparade ansökningar")


def test_co_applicant_declines_and_the_applicant_sees_why(page: Page, browser: Browser, base_url, tmp_path):
    slug = "ansokan-om-bygglov"
    driver = FormDriver(
        page, demo_definition(slug), tmp_path, choices={"ensam_agare": "nej", "delagare": [MARIA_TYPED]}
    )
    start_application(page, browser, base_url, slug)
    driver.complete()
    submit_from_check_page(page, browser, base_url, slug)
    expect(page.get_by_role("heading", level=1)).to_have_text("Väntar på signatur från annan part", timeout=15_000)

    maria_context = browser.new_context()
    maria = maria_context.new_page()
    log_in_with_bankid(maria, browser, base_url, MARIA)
    to_sign = section(maria, "Att signera").get_by_role("listitem").filter(has_text="Ansökan om bygglov")
    expect(to_sign).to_contain_text("Från Erik Andersson")
    to_sign.get_by_role("link", name="Ansökan om bygglov", exact=True).click()
    expect(maria.locator(".lead")).to_contain_text("Erik Andersson har angett dig som medsökande")
    reason = "Fastigheten är fel: Kinna4:12-och-inte-Kinna4:13-som-står-i-ansökan-om-bygglovet"
    maria.get_by_label("Varför vill du inte skriva under? (frivilligt)").fill(reason)
    maria.get_by_role("button", name="Avböj att skriva under").click()
    expect(maria.get_by_role("status")).to_contain_text("Du har avböjt att skriva under.")
    assert_accessible(maria)
    maria_context.close()

    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{base_url}/mina-sidor")
    saved = section(page, "Sparade").get_by_role("listitem").filter(has_text="Ansökan om bygglov")
    expect(saved).to_contain_text("Behöver åtgärdas")
    expect(saved).to_contain_text(reason)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    saved.get_by_role("link", name="Ansökan om bygglov", exact=True).click()
    expect(page.locator(".notice--warning")).to_contain_text(
        f"En medsökande avböjde att skriva under. Anledning: {reason}"
    )
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


# --- signing on this device -------------------------------------------------------------------------------------------


def test_signing_on_this_device_in_the_same_tab_comes_back_and_submits(
    page: Page, browser: Browser, base_url, tmp_path
):
    """ "Öppna BankID-appen" opens the dev BankID app in the same tab; signing there returns to the signing's status
    page, which collects the signature and shows the receipt (it used to land on the login's status page)."""
    slug = "ansokan-om-bygglov"
    driver = FormDriver(page, demo_definition(slug), tmp_path)
    start_application(page, browser, base_url, slug)
    driver.complete()
    page.get_by_role("button", name="Fortsätt till underskrift").click()
    page.get_by_role("button", name="Skriv under på den här enheten").click()
    page.get_by_role("link", name="Öppna BankID-appen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("BankID-simulator")
    assert_accessible(page)
    page.locator(".sim-order").get_by_role("button", name="Skriv under").click()
    expect_receipt(page)


# --- htmx: conditions on the same step, autosave ----------------------------------------------------------------------


def test_condition_on_the_same_step_appears_without_reload(page: Page, browser: Browser, base_url, tmp_path):
    slug = "ansokan-om-forskoleplats"
    definition = demo_definition(slug)
    start_application(page, browser, base_url, slug)
    page.evaluate("window.notReloaded = true")
    status = page.locator("#autosave-status")

    page.get_by_label("Barnets personnummer", exact=True).fill("20170101-2393")
    expect(status).to_contain_text(re.compile(r"Sparat kl\. \d\d\.\d\d"), timeout=5_000)

    question = definition.field("syskonens_forskola")
    expect(page.get_by_label(question.label, exact=True)).to_have_count(0)
    yes = page.locator("#falt-syskon").get_by_label("Ja", exact=True)
    yes.click()
    expect(page.get_by_label(question.label, exact=True)).to_be_visible()
    expect(yes).to_be_focused()
    expect(status).to_contain_text(f"Ny fråga: {question.label}")
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)

    # The server knows the question was shown: "Fortsätt" checks it instead of showing it as new.
    driver = FormDriver(page, definition, tmp_path)
    driver.press_continue()
    expect(page.get_by_role("alert").filter(has_text="Det finns ett problem")).to_contain_text(question.label)
    assert_accessible(page)
    page.get_by_label(question.label, exact=True).fill("Lindens förskola")
    driver.press_continue()
    expect(page).to_have_url(re.compile(r"/steg/platsen$"))


# --- without JavaScript -----------------------------------------------------------------------------------------------


def test_journey_without_javascript(browser: Browser, base_url, tmp_path):
    slug = "ansokan-om-bygglov"
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    definition = demo_definition(slug)
    driver = FormDriver(page, definition, tmp_path, javascript=False)
    start_application(page, browser, base_url, slug)
    driver.complete(steps=1)

    # Choosing to build reveals the area question, shown after "Fortsätt" with a notice that links to it.
    expect(page).to_have_url(re.compile(r"/steg/atgard$"))
    area = definition.field("byggnadsarea")
    expect(page.get_by_label(area.label, exact=True)).to_have_count(0)
    driver.fill_step()
    driver.press_continue()
    notice = page.get_by_role("status").filter(has_text="Dina svar har lett till fler frågor")
    expect(notice.get_by_role("link", name=area.label)).to_have_attribute("href", "#byggnadsarea")
    expect(page.get_by_label(area.label, exact=True)).to_be_empty()
    expect(page.locator(".error-summary")).to_have_count(0)

    driver.complete()  # the area, then the drawings uploaded with "Ladda upp fil" (each posts the whole step)
    assert set(driver.uploaded) == {"ritningar", "ovriga_handlingar"}
    for name in driver.uploaded.values():
        expect(page.locator("main")).to_contain_text(name)

    # "Ändra" leads to the question and back to the check page.
    page.get_by_role("link", name="Ändra fastighetsbeteckning").click()
    expect(page).to_have_url(re.compile(r"/steg/fastighet\?tillbaka=granska"))
    driver.check_accessible()
    page.get_by_label("Fastighetsbeteckning", exact=True).fill("Kinna 4:12")
    driver.press_continue()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kontrollera dina svar innan du skickar in")
    expect(page.locator("main")).to_contain_text("Kinna 4:12")

    page.get_by_role("button", name="Fortsätt till underskrift").click()
    sign_with_qr(page, browser, base_url, ERIK)
    expect(page).to_have_url(re.compile(r"/kvittens$"), timeout=15_000)
    expect_receipt(page)
    context.close()


# --- uploads with htmx ------------------------------------------------------------------------------------------------


def go_to_step(page: Page, step_id: str) -> None:
    page.goto(page.url.split("/steg/")[0] + f"/steg/{step_id}")
    expect(page).to_have_url(re.compile(f"/steg/{step_id}$"))


PROGRESS_WATCH = """id => {
    window.progressSeen = 0;
    const progress = document.getElementById(id);
    new MutationObserver(() => {
        if (!progress.hidden) window.progressSeen = Math.max(window.progressSeen, progress.value);
    }).observe(progress, {attributes: true});
}"""


def test_wrong_file_type_is_explained_next_to_the_field(page: Page, browser: Browser, base_url, tmp_path):
    slug = "ansokan-om-fardtjanst"
    start_application(page, browser, base_url, slug)
    go_to_step(page, "intyg")
    page.evaluate("window.notReloaded = true")
    contact = page.get_by_label(label_pattern(demo_definition(slug).field("vardkontakt")))
    contact.fill("Vårdcentralen i Kinna")
    field = page.locator("#falt-lakarintyg")
    upload_button = field.get_by_role("button", name="Ladda upp fil")

    text_file = tmp_path / "anteckningar.txt"
    text_file.write_text("Det här är ingen bild.\n", encoding="utf-8")
    page.locator("#lakarintyg").set_input_files(text_file)
    upload_button.click()
    expect(field.get_by_role("alert")).to_have_text(
        "Fel: anteckningar.txt: Filen måste vara en PDF, JPG, PNG eller HEIC."
    )
    expect(page.locator("#lakarintyg")).to_be_focused()
    expect(page.locator("#lakarintyg")).to_have_attribute("aria-invalid", "true")
    expect(contact).to_have_value("Vårdcentralen i Kinna")
    expect(field.locator(".file-list__item")).to_have_count(0)
    expect(page.locator("#progress-lakarintyg")).to_be_hidden()
    expect(upload_button).to_be_enabled()
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)

    # A photo of a few MB: the progress bar shows while it is sent, and hides again.
    image = tmp_path / "intyg.png"
    Image.frombytes("RGB", (1200, 1000), os.urandom(1200 * 1000 * 3)).save(image)
    page.evaluate(PROGRESS_WATCH, "progress-lakarintyg")
    page.locator("#lakarintyg").set_input_files(image)
    upload_button.click()
    expect(field.locator(".file-list__item")).to_contain_text("intyg.png")
    expect(page.locator("#progress-lakarintyg")).to_be_hidden()
    assert page.evaluate("window.progressSeen") > 0, "the upload progress was never shown"
    expect(field.get_by_role("alert")).to_have_count(0)
    expect(field.get_by_role("status")).to_have_text("Filen har laddats upp.")
    expect(contact).to_have_value("Vårdcentralen i Kinna")
    assert page.evaluate("window.notReloaded") is True
    assert_accessible(page)


def test_uploaded_file_is_not_attached_twice(page: Page, browser: Browser, base_url, tmp_path):
    slug = "felanmalan-gata-park-och-belysning"
    driver = FormDriver(page, demo_definition(slug), tmp_path)
    start_application(page, browser, base_url, slug)
    go_to_step(page, "bild")
    driver.fill_step()
    expect(page.locator("#falt-bilder .file-list__item")).to_have_count(1)
    driver.press_continue()
    go_to_step(page, "bild")
    uploaded = page.locator("#falt-bilder .file-list__item").all_inner_texts()
    assert len(uploaded) == 1, f"one file uploaded, the step lists {uploaded}"


def test_focus_stays_in_the_file_field_after_upload_and_removal(page: Page, browser: Browser, base_url, tmp_path):
    start_application(page, browser, base_url, "felanmalan-gata-park-och-belysning")
    go_to_step(page, "bild")
    field = page.locator("#falt-bilder")
    page.locator("#bilder").set_input_files(make_file(tmp_path, "png", "felet"))
    field.get_by_role("button", name="Ladda upp fil").press("Enter")
    expect(field.locator(".file-list__item")).to_have_count(1)
    expect(field.locator(":focus"), "focus after uploading").to_have_count(1, timeout=2_000)
    field.get_by_role("button", name=re.compile("^Ta bort")).press("Enter")
    expect(field.locator(".file-list__item")).to_have_count(0)
    expect(field.locator(":focus"), "focus after removing").to_have_count(1, timeout=2_000)


# --- content ----------------------------------------------------------------------------------------------------------


def test_optional_is_said_once(page: Page, browser: Browser, base_url):
    start_application(page, browser, base_url, "felanmalan-gata-park-och-belysning")
    for step_id in ("platsen", "bild"):
        go_to_step(page, step_id)
        labels = page.locator("main").locator("label, legend").all_inner_texts()
        assert not [label for label in labels if label.endswith("(frivilligt) (frivilligt)")], labels
