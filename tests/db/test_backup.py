"""Backups restore: `python -m cli.backup dump` then `drill` on the suite's database (PostgreSQL: pg_dump, a scratch
database, pg_restore; SQLite: the online backup), with rows in it. The drill compares with the counts taken in the
backup's snapshot: writes after the backup do not fail it, a copy that lost rows does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.factories import make_case, make_service_with_form, make_user


def backup_cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cli.backup", *arguments],
        capture_output=True,
        text=True,
        env={**os.environ},
        check=False,
    )


async def test_a_backup_restores_with_every_row(db, tmp_path):
    service = await make_service_with_form()
    erik = await make_user("198112189876", "Erik", "Andersson")
    for _ in range(3):
        await make_case(service, erik.id)
    backup = tmp_path / "eplatform.dump"
    dumped = backup_cli("dump", str(backup))
    assert dumped.returncode == 0, dumped.stderr
    assert backup.stat().st_size > 0
    drilled = backup_cli("drill", str(backup))
    assert drilled.returncode == 0, drilled.stderr
    assert "restore drill passed" in drilled.stdout
    again = backup_cli("dump", str(backup))
    assert again.returncode == 1 and "never overwrites" in again.stderr


async def test_writes_after_the_backup_do_not_fail_the_drill_and_a_copy_that_lost_rows_does(db, tmp_path):
    service = await make_service_with_form()
    erik = await make_user("198112189876", "Erik", "Andersson")
    await make_case(service, erik.id)
    backup = tmp_path / "eplatform.dump"
    assert backup_cli("dump", str(backup)).returncode == 0
    assert sorted(path.name for path in tmp_path.iterdir()) == ["eplatform.dump", "eplatform.dump.counts.json"]
    await make_case(service, erik.id)  # the app goes on writing
    drilled = backup_cli("drill", str(backup))
    assert drilled.returncode == 0, drilled.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["eplatform.dump", "eplatform.dump.counts.json"]
    counts = backup.with_name("eplatform.dump.counts.json")
    counted = json.loads(counts.read_text())
    counts.write_text(json.dumps({**counted, "case_record": counted["case_record"] + 1}))  # as if a row were lost
    drilled = backup_cli("drill", str(backup))
    assert drilled.returncode == 1
    assert "differs: case_record: 2 rows backed up, 1 restored" in drilled.stderr


async def test_a_backup_without_its_counts_is_compared_with_the_live_database(db, tmp_path):
    service = await make_service_with_form()
    erik = await make_user("198112189876", "Erik", "Andersson")
    backup = tmp_path / "eplatform.dump"
    assert backup_cli("dump", str(backup)).returncode == 0
    backup.with_name("eplatform.dump.counts.json").unlink()
    assert backup_cli("drill", str(backup)).returncode == 0
    await make_case(service, erik.id)  # a row the backup does not have
    drilled = backup_cli("drill", str(backup))
    assert drilled.returncode == 1
    assert "differs: case_record: 1 rows live, 0 restored" in drilled.stderr
