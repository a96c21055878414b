"""HEAD answers as GET does, without the body (uptime monitors and link checkers use it); and the running server
names no software in its answers."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.usefixtures("db")

COMPARED = ("content-type", "content-length", "content-encoding", "location", "cache-control", "etag", "vary")


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/om",
        "/static/css/site.css",
        "/healthz",
        "/finns-inte",
        "/mina-sidor",  # needs login
    ],
)
@pytest.mark.parametrize("encoding", ["identity", "gzip"])
async def test_head_answers_as_get_does_without_a_body(client, path, encoding):
    headers = {"Accept-Encoding": encoding}
    await client.get("/om")  # a returning visitor: the CSRF cookie is already set, so both answers carry the same
    got = await client.get(path, headers=headers)
    head = await client.head(path, headers=headers)
    assert head.status_code == got.status_code
    assert head.content == b""
    assert {name: head.headers.get(name) for name in COMPARED} == {name: got.headers.get(name) for name in COMPARED}


async def test_head_of_a_fingerprinted_asset(client, app):
    url = app.state.assets.url("vendor/htmx.min.js")
    got = await client.get(url, headers={"Accept-Encoding": "identity"})
    head = await client.head(url, headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] == str(len(got.content))


def test_the_running_server_answers_head_and_sends_no_server_banner(live_server):
    with httpx.Client(base_url=live_server.url) as http:  # one kept-alive connection for all three
        head = http.head("/om")
        got = http.get("/om")
        missing = http.head("/finns-inte")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"]
    assert missing.status_code == 404 and missing.content == b""
    for response in (head, got, missing):
        assert "server" not in response.headers
