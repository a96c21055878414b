"""Error pages: Swedish, in the layout, with a reference for the contact centre on a 500."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from litestar import get
from litestar.exceptions import PermissionDeniedException

pytestmark = pytest.mark.usefixtures("db")


async def test_not_found_page_is_swedish_and_in_the_layout(client):
    response = await client.get("/finns-inte")
    assert response.status_code == 404
    assert '<html lang="sv">' in response.text
    assert "Sidan kunde inte hittas" in response.text
    assert 'href="#main"' in response.text  # the skip link of the layout


async def test_wrong_method_is_answered_in_swedish(client):
    response = await client.put("/e-tjanster", headers={"x-csrftoken": "x"})
    assert response.status_code in (403, 405)
    assert '<html lang="sv">' in response.text


@get("/test-crash", include_in_schema=False)
async def crash() -> None:
    raise RuntimeError("boom for the test")


@get("/test-forbidden", include_in_schema=False)
async def forbidden() -> None:
    raise PermissionDeniedException()


@pytest.fixture
async def crashing_client(settings, db):
    from app import create_app

    application = create_app(settings)
    application.register(crash)
    application.register(forbidden)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_crash_shows_a_reference_and_logs_a_structured_traceback(crashing_client, caplog):
    with caplog.at_level(logging.ERROR, logger="eplatform.errors"):
        response = await crashing_client.get("/test-crash")
    assert response.status_code == 500
    assert "Tyvärr blev det fel hos oss" in response.text
    record = next(r for r in caplog.records if r.getMessage() == "unhandled_exception")
    assert record.error_ref in response.text
    assert record.path == "/test-crash"
    from core.logging import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["error_ref"] == record.error_ref
    assert "RuntimeError: boom for the test" in line["traceback"]


async def test_crash_during_htmx_request_answers_with_a_fragment_for_the_error_region(crashing_client):
    response = await crashing_client.get("/test-crash", headers={"HX-Request": "true"})
    assert response.status_code == 500
    assert response.headers["HX-Retarget"] == "#htmx-error"
    assert "<html" not in response.text
    assert 'role="alert"' in response.text


async def test_forbidden_page_is_swedish_and_in_the_layout(crashing_client):
    response = await crashing_client.get("/test-forbidden")
    assert response.status_code == 403
    assert "Du har inte behörighet till sidan" in response.text
    assert '<html lang="sv">' in response.text
