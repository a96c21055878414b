"""Backups from the command line, for the database DATABASE_URL names (PostgreSQL or SQLite).

    python -m cli.backup dump /var/backups/eplatform/2026-12-03.dump
    python -m cli.backup drill /var/backups/eplatform/2026-12-03.dump

`dump` writes a consistent backup while the app runs (pg_dump's custom format; SQLite's online backup), and beside it
FILE.counts.json, every table's row count in the backup's snapshot. `drill` restores a backup into a scratch database
and compares every table's row count with those (with the live database when the counts file is missing), e.g.
nightly from cron or a systemd timer; exit status 1 when anything differs. To restore for
real: `createdb eplatform_restored && pg_restore --no-owner -d eplatform_restored FILE`, then point DATABASE_URL at
it (SQLite: stop the app and copy the file into place)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from core.settings import DEFAULT_DATABASE_URL
from db.backup import BackupError, counts_file, drill, dump


def run(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.backup", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dump", help="write a backup to a new file").add_argument("file", type=Path)
    drill_command = commands.add_parser("drill", help="restore a backup into a scratch database and compare")
    drill_command.add_argument("file", type=Path)
    drill_command.add_argument("--keep", action="store_true", help="keep the scratch database to look at")
    args = parser.parse_args(arguments)
    url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    try:
        if args.command == "dump":
            dump(url, args.file)
            print(f"backup written: {args.file} ({args.file.stat().st_size} bytes)")
            return 0
        result = drill(url, args.file, keep=args.keep)
    except BackupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if not result.ok:
        source = "backed up" if counts_file(args.file).exists() else "live"
        for table, (counted, restored) in result.differences.items():
            print(f"differs: {table}: {counted} rows {source}, {restored} restored", file=sys.stderr)
        return 1
    print(f"restore drill passed: {result.tables} tables, {result.rows} rows, the same in the restored copy")
    return 0


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
