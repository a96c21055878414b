"""Backups and the restore drill, for both engines (the CLI is cli/backup.py).

PostgreSQL: `pg_dump --format=custom` (consistent while the app runs: one snapshot), restored with `pg_restore` into a
new, empty database. SQLite: the online backup API, page by page while the app runs, into a new file. The drill
proves a backup can be restored: it restores into a scratch database (or opens the copy), checks it, and compares
every table's row count with the counts taken in the backup's own snapshot (`<backup>.counts.json`, written beside it
by `dump`), then drops the scratch database. Writes to the live database after the backup therefore never fail the
drill; a backup without its counts file is compared with the live database, as before."""

from __future__ import annotations

import asyncio
import json
import secrets
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg


class BackupError(Exception):
    """A step failed; the message says which, without data."""


@dataclass(frozen=True)
class DrillResult:
    tables: int
    rows: int
    differences: dict[str, tuple[int, int]]  # table -> (in the source, in the restored copy)

    @property
    def ok(self) -> bool:
        return not self.differences


def is_postgres(url: str) -> bool:
    return urlparse(url).scheme in ("postgres", "postgresql")


def _sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def with_database(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def _run(command: list[str], step: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 - fixed programs
    if result.returncode != 0:
        raise BackupError(f"{step} failed (exit {result.returncode}): {result.stderr.strip()[:500]}")


def counts_file(backup: Path) -> Path:
    return backup.with_name(backup.name + ".counts.json")


def dump(url: str, target: Path) -> None:
    """Write a backup of the database at `url` to `target` (a new file), and every table's row count in the same
    snapshot to `counts_file(target)`."""
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file.")
    if is_postgres(url):
        counts = asyncio.run(_dump_postgres(url, target))
    else:
        source = sqlite3.connect(_sqlite_path(url))
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
                # One self-contained file: the copy inherits WAL mode, whose -wal and -shm files its readers leave.
                copy.execute("PRAGMA journal_mode = DELETE")
            finally:
                copy.close()
        finally:
            source.close()
        counts = _sqlite_counts(target)
    counts_file(target).write_text(json.dumps(counts, sort_keys=True))


async def _dump_postgres(url: str, target: Path) -> dict[str, int]:
    """pg_dump in a snapshot exported from a transaction that counts the rows in the same snapshot."""
    connection = await asyncpg.connect(url)
    try:
        async with connection.transaction(isolation="repeatable_read", readonly=True):
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            process = await asyncio.create_subprocess_exec(
                *("pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}"),
                *(f"--file={target}", url),
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            try:
                counts = await _counts(connection)
            except BaseException:
                process.kill()  # no half-made backup left running behind a failed count
                await process.wait()
                raise
            _stdout, stderr = await process.communicate()
    finally:
        await connection.close()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed (exit {process.returncode}): {stderr.decode().strip()[:500]}")
    return counts


async def _postgres_counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        return await _counts(connection)
    finally:
        await connection.close()


async def _counts(connection) -> dict[str, int]:
    tables = [
        row["tablename"]
        for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    # Table names from the catalogue itself, quoted.
    return {table: await connection.fetchval(f'SELECT count(*) FROM "{table}"') for table in tables}  # noqa: S608


def _sqlite_counts(path: Path) -> dict[str, int]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{path}: SQLite's integrity check failed.")
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {table: connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0] for table in tables}  # noqa: S608
    finally:
        connection.close()


def table_counts(url: str) -> dict[str, int]:
    return asyncio.run(_postgres_counts(url)) if is_postgres(url) else _sqlite_counts(_sqlite_path(url))


def drill(url: str, backup: Path, *, keep: bool = False) -> DrillResult:
    """Restore `backup` into a scratch copy and compare every table's row count with the counts taken when it was
    made; without them, with the database at `url` (which should not have changed since: run it right after)."""
    counted = counts_file(backup)
    source = json.loads(counted.read_text()) if counted.exists() else table_counts(url)
    if is_postgres(url):
        scratch = f"restore_drill_{secrets.token_hex(4)}"
        asyncio.run(admin(url, f'CREATE DATABASE "{scratch}"'))
        scratch_url = with_database(url, scratch)
        try:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    f"--dbname={scratch_url}",
                    str(backup),
                ],
                "pg_restore",
            )
            restored = table_counts(scratch_url)
        finally:
            if not keep:
                asyncio.run(admin(url, f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    else:
        restored = _sqlite_counts(backup)
    differences = {
        table: (source.get(table, -1), restored.get(table, -1))
        for table in sorted(set(source) | set(restored))
        if source.get(table) != restored.get(table)
    }
    return DrillResult(tables=len(source), rows=sum(source.values()), differences=differences)


async def admin(url: str, statement: str) -> None:
    """Run one statement that cannot run in a transaction (CREATE or DROP DATABASE) on the server of `url`."""
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
