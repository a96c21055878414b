"""Security headers and cookies on every kind of response."""

from __future__ import annotations

import httpx
import pytest

from tests.factories import PRODUCTION

pytestmark = pytest.mark.usefixtures("db")


@pytest.mark.parametrize("path", ["/", "/e-tjanster", "/om", "/finns-inte", "/healthz"])
async def test_every_response_carries_the_security_headers(client, path):
    response = await client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # dev mode is plain http


async def test_static_files_carry_the_security_headers_too(client, app):
    response = await client.get(app.state.assets.url("css/site.css"))
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_production_adds_hsts_and_secure_host_only_cookies(settings):
    from app import create_app

    production = create_app(settings.with_overrides(**PRODUCTION))
    transport = httpx.ASGITransport(app=production)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        response = await client.get("/om")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("__Host-csrf=") and "Secure" in cookie and "Path=/" in cookie


async def test_anonymous_visitors_get_no_session_and_only_session_cookies(client):
    response = await client.get("/")
    cookies = response.headers.get_list("set-cookie")
    assert [c.split("=", 1)[0] for c in cookies] == ["csrf"]
    for cookie in cookies:
        lowered = cookie.lower()
        assert "expires" not in lowered and "max-age" not in lowered
        assert "httponly" in lowered and "samesite=lax" in lowered


async def test_no_third_party_addresses_in_pages(client):
    response = await client.get("/")
    for attribute in ('src="http', "src='http", 'href="//', 'src="//'):
        assert attribute not in response.text
    assert 'rel="stylesheet" href="/static/' in response.text
