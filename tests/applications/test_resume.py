"""A saved application continues where the resident left off: the step they last saved or continued to, or the
check page once they had reached it (not step 1). A step that their answers no longer show is skipped back to the
first step."""

from __future__ import annotations

import pytest

from db.applications import Draft
from tests.applications.helpers import post_step, start
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
WITH_A_CONDITIONAL_STEP = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Namn, required: true}
      - {id: hund, type: yesno, label: "Har du hund?", required: true}
  - id: hunden
    title: Hunden
    show_if: {field: hund, equals: ja}
    fields:
      - {id: ras, type: text, label: Ras}
  - id: sist
    title: Sist
    fields:
      - {id: annat, type: text, label: Annat}
"""


async def _resumes_at(client, draft_id: str) -> str:
    response = await client.get(f"/ansokan/{draft_id}")
    assert response.status_code == 303
    return response.headers["location"].removeprefix(f"/ansokan/{draft_id}")


async def test_a_saved_application_continues_where_the_resident_left_off(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    assert await _resumes_at(client, draft_id) == "/steg/om_dig"
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})  # "Fortsätt": on to the files
    assert await _resumes_at(client, draft_id) == "/steg/bilagor"
    await post_step(client, draft_id, "bilagor", {})
    await post_step(client, draft_id, "parter", {}, action="save")  # "Spara och fortsätt senare" on the last step
    assert await _resumes_at(client, draft_id) == "/steg/parter"
    await post_step(client, draft_id, "parter", {})
    assert await _resumes_at(client, draft_id) == "/granska"
    # Changing an answer from the check page goes back there.
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig?tillbaka=granska")
    assert 'name="return_to" value="granska"' in page.text
    await post_step(client, draft_id, "om_dig", {"namn": "Erik A", "typ": "a", "return_to": "granska"})
    assert await _resumes_at(client, draft_id) == "/granska"
    # "Fortsätt" on the start page continues the saved application in the same place.
    start_page = await client.get("/e-tjanster/tjanst/starta")
    again = await client.post("/e-tjanster/tjanst/starta", data={"_csrf_token": csrf_from(start_page.text)})
    assert again.headers["location"] == f"/ansokan/{draft_id}"
    assert await _resumes_at(client, draft_id) == "/granska"


async def test_autosave_counts_as_having_been_on_the_step(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"})
    page = await client.get(f"/ansokan/{draft_id}/steg/parter")  # on to the last step, typing there
    autosaved = await client.post(
        f"/ansokan/{draft_id}/autospara",
        data={"step": "parter", "medsokande__1": "19850312-9820"},
        headers={"HX-Request": "true", "x-csrftoken": csrf_from(page.text)},
    )
    assert "Sparat kl." in autosaved.text
    assert await _resumes_at(client, draft_id) == "/steg/parter"


async def test_a_step_the_answers_no_longer_show_resumes_at_the_first_step(client, app):
    await make_service_with_form(WITH_A_CONDITIONAL_STEP, slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "hund": "ja"})
    await post_step(client, draft_id, "hunden", {"ras": "Tax"}, action="save")
    assert await _resumes_at(client, draft_id) == "/steg/hunden"
    # The step is hidden by an answer, or gone from the form, since the resident was there.
    for answers, step in (({"namn": "Erik", "hund": "nej"}, "hunden"), ({"namn": "Erik", "hund": "ja"}, "borttaget")):
        await Draft.update({Draft.answers: answers, Draft.current_step: step}).where(Draft.public_id == draft_id)
        assert await _resumes_at(client, draft_id) == "/steg/om_dig"
