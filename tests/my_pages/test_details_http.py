"""Mina uppgifter: registered details and contact details with validation."""

from __future__ import annotations

import re

import pytest

from db.accounts import UserAccount
from tests.login import csrf_from, log_in

pytestmark = pytest.mark.usefixtures("db")
ERIK = "198112189876"
SARA = "199505199902"


async def save(client, **fields):
    page = await client.get("/mina-sidor/uppgifter")
    return await client.post("/mina-sidor/uppgifter", data={"_csrf_token": csrf_from(page.text), **fields})


async def test_contact_details_are_validated_normalised_and_saved(client, app):
    await log_in(client, app, ERIK)
    response = await save(client, email="Erik@Exempel.se", phone="070-123 45 67")
    assert response.status_code == 303
    account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
    assert (account.email, account.phone) == ("Erik@exempel.se", "+46701234567")
    page = await client.get(response.headers["location"])
    assert "Dina kontaktuppgifter har sparats" in page.text
    assert 'value="070-123 45 67"' in page.text


async def test_notices_are_chosen_on_my_details(client, app):
    await log_in(client, app, ERIK)
    page = await client.get("/mina-sidor/uppgifter")
    for kind in ("case_received", "message_received", "supplement_requested", "status_changed", "draft_expiring"):
        assert f'id="notice-{kind}" name="notices" type="checkbox" value="{kind}" checked' in page.text
    # What is true: notices go by e-mail only; the mobile number fills in forms.
    assert "Vi skickar aviseringar med e-post" in page.text and "Vi skickar inga sms" in page.text
    assert "eller det här mobilnumret" not in page.text
    wanted = ["case_received", "supplement_requested", "cosign_requested"]
    form = {"_csrf_token": csrf_from(page.text), "email": "erik@exempel.se", "phone": "", "notices": wanted}
    assert (await client.post("/mina-sidor/uppgifter", data=form)).status_code == 303
    account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).output(load_json=True).first()
    assert sorted(account.notices_off) == ["draft_expiring", "message_received", "status_changed"]
    again = await client.get("/mina-sidor/uppgifter")
    assert 'value="message_received">' in again.text and 'value="case_received" checked>' in again.text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "erik@", "phone": ""}, "email", "Ange en e-postadress i rätt format"),
        ({"email": "", "phone": "12"}, "phone", "Ange ett mobilnummer"),
        ({"email": "", "phone": "0320-21 70 00"}, "phone", "sms"),
        ({"email": "x" * 300 + "@exempel.se", "phone": ""}, "email", "för lång"),
    ],
)
async def test_bad_contact_details_are_explained_next_to_the_field_and_in_a_summary(
    client, app, fields, field, message
):
    await log_in(client, app, ERIK)
    response = await save(client, **fields)
    assert response.status_code == 400
    assert "<title>Fel: " in response.text
    summary = re.search(r'<div class="error-summary".*?</div>', response.text, re.S).group(0)
    assert f'href="#{field}"' in summary and message in summary
    assert f'id="{field}-error"' in response.text and message in response.text.split(f'id="{field}-error"')[1][:400]
    assert (
        f'aria-describedby="{field}-hint {field}-error"' in response.text
        or f'aria-describedby="{field}-error"' in response.text
    )
    for value in fields.values():
        assert f'value="{value}"' in response.text  # nothing the user typed is lost
    account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
    assert account.email == "" and account.phone == ""


async def test_empty_contact_details_are_allowed(client, app):
    await log_in(client, app, ERIK)
    await save(client, email="erik@exempel.se", phone="")
    response = await save(client, email="", phone="")
    assert response.status_code == 303
    account = await UserAccount.objects().where(UserAccount.personal_number == ERIK).first()
    assert account.email == ""


async def test_each_user_sees_only_their_own_details(client, app):
    await log_in(client, app, ERIK)
    await save(client, email="erik@exempel.se", phone="")
    client.cookies.clear()
    await log_in(client, app, SARA)
    page = await client.get("/mina-sidor/uppgifter")
    assert "Sara Ali" in page.text and "erik@exempel.se" not in page.text and "Erik" not in page.text


async def test_saving_needs_a_csrf_token(client, app):
    await log_in(client, app, ERIK)
    response = await client.post("/mina-sidor/uppgifter", data={"email": "a@b.se", "phone": ""})
    assert response.status_code == 403


async def test_anonymous_cannot_save(client):
    response = await client.post("/mina-sidor/uppgifter", data={"email": "a@b.se"})
    assert response.status_code in (303, 403)
