"""Fingerprinted static files: long cache lifetimes, compression, revalidation."""

from __future__ import annotations

import gzip
import re

import pytest

pytestmark = pytest.mark.usefixtures("db")


async def test_pages_link_fingerprinted_assets_that_are_cached_for_a_year(client):
    page = await client.get("/")
    css_url = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page.text).group(1)
    js_url = re.search(r'src="(/static/vendor/htmx\.min\.[0-9a-f]{12}\.js)"', page.text).group(1)
    for url in (css_url, js_url):
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert (await client.get(css_url)).headers["Content-Type"].startswith("text/css")


async def test_assets_are_served_gzipped_when_the_browser_accepts_it(client, app):
    url = app.state.assets.url("vendor/htmx.min.js")
    response = await client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert response.headers["Content-Encoding"] == "gzip"
    plain = await client.get(url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers
    assert response.content == plain.content  # httpx decodes gzip transparently
    assert int(response.headers["Content-Length"]) < len(plain.content) / 2


async def test_unfingerprinted_names_revalidate_with_etags(client):
    response = await client.get("/static/css/site.css")
    assert response.headers["Cache-Control"] == "public, no-cache"
    again = await client.get("/static/css/site.css", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("path", ["/static/nope.css", "/static/../app.py", "/static/css/site.000000000000.css"])
async def test_unknown_static_paths_are_not_found(client, path):
    assert (await client.get(path)).status_code == 404


async def test_html_is_compressed(client):
    response = await client.get("/om", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_vendored_htmx_is_the_pinned_npm_version():
    import json
    from pathlib import Path

    pinned = json.loads(Path("package.json").read_text())["dependencies"]["htmx.org"]
    assert re.fullmatch(r"2\.0\.\d+", pinned)
    vendored = Path("static/vendor/htmx.min.js").read_bytes()
    packaged = Path("node_modules/htmx.org/dist/htmx.min.js").read_bytes()
    assert vendored == packaged, "run `make vendor` after changing the htmx pin"
    assert gzip.compress(vendored)  # sanity: it is a real file
