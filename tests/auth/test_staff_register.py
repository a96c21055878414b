"""The staff register's command line, and what it means for logins."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from db.auth import UserSession
from db.staff import StaffMember
from tests.login import log_in

pytestmark = pytest.mark.usefixtures("db")
OFFICER = "197606239866"


def staff_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.staff", *args], capture_output=True, text=True, env=os.environ.copy(), check=False
    )


async def test_cli_adds_lists_and_removes_staff(client, app):
    added = staff_cli("add", "19760623-9866", "--role", "officer", "--unit", "Bygga, bo och miljö")
    assert added.returncode == 0, added.stderr
    member = await StaffMember.objects().first()
    assert (member.personal_number, member.role, member.unit) == (OFFICER, "officer", "Bygga, bo och miljö")
    listed = staff_cli("list")
    assert "19760623-9866" in listed.stdout and "officer" in listed.stdout

    finished = await log_in(client, app, OFFICER)
    assert finished.headers["location"] == "/handlaggare"
    assert (await client.get("/handlaggare")).status_code == 200

    removed = staff_cli("remove", "197606239866")
    assert removed.returncode == 0, removed.stderr
    assert await StaffMember.count() == 0 and await UserSession.count() == 0
    assert (await client.get("/handlaggare")).status_code == 303  # logged out everywhere


@pytest.mark.parametrize("args", [("add", "19760623-9867"), ("add", OFFICER, "--role", "king"), ("remove", "x")])
def test_cli_refuses_bad_input(args):
    result = staff_cli(*args)
    assert result.returncode != 0
