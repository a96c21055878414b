"""The API clients' command line, and what an API change looks like to the officer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cli.api_clients import run
from db.api import ApiClient
from services import api
from tests.api.conftest import bearer
from tests.factories import make_officer
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")


def api_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.api_clients", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )


async def test_cli_creates_lists_and_revokes(client, world, capsys):
    created = api_cli(
        "create", "--name", "Ecos", "--e-services", "bygglov,skolskjuts", "--scopes", "read,status",
        "--expires", "2099-12-31",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    stored = await ApiClient.objects().where(ApiClient.name == "Ecos").first()
    assert stored.token_hash != token and token not in stored.token_hash  # only the hash is kept
    assert (await client.get("/api/v1/cases", headers=bearer(token))).json()["items"]
    # The rest in process: a subprocess costs seconds (on PostgreSQL about four).
    assert await run(["list"]) == 0
    listed = capsys.readouterr().out
    assert "Ecos  bygglov,skolskjuts  read,status  expires 2099-12-31" in listed and token not in listed

    assert await run(["revoke", "Ecos"]) == 0
    assert (await client.get("/api/v1/cases", headers=bearer(token))).status_code == 401
    assert await run(["list"]) == 0
    assert "Ecos  bygglov,skolskjuts  read,status  revoked" in capsys.readouterr().out
    assert await run(["revoke", "Ecos"]) == 1


async def test_cli_gives_every_scope(client, world, capsys):
    """Each scope the API has can be given on the command line, and opens its operation."""
    scopes = "read,status,messages,supplements,decisions,notes,external_ids"
    assert set(scopes.split(",")) == set(api.SCOPES)
    args = ["create", "--name", "Allt", "--e-services", "bygglov", "--scopes", scopes, "--expires", "2099-12-31"]
    assert await run(args) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert await run(["list"]) == 0
    assert f"Allt  bygglov  {','.join(sorted(scopes.split(',')))}  expires 2099-12-31" in capsys.readouterr().out
    url = f"/api/v1/cases/{world.references['erik']}"
    note = await client.post(f"{url}/notes", json={"body": "Från kommandoraden."}, headers=bearer(token))
    assert note.status_code == 201
    external = await client.put(f"{url}/external-id", json={"system": "Ecos", "id": "E-1"}, headers=bearer(token))
    assert external.status_code == 200
    decided = await client.post(
        f"{url}/decision", json={"outcome": "avskrivet", "text": "Avskrivs."}, headers=bearer(token)
    )
    assert decided.status_code == 200


@pytest.mark.parametrize(
    "args",
    [
        ("--e-services", "finns-inte", "--scopes", "read", "--expires", "2099-12-31"),
        ("--e-services", "bygglov", "--scopes", "read,admin", "--expires", "2099-12-31"),
        ("--e-services", "bygglov", "--scopes", "read", "--expires", "2020-01-01"),
    ],
)
async def test_cli_refuses_bad_input(world, args, capsys):
    assert await run(["create", "--name", "Fel", *args]) == 2  # in process: a subprocess costs seconds
    assert capsys.readouterr().err
    assert await ApiClient.count().where(ApiClient.name == "Fel") == 0


async def test_officer_sees_the_case_management_system_on_the_timeline(client, app, world):
    reference = world.references["erik"]
    changed = await client.post(
        f"/api/v1/cases/{reference}/status",
        json={"alias": "under-handlaggning"},
        headers=bearer(world.tokens["bygglov"]),
    )
    assert changed.status_code == 200
    await make_officer("197606239866")
    await log_in(client, app, "197606239866")
    page = await client.get(f"/handlaggare/arenden/{reference}")
    assert page.status_code == 200
    assert "(Ärendesystemet ByggR)" in page.text
