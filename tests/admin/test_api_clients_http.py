"""API clients in /admin (/admin/api-klienter; who may reach it: test_access_matrix.py): the list, creating a client
with its token shown once and kept as a hash, bad input per field in Swedish, revoking after a confirmation, and the
same clients as the command line (cli/api_clients.py) sees."""

from __future__ import annotations

import asyncio
import hashlib
import html
import json
import re
from datetime import date, timedelta

import pytest

from cli.api_clients import run
from db.api import ApiClient
from db.audit import AuditEntry
from services import api
from tests.factories import make_officer, make_service_with_form
from tests.login import csrf_from, log_in

ADMIN = "195504109884"
FUTURE = (date.today() + timedelta(days=365)).isoformat()


@pytest.fixture
async def admin_id(db):
    await make_service_with_form(slug="bygglov", title="Ansökan om bygglov")
    await make_service_with_form(slug="skolskjuts", title="Skolskjuts")
    return (await make_officer(ADMIN, "Kommunledningskontoret", role="admin")).id


@pytest.fixture
async def admin_client(client, app, admin_id):
    await log_in(client, app, ADMIN)
    return client


async def _create(client, **fields):
    page = await client.get("/admin/api-klienter/ny")
    assert page.status_code == 200
    data = {"name": "ByggR", "e_services": ["bygglov"], "scopes": ["read", "status"], "expires": FUTURE, **fields}
    return await client.post("/admin/api-klienter/ny", data={**data, "_csrf_token": csrf_from(page.text)})


def _token(response) -> str:
    match = re.search(r'<code id="token">([^<]+)</code>', response.text)
    assert match, response.text
    return html.unescape(match.group(1))


def _text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


async def test_the_admin_finds_the_clients_from_the_start_page(admin_client):
    start = await admin_client.get("/admin")
    assert 'href="/admin/api-klienter"' in start.text and "API-klienter" in start.text
    empty = await admin_client.get("/admin/api-klienter")
    assert empty.status_code == 200
    assert "Inga API-klienter" in empty.text and 'href="/admin/api-klienter/ny"' in empty.text


async def test_a_new_client_shows_its_token_once_and_only_its_hash_is_kept(admin_client, admin_id):
    created = await _create(admin_client, scopes=["read", "status", "messages"])
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    token = _token(created)
    assert "visas inte igen" in created.text
    assert str(created.url) == "http://testserver/admin/api-klienter/ny"  # the token is in no address
    text = _text(created)
    assert "Ansökan om bygglov" in text and "Lista och hämta ärenden" in text
    assert "Ändra ett ärendes status" in text and "Skriva meddelanden till den sökande" in text

    stored = await ApiClient.select().where(ApiClient.name == "ByggR").first()
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert json.loads(stored["e_services"]) == ["bygglov"]
    entries = await AuditEntry.select().where(AuditEntry.action == "api_client.created")
    assert [(entry["actor"], entry["target"]) for entry in entries] == [(admin_id, f"api_client:{stored['id']}")]
    everything_logged = json.dumps(await AuditEntry.select(), default=str)
    assert token not in everything_logged

    # The token works, and no later page shows it again.
    listed = await admin_client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200
    for path in ("/admin/api-klienter", f"/admin/api-klienter/{stored['id']}", "/admin/logg"):
        page = await admin_client.get(path)
        assert page.status_code == 200 and token not in page.text
    page = await admin_client.get(f"/admin/api-klienter/{stored['id']}")
    assert "ByggR" in page.text and "Aktiv" in page.text and f"{FUTURE}" in page.text


