"""Error pages: Swedish, in the layout, with a reference for the contact centre on a 500."""

from __future__ import annotations

import io
import json
import logging

import httpx
import pytest
from litestar import get
from litestar.exceptions import PermissionDeniedException

from core.logging import JsonFormatter

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"


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


def find_applicant(personal_number: str) -> None:
    register_row = {"personnummer": personal_number}  # a local value
    raise KeyError(f"no register row for {register_row['personnummer']}")


@get("/test-crash-with-personal-data", include_in_schema=False)
async def crash_with_personal_data() -> None:
    personal_number = ERIK
    try:
        find_applicant(personal_number)
    except KeyError as error:
        raise RuntimeError(f"could not show the case of {personal_number}") from error


@get("/test-forbidden", include_in_schema=False)
async def forbidden() -> None:
    raise PermissionDeniedException()


@pytest.fixture
async def crashing_client(settings, db):
    from app import create_app

    application = create_app(settings)
    application.register(crash)
    application.register(crash_with_personal_data)
    application.register(forbidden)
    transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
def error_log():
    """The lines the real formatter writes for the error handler's logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("eplatform.errors")
    logger.addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.removeHandler(handler)


async def test_crash_shows_a_reference_and_logs_type_and_frames(crashing_client, error_log):
    response = await crashing_client.get("/test-crash")
    assert response.status_code == 500
    assert "Tyvärr blev det fel hos oss" in response.text
    [line] = error_log()
    assert line["event"] == "unhandled_exception" and line["path"] == "/test-crash"
    assert line["error_ref"] in response.text
    assert line["exception"]["type"] == "RuntimeError"
    assert line["exception"]["frames"][-1]["function"] == "crash"
    assert "traceback" not in line  # Python's text form would carry the message


async def test_crash_log_names_types_frames_and_reference_but_not_the_personal_number(crashing_client, error_log):
    response = await crashing_client.get("/test-crash-with-personal-data")
    assert response.status_code == 500
    assert ERIK not in response.text
    [line] = error_log()
    assert ERIK not in json.dumps(line, ensure_ascii=False)
    assert line["error_ref"] in response.text
    crash = line["exception"]
    assert crash["type"] == "RuntimeError"
    assert crash["frames"][-1]["function"] == "crash_with_personal_data"
    assert crash["frames"][-1]["file"] == __file__
    assert crash["frames"][-1]["code"].startswith("raise RuntimeError(")
    cause = crash["cause"]
    assert cause["type"] == "KeyError"
    assert [frame["function"] for frame in cause["frames"]] == ["crash_with_personal_data", "find_applicant"]


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
