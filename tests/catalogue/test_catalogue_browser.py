"""The catalogue in Chromium: live filtering with htmx, the same journey without JavaScript, accessibility."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser import assert_accessible, assert_no_horizontal_scroll, run_async
from tests.factories import clear_database, make_category, make_document, make_service

pytestmark = pytest.mark.browser


async def create_catalogue() -> None:
    building = await make_category(slug="bygga-bo", name="Bygga och bo", description="Bygglov och anmälan.")
    care = await make_category(slug="omsorg", name="Omsorg och stöd")
    bygglov = await make_service(
        building,
        slug="ansokan-om-bygglov",
        title="Ansökan om bygglov",
        summary="Sök lov för att bygga nytt.",
        description="Du behöver bygglov för att bygga nytt.",
        before_you_start="- Fastighetsbeteckning\n- Ritningar",
        processing_time="Inom tio veckor.",
        contact_name="Karin Andersson",
        contact_email="karin.andersson@mark.se",
        contact_phone="0320-21 71 00",
        requires_signing=True,
        allows_coapplicants=True,
        start_count=10,
    )
    await make_document(bygglov, title="Blankett: Ansökan om bygglov", filename="ansokan-om-bygglov.pdf")
    await make_service(building, slug="andring-av-bygglov", title="Ändring av bygglov", summary="Ändra lovet.")
    await make_service(care, slug="fardtjanst", title="Ansökan om färdtjänst", summary="Resor för dig som behöver.")
    for number in range(25):
        await make_service(
            care, slug=f"stod-{number:02d}", title=f"Stödtjänst {number:02d}", summary="Stöd i vardagen."
        )


@pytest.fixture(scope="module", autouse=True)
def catalogue_data():
    run_async(create_catalogue)
    yield
    run_async(clear_database)


def result_titles(page: Page) -> list[str]:
    return page.locator("#results .service-item__title a").all_inner_texts()


def test_typing_filters_the_list_live_and_keeps_focus_in_the_search_box(page: Page, base_url):
    page.goto(f"{base_url}/e-tjanster")
    page.evaluate("window.notReloaded = true")
    search = page.get_by_label("Sök e-tjänst")
    search.click()
    search.press_sequentially("ÄNDRING", delay=30)
    expect(page.locator("#results .service-item__title a")).to_have_text(["Ändring av bygglov"])
    expect(page).to_have_url(re.compile(r"/e-tjanster\?q=%C3%84NDRING$"))
    expect(page.get_by_role("status")).to_have_text(re.compile("1 e-tjänst matchar ”ÄNDRING”"))
    expect(search).to_be_focused()
    assert page.evaluate("window.notReloaded") is True
    expect(page).to_have_title(re.compile("Sökresultat för ”ÄNDRING”"))


def test_choosing_a_category_filters_and_back_restores_the_previous_list(page: Page, base_url):
    page.goto(f"{base_url}/e-tjanster?q=ans%C3%B6kan")
    expect(page.locator("#results .service-item__title a")).to_have_text(
        ["Ansökan om bygglov", "Ansökan om färdtjänst"]
    )
    page.get_by_label("Kategori").select_option(label="Omsorg och stöd")
    expect(page.locator("#results .service-item__title a")).to_have_text(["Ansökan om färdtjänst"])
    expect(page).to_have_url(re.compile(r"q=ans%C3%B6kan&kategori=omsorg"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/e-tjanster\?q=ans%C3%B6kan$"))
    expect(page.locator("#results .service-item__title a")).to_have_text(
        ["Ansökan om bygglov", "Ansökan om färdtjänst"]
    )
    expect(page.get_by_label("Kategori")).to_have_value("")


def test_page_links_swap_the_list_and_move_focus_to_it(page: Page, base_url):
    page.goto(f"{base_url}/e-tjanster?kategori=omsorg")
    page.evaluate("window.notReloaded = true")
    page.get_by_role("navigation", name="Resultatsidor").get_by_role("link", name="Nästa sidan").click()
    expect(page).to_have_url(re.compile(r"kategori=omsorg&sida=2$"))
    expect(page.locator("#results-heading")).to_be_focused()
    expect(page.locator("#results-heading")).to_have_text(re.compile("Visar 21–26 av 26"))
    assert page.evaluate("window.notReloaded") is True


def test_search_works_the_same_without_javascript(browser, base_url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{base_url}/e-tjanster")
    page.get_by_label("Sök e-tjänst").fill("bygglov")
    page.get_by_label("Kategori").select_option(label="Bygga och bo")
    page.get_by_role("button", name="Sök").click()
    expect(page).to_have_url(re.compile(r"/e-tjanster\?q=bygglov&kategori=bygga-bo$"))
    assert result_titles(page) == ["Ansökan om bygglov", "Ändring av bygglov"]
    expect(page.get_by_role("status")).to_have_text(re.compile("2 e-tjänster matchar ”bygglov” i Bygga och bo"))
    page.get_by_role("link", name="Ansökan om bygglov").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ansökan om bygglov")
    context.close()


def test_start_page_search_leads_to_the_catalogue(page: Page, base_url):
    page.goto(base_url)
    page.get_by_label("Sök e-tjänst").fill("färdtjänst")
    page.get_by_label("Sök e-tjänst").press("Enter")
    expect(page).to_have_url(re.compile(r"/e-tjanster\?q=f%C3%A4rdtj%C3%A4nst$"))
    assert result_titles(page) == ["Ansökan om färdtjänst"]


def test_keyboard_user_can_skip_to_content(page: Page, base_url):
    page.goto(base_url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hoppa till huvudinnehållet")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


PAGES = [
    "/",
    "/e-tjanster",
    "/e-tjanster?q=zzzz",
    "/e-tjanster?kategori=omsorg&sida=2",
    "/e-tjanster/ansokan-om-bygglov",
    "/e-tjanster/ansokan-om-bygglov/starta",
    "/om",
    "/kakor",
    "/tillganglighet",
    "/kontakt",
    "/sidan-finns-inte",
]


@pytest.mark.parametrize("path", PAGES)
def test_page_has_no_accessibility_violations(page: Page, base_url, path):
    page.goto(base_url + path)
    assert_accessible(page)


@pytest.mark.parametrize("path", PAGES)
def test_page_fits_a_320_pixel_wide_screen(page: Page, base_url, path):
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(base_url + path)
    assert_no_horizontal_scroll(page)


GAP_ABOVE_FOOTER = """() => {
  const bottoms = [...document.querySelectorAll("main *")].map((el) => el.getBoundingClientRect().bottom);
  const last = Math.max(...bottoms);
  return document.querySelector("footer").getBoundingClientRect().top - last;
}"""


@pytest.mark.parametrize("path", ["/e-tjanster/ansokan-om-bygglov", "/kontakt", "/sidan-finns-inte"])
def test_the_last_button_or_link_keeps_a_gap_to_the_footer(page: Page, base_url, path):
    page.goto(base_url + path)
    assert page.evaluate(GAP_ABOVE_FOOTER) >= 32, "the page's last element touches the footer"


def test_live_search_results_are_accessible_after_a_swap(page: Page, base_url):
    page.goto(f"{base_url}/e-tjanster")
    page.get_by_label("Sök e-tjänst").press_sequentially("xyzzy", delay=20)
    expect(page.locator("#results")).to_contain_text("Ingen e-tjänst matchade ”xyzzy”")
    assert_accessible(page)
