"""Two tabs saving the same draft at the same moment: each keeps what it saved (a save writes only its own answers,
in one statement). Run on both engines: the race is the database's."""

from __future__ import annotations

import asyncio

import pytest

from db.applications import Draft
from tests.applications.helpers import post_step, start
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
ROUNDS = 40
TWO_STEPS = """
steps:
  - id: forsta
    title: Första
    fields:
      - {id: forsta_svar, type: text, label: Första svaret}
  - id: andra
    title: Andra
    fields:
      - {id: andra_svar, type: text, label: Andra svaret}
"""


async def _answers() -> dict:
    return (await Draft.objects().output(load_json=True).first()).answers


async def test_concurrent_autosaves_of_two_steps_lose_nothing(client, app):
    await make_service_with_form(TWO_STEPS, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/forsta")
    headers = {"HX-Request": "true", "x-csrftoken": csrf_from(page.text)}

    async def autosave(step: str, value: str):
        return await client.post(
            f"/ansokan/{draft_id}/autospara", data={"step": step, f"{step}_svar": value}, headers=headers
        )

    lost = []
    for number in range(ROUNDS):
        first, second = await asyncio.gather(autosave("forsta", f"ett {number}"), autosave("andra", f"två {number}"))
        assert first.status_code == second.status_code == 200
        assert "Sparat kl." in first.text and "Sparat kl." in second.text  # both were told their answer is saved
        answers = await _answers()
        if answers != {"forsta_svar": f"ett {number}", "andra_svar": f"två {number}"}:
            lost.append((number, answers))
    assert lost == [], f"{len(lost)} of {ROUNDS} rounds lost an acknowledged answer: {lost[:3]}"


async def test_concurrent_step_posts_of_two_steps_lose_nothing(client, app):
    await make_service_with_form(TWO_STEPS, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    for number in range(ROUNDS // 4):
        first, second = await asyncio.gather(
            post_step(client, draft_id, "forsta", {"forsta_svar": f"ett {number}"}),
            post_step(client, draft_id, "andra", {"andra_svar": f"två {number}"}),
        )
        assert first.status_code == second.status_code == 303
        assert await _answers() == {"forsta_svar": f"ett {number}", "andra_svar": f"två {number}"}
