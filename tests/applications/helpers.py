"""Filling in applications over HTTP in tests, the way a browser without JavaScript does."""

from __future__ import annotations

import re

import httpx

from tests.login import csrf_from

DRAFT_URL = re.compile(r"/ansokan/([0-9a-f-]{36})")


async def start(client: httpx.AsyncClient, slug: str, action: str = "") -> str:
    """Start the e-service; returns the draft's id."""
    page = await client.get(f"/e-tjanster/{slug}/starta")
    assert page.status_code == 200, page.text
    data = {"_csrf_token": csrf_from(page.text)}
    if action:
        data["action"] = action
    started = await client.post(f"/e-tjanster/{slug}/starta", data=data)
    assert started.status_code == 303, started.text
    return DRAFT_URL.search(started.headers["location"]).group(1)


async def current_step(client: httpx.AsyncClient, draft_id: str) -> tuple[str, httpx.Response]:
    response = await client.get(f"/ansokan/{draft_id}", follow_redirects=True)
    step = re.search(r"/steg/([a-z0-9_]+)", str(response.url)).group(1)
    return step, response


async def post_step(
    client: httpx.AsyncClient, draft_id: str, step: str, data: dict, files: dict | None = None, action: str = "continue"
) -> httpx.Response:
    page = await client.get(f"/ansokan/{draft_id}/steg/{step}")
    shown = re.search(r'name="shown" value="([^"]*)"', page.text).group(1)
    form = {"_csrf_token": csrf_from(page.text), "step": step, "shown": shown, "action": action, **data}
    return await client.post(f"/ansokan/{draft_id}/steg/{step}", data=form, files=files)