async def test_the_list_shows_every_client_with_its_state(admin_client):
    await api.create_client("Ecos", ["skolskjuts"], ["read"], date.today() + timedelta(days=10))
    await api.create_client("ByggR", ["bygglov", "skolskjuts"], ["status"], date.today() + timedelta(days=20))
    await api.create_client("Procapita", ["bygglov"], ["messages"], date.today() + timedelta(days=30))
    await api.revoke_client("Procapita")
    await ApiClient.update({ApiClient.expires_at: ApiClient.created_at - timedelta(days=1)}).where(
        ApiClient.name == "Ecos"
    )
    page = await admin_client.get("/admin/api-klienter")
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", page.text, re.S)]
    assert rows[0].startswith("Namn E-tjänster Behörigheter Sista giltighetsdag Skapad Status")
    assert [row.split()[0] for row in rows[1:]] == ["ByggR", "Ecos", "Procapita"]
    assert "Ansökan om bygglov Skolskjuts Ändra ett ärendes status" in rows[1] and rows[1].endswith("Aktiv")
    assert "Lista och hämta ärenden" in rows[2] and rows[2].endswith("Utgången")
    assert "Skriva meddelanden till den sökande" in rows[3] and "Återkallad" in rows[3]
    assert "3 API-klienter, efter namn" in page.text


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Skriv ett namn på klienten."),
        ({"name": "x" * 101}, "name", "Namnet får vara högst 100 tecken."),
        ({"name": "Ecos"}, "name", "Det finns redan en API-klient med det namnet."),
        ({"e_services": []}, "e_services", "Välj minst en e-tjänst."),
        ({"e_services": ["bygglov", "finns-inte"]}, "e_services", "Okända e-tjänster: finns-inte."),
        ({"scopes": []}, "scopes", "Välj minst en behörighet."),
        ({"scopes": ["read", "admin"]}, "scopes", "Behörigheterna ska vara bland: read, status, messages."),
        ({"expires": ""}, "expires", "Skriv sista giltighetsdagen som ett datum, till exempel 2027-12-31."),
        ({"expires": "2026-02-30"}, "expires", "Skriv sista giltighetsdagen som ett datum, till exempel 2027-12-31."),
        ({"expires": "31/12/2027"}, "expires", "Skriv sista giltighetsdagen som ett datum, till exempel 2027-12-31."),
        ({"expires": "2020-01-01"}, "expires", "Sista giltighetsdagen har redan passerat."),
    ],
)
async def test_bad_input_is_named_beside_its_field_and_in_the_summary(admin_client, changes, field, message):
    await api.create_client("Ecos", ["skolskjuts"], ["read"], date.today() + timedelta(days=10))
    typed = {"name": "Nytt system", "e_services": ["skolskjuts"], "scopes": ["messages"], "expires": "2099-01-31"}
    answer = await _create(admin_client, **{**typed, **changes})
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert re.search(rf'<a href="#{field}">{re.escape(html.escape(message))}</a>', answer.text), answer.text
    beside = re.search(rf'<p id="{field}-error" class="error-message">(.*?)</p>', answer.text, re.S)
    assert beside and message in html.unescape(beside.group(1))
    assert answer.text.count('class="error-message"') == 1  # only the field that is wrong
    assert re.search(
        rf'id="{field}"[^>]*aria-invalid="true"|aria-describedby="{field}-hint {field}-error"', answer.text
    )
    assert "<title>Fel:" in answer.text
    # Nothing typed is lost.
    kept = {**typed, **changes}
    assert f'value="{html.escape(kept["name"])}"' in answer.text
    for slug in kept["e_services"]:
        if slug != "finns-inte":
            assert re.search(rf'value="{slug}" checked', answer.text)
    for scope in kept["scopes"]:
        if scope != "admin":
            assert re.search(rf'name="scopes" type="checkbox" value="{scope}" checked', answer.text)
    assert f'value="{html.escape(kept["expires"])}"' in answer.text
    assert await ApiClient.count() == 1


async def test_every_problem_is_named_at_once_in_the_forms_order(admin_client):
    answer = await _create(admin_client, name="", e_services=[], scopes=[], expires="")
    assert answer.status_code == 400
    summary = re.search(r'<ul class="error-summary__list">(.*?)</ul>', answer.text, re.S).group(1)
    assert re.findall(r'href="#(\w+)"', summary) == ["name", "e_services", "scopes", "expires"]
    # The summary's links lead to the first checkbox of each group.
    assert 'id="e_services" name="e_services" type="checkbox"' in answer.text
    assert 'id="scopes" name="scopes" type="checkbox"' in answer.text


