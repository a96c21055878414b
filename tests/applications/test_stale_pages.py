"""Two tabs (or devices) on the same draft: a page carries what it showed (the draft's answers version and an id of
its own, `_seen`), and a save from it never overwrites an answer that another page changed after it was shown. The
tab is told instead: autosave names the questions and offers to reload; a plain post comes back with the newer
answer in the field and what this page had written beside it. Answers nobody else changed are saved as usual, and
a page's own earlier saves never count against it."""

from __future__ import annotations

import pytest

from db.applications import Draft
from tests.applications.helpers import autosave_page, hidden, post_page, post_step, start
from tests.factories import make_service_with_form
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
OUT_OF_DATE = "Sidan är inte längre aktuell"
CHANGED_ELSEWHERE = "Svaret ändrades i ett annat fönster eller en annan flik efter att du öppnade sidan."


async def _answers() -> dict:
    return (await Draft.objects().output(load_json=True).first()).answers


async def _two_tabs(client, app) -> tuple[str, object, object]:
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"}, action="save")
    step = f"/ansokan/{draft_id}/steg/om_dig"
    return draft_id, await client.get(step), await client.get(step)


async def test_autosave_from_an_outdated_tab_keeps_the_newer_answer_and_says_so(client, app):
    draft_id, first, second = await _two_tabs(client, app)
    assert hidden(first, "_seen") != hidden(second, "_seen")  # each page is a page of its own
    newer = await autosave_page(client, second, draft_id, "om_dig", {"namn": "Erik Andersson", "typ": "a"})
    assert "Sparat kl." in newer.text
    # The first tab still shows "Erik"; its user types a number, and autosave sends the whole form.
    stale = await autosave_page(client, first, draft_id, "om_dig", {"namn": "Erik", "antal": "3", "typ": "a"})
    assert stale.status_code == 200
    assert OUT_OF_DATE in stale.text and 'data-hx-swap-oob="innerHTML"' in stale.text
    assert 'href="#namn"' in stale.text and "Ladda om sidan för att se de sparade svaren" in stale.text
    assert "Sparat kl." in stale.text  # the number was saved: nobody else had changed it
    answers = await _answers()
    assert answers["namn"] == "Erik Andersson" and answers["antal"] == "3"


async def test_a_post_from_an_outdated_tab_shows_the_newer_answer_beside_what_it_had(client, app):
    draft_id, first, second = await _two_tabs(client, app)
    await post_page(client, second, draft_id, "om_dig", {"namn": "Erik Andersson", "typ": "b", "detalj": "Mer"})
    posted = await post_page(client, first, draft_id, "om_dig", {"namn": "Erik Ändrad", "typ": "a"})
    assert posted.status_code == 409
    assert "Det finns ett problem" in posted.text and CHANGED_ELSEWHERE in posted.text
    assert "Du skrev: Erik Ändrad" in posted.text and "Du skrev: Alfa" in posted.text
    assert 'value="Erik Andersson"' in posted.text and 'value="b" checked' in posted.text  # the saved answers
    assert (await _answers())["namn"] == "Erik Andersson"
    # Seen now: the resident's next post from this page is theirs to make.
    again = await post_page(client, posted, draft_id, "om_dig", {"namn": "Erik Ändrad", "typ": "a"})
    assert again.status_code == 303 and (await _answers())["namn"] == "Erik Ändrad"


async def test_a_tab_own_autosaves_do_not_count_against_its_post(client, app):
    """Autosave and "Fortsätt" race when leaving a field: the post carries what the page was rendered with, and the
    answers its own autosave saved meanwhile are not someone else's."""
    draft_id, page, _other = await _two_tabs(client, app)
    await autosave_page(client, page, draft_id, "om_dig", {"namn": "Erik A", "typ": "a"})
    await autosave_page(client, page, draft_id, "om_dig", {"namn": "Erik An", "antal": "2", "typ": "a"})
    posted = await post_page(client, page, draft_id, "om_dig", {"namn": "Erik Andersson", "antal": "2", "typ": "a"})
    assert posted.status_code == 303 and (await _answers())["namn"] == "Erik Andersson"


async def test_tabs_on_different_steps_do_not_disturb_each_other(client, app):
    draft_id, first, _second = await _two_tabs(client, app)
    parties = await client.get(f"/ansokan/{draft_id}/steg/parter")
    assert (await post_page(client, parties, draft_id, "parter", {})).status_code == 303
    saved = await autosave_page(client, first, draft_id, "om_dig", {"namn": "Erik", "antal": "5", "typ": "a"})
    assert OUT_OF_DATE not in saved.text and (await _answers())["antal"] == "5"


async def test_questions_another_tab_left_empty_are_not_changes(client, app):
    """A page posts every question of its step, "" for those left empty: that is no answer another tab could lose."""
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    step = f"/ansokan/{draft_id}/steg/om_dig"
    first, second = await client.get(step), await client.get(step)
    await autosave_page(client, second, draft_id, "om_dig", {"namn": "Erik", "antal": "", "detalj": ""})
    saved = await autosave_page(client, first, draft_id, "om_dig", {"namn": "Erik", "antal": "3", "detalj": ""})
    assert OUT_OF_DATE not in saved.text and (await _answers())["antal"] == "3"
