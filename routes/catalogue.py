"""The start page, the e-service catalogue with search, e-service pages and their related forms."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote, urlencode

from litestar import MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, QueryParameter
from litestar.response import Template

from core import clock
from core.i18n import current_locale
from services import catalogue as catalogue_service
from services.catalogue import MAX_QUERY_LENGTH, CatalogueIndex
from web.htmx import VARY, wants_fragment
from web.pagination import Page, parse_page_number
from web.templating import render_fragment


async def _catalogue(request: Request) -> CatalogueIndex:
    return await request.app.state.catalogue.get()


def catalogue_url(query: str = "", category: str = "", page: int = 1) -> str:
    params = [("q", query), ("kategori", category), ("sida", str(page) if page > 1 else "")]
    encoded = urlencode([(name, value) for name, value in params if value])
    return f"/e-tjanster?{encoded}" if encoded else "/e-tjanster"


@get("/", name="start")
async def start_page(request: Request) -> Template:
    catalogue = await _catalogue(request)
    now = clock.now()
    return Template(
        "catalogue/start.html",
        context={
            "categories": catalogue.categories,
            "popular": catalogue.popular,
            "notices": catalogue.active_notices(now),
            "closed_ids": catalogue.closed_ids(now),
        },
    )


@get("/e-tjanster", name="catalogue")
async def catalogue_page(
    request: Request,
    search_text: Annotated[str, QueryParameter(name="q")] = "",
    category_slug: Annotated[str, QueryParameter(name="kategori")] = "",
    page_number: Annotated[str, QueryParameter(name="sida")] = "1",
) -> Response:
    catalogue = await _catalogue(request)
    now = clock.now()
    query = search_text.strip()[:MAX_QUERY_LENGTH]
    category = catalogue.category(category_slug) if category_slug else None
    slug = category.slug if category else ""
    results = catalogue.search(query, slug)
    page = Page.of(results, parse_page_number(page_number), request.app.state.settings.catalogue_page_size)
    fragment = wants_fragment(request)
    # A page link replaces the list it sits in, so focus moves to the new list's heading; typing keeps focus.
    focus_results = fragment and request.headers.get("HX-Trigger", "").startswith("page-link")
    context = {
        "query": query,
        "category": category,
        "unknown_category": bool(category_slug) and category is None,
        "categories": catalogue.categories,
        "page": page,
        "page_url": lambda number: catalogue_url(query, slug, number),
        "fragment": fragment,
        "focus_results": focus_results,
        "closed_ids": catalogue.closed_ids(now),
    }
    # The result list depends only on these and the index, so it is rendered once per index and reused. Which
    # e-services a notice closes changes with the time, not the index: it is part of the key.
    closed_key = tuple(sorted(context["closed_ids"]))
    cache_key = (
        current_locale(),
        query,
        slug,
        context["unknown_category"],
        page.number,
        fragment,
        focus_results,
        closed_key,
    )
    results_html = catalogue.rendered(
        cache_key,
        lambda: render_fragment(
            request, "catalogue/_results.html", {**context, "settings": request.app.state.settings}
        ),
    )
    if fragment:
        headers = {**VARY, "HX-Push-Url": catalogue_url(query, slug, page.number)}
        return Response(results_html, media_type=MediaType.HTML, headers=headers)
    context = {**context, "results_html": results_html, "notices": catalogue.active_notices(now)}
    return Template("catalogue/catalogue.html", context=context, headers=VARY)


async def _published_service(request: Request, slug: str):
    service = (await _catalogue(request)).service(slug)
    if service is None:
        raise NotFoundException()
    return service


@get("/e-tjanster/{slug:str}", name="e_service")
async def e_service_page(request: Request, slug: FromPath[str]) -> Template:
    """When a notice closes the e-service for new applications, that notice takes the start button's place."""
    catalogue = await _catalogue(request)
    service = catalogue.service(slug)
    if service is None:
        raise NotFoundException()
    now = clock.now()
    closed = catalogue.closed_by(service.id, now)
    notices = [notice for notice in catalogue.service_notices(service.id, now) if notice != closed]
    return Template("catalogue/e_service.html", context={"service": service, "notices": notices, "closed": closed})


@get("/e-tjanster/{slug:str}/blanketter/{filename:str}", name="related_document")
async def related_document(request: Request, slug: FromPath[str], filename: FromPath[str]) -> Response:
    service = await _published_service(request, slug)
    row = await catalogue_service.related_document(service, filename)
    if row is None:
        raise NotFoundException()
    return Response(
        content=bytes(row["content"]),
        media_type=row["content_type"],
        headers={
            # Filenames are ASCII slugs (checked when stored); filename* is there for any client that prefers it.
            "Content-Disposition": f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "public, max-age=3600",
        },
    )


route_handlers = [start_page, catalogue_page, e_service_page, related_document]