async def test_revoking_asks_first_and_records_the_administrator(admin_client, admin_id):
    token = _token(await _create(admin_client))
    client_id = (await ApiClient.select(ApiClient.id).first())["id"]
    page = await admin_client.get(f"/admin/api-klienter/{client_id}")
    assert f'href="/admin/api-klienter/{client_id}/aterkalla"' in page.text

    confirm = await admin_client.get(f"/admin/api-klienter/{client_id}/aterkalla")
    assert confirm.status_code == 200
    assert "Vill du återkalla ByggR?" in confirm.text
    assert f'<form method="post" action="/admin/api-klienter/{client_id}/aterkalla">' in confirm.text
    assert await ApiClient.count().where(ApiClient.revoked_at.is_null()) == 1  # asking changed nothing

    revoked = await admin_client.post(
        f"/admin/api-klienter/{client_id}/aterkalla", data={"_csrf_token": csrf_from(confirm.text)}
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == f"/admin/api-klienter/{client_id}"
    page = await admin_client.get(f"/admin/api-klienter/{client_id}")
    assert "API-klienten ByggR har återkallats" in page.text and "Återkallad" in page.text
    assert "/aterkalla" not in page.text
    refused = await admin_client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401
    entries = await AuditEntry.select().where(AuditEntry.action == "api_client.revoked")
    assert [(entry["actor"], entry["target"]) for entry in entries] == [(admin_id, f"api_client:{client_id}")]

    # Again: nothing more happens; the confirmation page leads back to the client.
    again = await admin_client.post(
        f"/admin/api-klienter/{client_id}/aterkalla", data={"_csrf_token": csrf_from(confirm.text)}
    )
    assert again.status_code == 303
    assert await AuditEntry.count().where(AuditEntry.action == "api_client.revoked") == 1
    assert (await admin_client.get(f"/admin/api-klienter/{client_id}/aterkalla")).status_code == 303


async def test_the_command_line_and_the_admin_see_the_same_clients(admin_client, capsys):
    assert (
        await run(["create", "--name", "Ecos", "--e-services", "skolskjuts", "--scopes", "read", "--expires", FUTURE])
        == 0
    )
    capsys.readouterr()
    assert (await _create(admin_client, name="ByggR")).status_code == 201
    listing = await admin_client.get("/admin/api-klienter")
    assert "Ecos" in listing.text and "ByggR" in listing.text
    assert await run(["list"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"ByggR  bygglov  read,status  expires {FUTURE}",
        f"Ecos  skolskjuts  read  expires {FUTURE}",
    ]
    # The same rules: the command line refuses the admin's name, in English.
    taken = ["create", "--name", "ByggR", "--e-services", "bygglov", "--scopes", "read", "--expires", FUTURE]
    assert await run(taken) == 2
    assert capsys.readouterr().err.strip() == "A client with that name exists."

    ecos = (await ApiClient.select(ApiClient.id).where(ApiClient.name == "Ecos").first())["id"]
    confirm = await admin_client.get(f"/admin/api-klienter/{ecos}/aterkalla")
    await admin_client.post(f"/admin/api-klienter/{ecos}/aterkalla", data={"_csrf_token": csrf_from(confirm.text)})
    assert await run(["list"]) == 0
    assert "Ecos  skolskjuts  read  revoked" in capsys.readouterr().out
    assert await run(["revoke", "Ecos"]) == 1  # already revoked, by the admin


async def test_the_command_line_names_every_problem_in_english(admin_id, capsys):
    assert await run(["create", "--name", " ", "--e-services", "nej", "--scopes", "x", "--expires", "2020-01-01"]) == 2
    assert capsys.readouterr().err.strip() == (
        "Enter a name for the client. Unknown e-services: nej. Scopes must be among: read, status, messages. "
        "The last valid day has passed."
    )


async def test_the_same_name_created_twice_at_once_gives_one_client(admin_id):
    day = date.today() + timedelta(days=30)
    outcomes = await asyncio.gather(
        *(api.new_client("ByggR", ["bygglov"], ["read"], day, actor_id=admin_id) for _ in range(3)),
        return_exceptions=True,
    )
    refused = [outcome for outcome in outcomes if isinstance(outcome, api.InvalidClient)]
    assert len(refused) == 2 and all(error.problems == {"name": (api.NAME_TAKEN, {})} for error in refused)
    assert await ApiClient.count() == 1
    assert await AuditEntry.count().where(AuditEntry.action == "api_client.created") == 1


async def test_the_forms_need_a_csrf_token(admin_client):
    await api.create_client("Ecos", ["skolskjuts"], ["read"], date.today() + timedelta(days=10))
    client_id = (await ApiClient.select(ApiClient.id).first())["id"]
    data = {"name": "ByggR", "e_services": ["bygglov"], "scopes": ["read"], "expires": FUTURE}
    assert (await admin_client.post("/admin/api-klienter/ny", data=data)).status_code == 403
    assert (await admin_client.post(f"/admin/api-klienter/{client_id}/aterkalla")).status_code == 403
    assert await ApiClient.count() == 1
    assert await ApiClient.count().where(ApiClient.revoked_at.is_null()) == 1


@pytest.mark.parametrize("client_id", ["999999", "0", "99999999999999999999", "abc", "²"])
async def test_an_unknown_client_is_a_404(admin_client, client_id):
    token = csrf_from((await admin_client.get("/admin/api-klienter/ny")).text)
    assert (await admin_client.get(f"/admin/api-klienter/{client_id}")).status_code == 404
    assert (await admin_client.get(f"/admin/api-klienter/{client_id}/aterkalla")).status_code == 404
    revoke = await admin_client.post(f"/admin/api-klienter/{client_id}/aterkalla", data={"_csrf_token": token})
    assert revoke.status_code == 404
