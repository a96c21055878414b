"""A session that ends while a step is open (idle timeout, or "Logga ut" in another tab): the resident is told they
have been logged out and logs in again without losing what the page holds. Autosave answers with the page's "Du har
loggats ut" panel (the page stays as it is), and a step posted without a login is kept for that browser and shown on
the same step once its owner has logged in there. Nobody else's post reaches the draft."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core import clock
from db.applications import Draft, HeldAnswers
from tests.applications.helpers import autosave_page, post_page, post_step, start
from tests.factories import make_service_with_form
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
SARA = "199505199902"
LOGGED_OUT = "Du har loggats ut"


async def _answers() -> dict:
    return (await Draft.objects().output(load_json=True).first()).answers


async def _end_session(client, how: str) -> None:
    """ "Logga ut" in another tab; an idle session ends as the clock moves past the timeout instead (`_later`)."""
    if how == "logged out in another tab":
        page = await client.get("/mina-sidor")
        assert (await client.post("/logga-ut", data={"_csrf_token": csrf_from(page.text)})).status_code == 303
    else:
        assert how == "idle"


ENDINGS = ["logged out in another tab", "idle"]


def _later(how: str, settings):
    if how == "idle":
        return clock.travel(timedelta(minutes=settings.session_idle_minutes + 1))
    return clock.travel(timedelta(0))


@pytest.mark.parametrize("how", ENDINGS)
async def test_autosave_after_the_session_ended_says_so_and_leaves_the_page_alone(client, app, settings, how):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    await _end_session(client, how)
    with _later(how, settings):
        response = await autosave_page(client, page, draft_id, "om_dig", {"namn": "Skrivet efteråt"})
    assert response.status_code == 200 and "HX-Redirect" not in response.headers  # the page is not left
    assert response.headers["HX-Reswap"] == "none"
    assert LOGGED_OUT in response.text and 'id="session-timeout"' in response.text
    assert 'data-hx-swap-oob="outerHTML"' in response.text  # replaces the page's session panel
    # "Logga in igen" posts the step's form, so what it holds goes along (see the next test).
    assert 'form="application-form"' in response.text and 'type="submit"' in response.text
    assert "Det du har skrivit på sidan finns kvar" in response.text
    assert 'id="application-form"' in page.text
    assert (await _answers()).get("namn") != "Skrivet efteråt"


@pytest.mark.parametrize("how", ENDINGS)
async def test_a_step_posted_after_the_session_ended_is_back_on_the_step_after_logging_in(client, app, settings, how):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"}, action="save")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    await _end_session(client, how)
    with _later(how, settings):
        posted = await post_page(client, page, draft_id, "om_dig", {"namn": "Erik Andersson", "antal": "4", "typ": "b"})
        step = f"/ansokan/{draft_id}/steg/om_dig"
        assert posted.status_code == 303
        assert posted.headers["location"] == f"/logga-in?next={step}&utloggad=1"
        login_page = await client.get(posted.headers["location"])
        assert LOGGED_OUT in login_page.text and "logga in igen, så kommer det tillbaka" in login_page.text
        assert f'href="/logga-in/bankid?next={step}"' in login_page.text
        logged_in = await log_in(client, app, ERIK, next_path=step)
        assert logged_in.headers["location"] == step
        back = await client.get(step)
    assert back.status_code == 200
    assert "Välkommen tillbaka" in back.text and "Det är inte sparat ännu" in back.text
    assert 'value="Erik Andersson"' in back.text and 'value="4"' in back.text
    assert 'value="b" checked' in back.text and "Detalj" in back.text  # what the answer revealed is shown too
    before = await _answers()
    assert (before["namn"], before["typ"]) == ("Erik", "a")  # shown, not saved behind the resident's back
    assert await HeldAnswers.count() == 0  # taken once
    # "Fortsätt" saves it (as the page they posted it from showed the answers: nothing changed since).
    saved = await post_page(client, back, draft_id, "om_dig", {"namn": "Erik Andersson", "antal": "4", "typ": "a"})
    assert saved.status_code == 303
    after = await _answers()
    assert (after["namn"], after["antal"], after["typ"]) == ("Erik Andersson", "4", "a")
    again = await client.get(step)
    assert "Välkommen tillbaka" not in again.text


async def test_a_post_held_over_the_login_is_still_checked_against_newer_answers(client, app, settings):
    """The page shown after the login says it shows what the page the post came from showed: a save from it cannot
    overwrite what another tab saved meanwhile."""
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    step = f"/ansokan/{draft_id}/steg/om_dig"
    old_page, other_tab = await client.get(step), await client.get(step)
    await _end_session(client, "logged out in another tab")
    await post_page(client, old_page, draft_id, "om_dig", {"namn": "Från fliken", "typ": "a"})
    await log_in(client, app, ERIK)
    saved = await autosave_page(client, other_tab, draft_id, "om_dig", {"namn": "Nyare", "typ": "a"})
    assert "Sparat kl." in saved.text
    back = await client.get(step)
    assert 'value="Från fliken"' in back.text
    refused = await post_page(client, back, draft_id, "om_dig", {"namn": "Från fliken", "typ": "a"})
    assert refused.status_code == 409 and "ändrades i ett annat fönster" in refused.text
    assert (await _answers())["namn"] == "Nyare"


async def test_what_a_visitor_posts_without_a_login_never_reaches_someone_elses_draft(client, app):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    await post_step(client, draft_id, "om_dig", {"namn": "Erik", "typ": "a"}, action="save")
    erik = dict(client.cookies)
    client.cookies.clear()
    page = await client.get("/logga-in/bankid")  # a stranger's browser that knows the address
    step = f"/ansokan/{draft_id}/steg/om_dig"
    posted = await client.post(
        step, data={"_csrf_token": csrf_from(page.text), "step": "om_dig", "namn": "Inkräktare", "typ": "b"}
    )
    assert posted.status_code == 303 and posted.headers["location"].startswith("/logga-in?")
    await log_in(client, app, SARA)  # the stranger logs in as herself
    assert (await client.get(step)).status_code == 404
    client.cookies.clear()
    client.cookies.update(erik)  # Erik, in his own browser, sees his own answers
    own = await client.get(step)
    assert 'value="Erik"' in own.text and "Inkräktare" not in own.text and "Välkommen tillbaka" not in own.text
    assert (await _answers())["namn"] == "Erik"


async def test_posting_a_missing_draft_without_a_login_answers_as_for_a_real_one(client):
    """The same login page and the same cookie, so nobody learns from it whether a draft exists (and nothing is
    kept for it)."""
    page = await client.get("/logga-in/bankid")
    missing = "0b8f8a1e-1111-4c4c-9a9a-123456789abc"
    posted = await client.post(
        f"/ansokan/{missing}/steg/om_dig", data={"_csrf_token": csrf_from(page.text), "namn": "Vem som helst"}
    )
    assert posted.status_code == 303
    assert posted.headers["location"] == f"/logga-in?next=/ansokan/{missing}/steg/om_dig&utloggad=1"
    assert posted.headers["set-cookie"].startswith(f"kvar-{missing}=")
    assert f"Path=/ansokan/{missing}" in posted.headers["set-cookie"] and "HttpOnly" in posted.headers["set-cookie"]
    assert await HeldAnswers.count() == 0


async def test_the_idle_panel_of_a_step_logs_in_again_with_what_the_page_holds(client, app, settings):
    await make_service_with_form(slug="tjanst")
    await log_in(client, app, ERIK)
    draft_id = await start(client, "tjanst")
    page = await client.get(f"/ansokan/{draft_id}/steg/om_dig")
    assert 'data-hx-get="/session/status?formular=application-form"' in page.text  # the step says which form
    with clock.travel(timedelta(minutes=settings.session_idle_minutes + 1)):
        expired = await client.get("/session/status?formular=application-form", headers={"HX-Request": "true"})
    assert LOGGED_OUT in expired.text and 'form="application-form"' in expired.text
    assert "inte hade gjort något på en stund" in expired.text
    other = await client.get("/session/status?formular=x%22%3E", headers={"HX-Request": "true"})  # not an id
    assert 'form="' not in other.text and "Logga in igen</a>" in other.text
