"""The catalogue over HTTP: start page, listing, search, category filter, htmx fragments, e-service pages."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_category, make_document, make_form, make_service

pytestmark = pytest.mark.usefixtures("db")


def main_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


async def building_catalogue():
    building = await make_category(slug="bygga-bo", name="Bygga och bo", sort_order=1)
    schools = await make_category(slug="barn-och-utbildning", name="Barn och utbildning", sort_order=2)
    await make_service(
        building,
        slug="andring-av-bygglov",
        title="Ändring av bygglov",
        summary="Ändra ett beviljat lov.",
        start_count=5,
    )
    await make_service(
        building,
        slug="ansokan-om-bygglov",
        title="Ansökan om bygglov",
        summary="Sök lov för att bygga nytt.",
        keywords="tillbyggnad, attefall",
        start_count=50,
    )
    await make_service(
        schools,
        slug="forskoleplats",
        title="Ansökan om förskoleplats",
        summary="Ansök om plats i förskola. Gäller inte bygglov.",
        start_count=99,
    )
    await make_service(building, slug="hemlig", title="Bygglov för test", published=False)
    return building, schools


def titles_in(html: str) -> list[str]:
    return re.findall(r'class="service-item__title"><a href="[^"]+">([^<]+)</a>', html)


async def test_start_page_shows_search_categories_and_popular_services(client):
    await building_catalogue()
    response = await client.get("/")
    assert response.status_code == 200
    text = main_text(response.text)
    assert 'role="search"' in response.text and 'action="/e-tjanster"' in response.text
    assert "Bygga och bo" in text and "2 e-tjänster" in text
    assert "Barn och utbildning" in text and "1 e-tjänst" in text
    popular = titles_in(response.text)
    assert popular[0] == "Ansökan om förskoleplats"
    assert "Bygglov för test" not in response.text


async def test_catalogue_lists_published_services_alphabetically(client):
    await building_catalogue()
    response = await client.get("/e-tjanster")
    assert response.status_code == 200
    assert titles_in(response.text) == ["Ansökan om bygglov", "Ansökan om förskoleplats", "Ändring av bygglov"]
    assert "3 e-tjänster" in main_text(response.text)


@pytest.mark.parametrize("query", ["ANDRING", "ändring", "Ändring", "andring av", "ÄNDR"])
async def test_search_ignores_case_and_diacritics(client, query):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": query})
    assert titles_in(response.text) == ["Ändring av bygglov"]


async def test_search_matches_word_prefixes_and_ranks_title_matches_first(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": "bygg"})
    found = titles_in(response.text)
    # Both titles contain "bygglov"; the preschool only mentions it in its summary, so it comes last.
    assert found[-1] == "Ansökan om förskoleplats"
    assert set(found[:2]) == {"Ändring av bygglov", "Ansökan om bygglov"}


async def test_search_finds_keywords_and_words_inside_compounds(client):
    await building_catalogue()
    by_keyword = await client.get("/e-tjanster", params={"q": "attefall"})
    assert titles_in(by_keyword.text) == ["Ansökan om bygglov"]
    inside_word = await client.get("/e-tjanster", params={"q": "skoleplats"})
    assert titles_in(inside_word.text) == ["Ansökan om förskoleplats"]


async def test_every_word_of_the_query_must_match(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": "bygglov ändring"})
    assert titles_in(response.text) == ["Ändring av bygglov"]


async def test_no_match_says_so_and_offers_a_way_forward(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": "zxqv"})
    assert response.status_code == 200
    text = main_text(response.text)
    assert "Ingen e-tjänst matchade ”zxqv”" in text
    assert 'href="/e-tjanster"' in response.text
    assert "0320-21 70 00" in text


async def test_category_filter_and_search_combine(client):
    await building_catalogue()
    only_schools = await client.get("/e-tjanster", params={"kategori": "barn-och-utbildning"})
    assert titles_in(only_schools.text) == ["Ansökan om förskoleplats"]
    assert "<h1>Barn och utbildning</h1>" in only_schools.text
    combined = await client.get("/e-tjanster", params={"q": "ansökan", "kategori": "bygga-bo"})
    assert titles_in(combined.text) == ["Ansökan om bygglov"]


async def test_unknown_category_shows_everything_with_a_notice(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"kategori": "finns-inte"})
    assert response.status_code == 200
    assert len(titles_in(response.text)) == 3
    assert "Kategorin du valde finns inte" in main_text(response.text)


async def test_htmx_request_gets_only_the_results_fragment(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": "bygglov", "kategori": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and "<main" not in response.text
    assert titles_in(response.text) == ["Ansökan om bygglov", "Ändring av bygglov", "Ansökan om förskoleplats"]
    assert response.headers["HX-Push-Url"] == "/e-tjanster?q=bygglov"
    assert "HX-Request" in response.headers["Vary"]
    # The result count is announced through the page's live region.
    assert 'data-hx-swap-oob="innerHTML:#search-status"' in response.text
    assert "3 e-tjänster matchar ”bygglov”" in response.text
    # Typing must not move focus away from the search box.
    assert "autofocus" not in response.text


async def test_full_page_varies_on_hx_request_and_history_restore_gets_the_page(client):
    await building_catalogue()
    plain = await client.get("/e-tjanster", params={"q": "bygglov"})
    assert "HX-Request" in plain.headers["Vary"]
    restore = await client.get(
        "/e-tjanster",
        params={"q": "bygglov"},
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in restore.text
    assert 'value="bygglov"' in restore.text


async def test_pages_of_results_link_to_each_other_and_keep_the_query(client, settings):
    category = await make_category(slug="manga")
    for number in range(settings.catalogue_page_size + 5):
        await make_service(category, title=f"Tjänst {number:02d}", summary="Gemensam text")
    first = await client.get("/e-tjanster", params={"q": "gemensam"})
    assert len(titles_in(first.text)) == settings.catalogue_page_size
    assert 'href="/e-tjanster?q=gemensam&amp;sida=2"' in first.text
    second = await client.get("/e-tjanster", params={"q": "gemensam", "sida": "2"})
    assert len(titles_in(second.text)) == 5
    assert "Visar 21–25 av 25" in main_text(second.text)
    from_link = await client.get(
        "/e-tjanster",
        params={"q": "gemensam", "sida": "2"},
        headers={"HX-Request": "true", "HX-Trigger": "page-link-2"},
    )
    assert "autofocus" in from_link.text


@pytest.mark.parametrize("page_number", ["0", "-3", "abc", "999", ""])
async def test_out_of_range_or_malformed_page_numbers_are_clamped(client, page_number):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"sida": page_number})
    assert response.status_code == 200
    assert len(titles_in(response.text)) == 3


async def test_very_long_queries_are_cut_not_refused(client):
    await building_catalogue()
    response = await client.get("/e-tjanster", params={"q": "bygglov " + "x" * 5000})
    assert response.status_code == 200


async def test_e_service_page_shows_everything_a_citizen_needs(client):
    category = await make_category(slug="bygga", name="Bygga och bo")
    service = await make_service(
        category,
        slug="bygglov",
        title="Ansökan om bygglov",
        summary="Sök lov för att bygga.",
        description="Du behöver bygglov för att **bygga nytt**.",
        before_you_start="- Fastighetsbeteckning\n- Ritningar",
        processing_time="Inom 10 veckor.",
        contact_name="Karin Andersson",
        contact_title="Bygglovshandläggare",
        contact_email="karin.andersson@mark.se",
        contact_phone="0320-21 71 00",
        requires_login=True,
        requires_signing=True,
        allows_coapplicants=True,
    )
    await make_document(service, title="Blankett: Ansökan om bygglov", filename="ansokan-om-bygglov.pdf")
    await make_form(service)
    response = await client.get("/e-tjanster/bygglov")
    assert response.status_code == 200
    text = main_text(response.text)
    for expected in [
        "Ansökan om bygglov",
        "Sök lov för att bygga.",
        "Fastighetsbeteckning",
        "Inom 10 veckor.",
        "Karin Andersson",
        "Bygglovshandläggare",
        "karin.andersson@mark.se",
        "Du loggar in med e-legitimation",
        "Du skriver under ansökan med e-legitimation",
        "Medsökande skriver också under",
        "Blankett: Ansökan om bygglov",
    ]:
        assert expected in text, expected
    assert "<strong>bygga nytt</strong>" in response.text
    assert 'href="tel:+46320217100"' in response.text
    assert 'href="/e-tjanster/bygglov/blanketter/ansokan-om-bygglov.pdf"' in response.text
    assert 'href="/e-tjanster/bygglov/starta"' in response.text


async def test_e_service_without_login_says_so(client):
    await make_service(slug="felanmalan", title="Felanmälan", requires_login=False, allows_drafts=False)
    text = main_text((await client.get("/e-tjanster/felanmalan")).text)
    assert "Ingen inloggning behövs" in text
    assert "kvittensen" in text


async def test_markdown_in_descriptions_cannot_inject_html(client):
    await make_service(slug="x", description="<script>alert(1)</script> [länk](javascript:alert(1))")
    response = await client.get("/e-tjanster/x")
    assert "<script>alert(1)</script>" not in response.text
    assert 'href="javascript:' not in response.text


@pytest.mark.parametrize("slug", ["finns-inte", "hemlig"])
async def test_unknown_and_unpublished_e_services_are_not_found(client, slug):
    await building_catalogue()
    response = await client.get(f"/e-tjanster/{slug}")
    assert response.status_code == 404
    assert "Sidan kunde inte hittas" in response.text


async def test_related_form_downloads_with_type_and_filename(client):
    service = await make_service(slug="bygglov")
    await make_document(service, filename="ansokan-om-bygglov.pdf", content=b"%PDF-1.4 demo")
    response = await client.get("/e-tjanster/bygglov/blanketter/ansokan-om-bygglov.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="ansokan-om-bygglov.pdf"')
    assert response.content == b"%PDF-1.4 demo"


async def test_forms_of_unknown_files_or_unpublished_services_are_not_found(client):
    hidden = await make_service(slug="dold", published=False)
    await make_document(hidden, filename="dold.pdf")
    await make_service(slug="synlig")
    assert (await client.get("/e-tjanster/dold/blanketter/dold.pdf")).status_code == 404
    assert (await client.get("/e-tjanster/synlig/blanketter/dold.pdf")).status_code == 404
    assert (await client.get("/e-tjanster/synlig/blanketter/..%2F..%2Fetc%2Fpasswd")).status_code == 404


async def test_start_page_shows_current_operating_notices_only(client):
    from datetime import timedelta

    from core import clock
    from db.catalogue import OperatingNotice, bump_version

    now = clock.now()
    await OperatingNotice.insert(
        OperatingNotice(title="Planerat underhåll i natt", body="E-tjänsterna är stängda 22–23.", starts_at=now),
        OperatingNotice(title="Gammalt avbrott", body="Över.", starts_at=now - timedelta(days=2), ends_at=now),
        OperatingNotice(title="Kommande arbete", body="Senare.", starts_at=now + timedelta(days=1)),
    )
    await bump_version()
    text = main_text((await client.get("/")).text)
    assert "Driftinformation" in text and "Planerat underhåll i natt" in text
    assert "Gammalt avbrott" not in text and "Kommande arbete" not in text
