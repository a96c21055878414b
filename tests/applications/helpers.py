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
    return await post_page(client, page, draft_id, step, data, files=files, action=action)


def hidden(page: httpx.Response, name: str) -> str:
    """The value of the page's hidden field `name` ("" if it has none)."""
    match = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    return match.group(1) if match else ""


async def post_page(
    client: httpx.AsyncClient,
    page: httpx.Response,
    draft_id: str,
    step: str,
    data: dict,
    files: dict | None = None,
    action: str = "continue",
) -> httpx.Response:
    """Post the step as `page` (the step's page, fetched earlier) would: with what it showed."""
    form = {
        "_csrf_token": csrf_from(page.text),
        "step": step,
        "shown": hidden(page, "shown"),
        "_seen": hidden(page, "_seen"),
        "action": action,
        **data,
    }
    return await client.post(f"/ansokan/{draft_id}/steg/{step}", data=form, files=files)


async def autosave_page(client: httpx.AsyncClient, page: httpx.Response, draft_id: str, step: str, data: dict):
    """Autosave as htmx does from `page`: the whole form, without the action."""
    form = {"step": step, "_seen": hidden(page, "_seen"), **data}
    headers = {"HX-Request": "true", "x-csrftoken": csrf_from(page.text)}
    return await client.post(f"/ansokan/{draft_id}/autospara", data=form, headers=headers)
