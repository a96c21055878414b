"""Backups and the restore drill, for both engines (the CLI is cli/backup.py).

PostgreSQL: `pg_dump --format=custom` (consistent while the app runs: one snapshot), restored with `pg_restore` into a
new, empty database. SQLite: the online backup API, page by page while the app runs, into a new file. The drill
proves a backup can be restored: it restores into a scratch database (or opens the copy), checks it, and compares
every table's row count with the source, then drops the scratch database."""

from __future__ import annotations

import asyncio
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


def dump(url: str, target: Path) -> None:
    """Write a backup of the database at `url` to `target` (a new file)."""
    if target.exists():
        raise BackupError(f"{target} exists already; a backup never overwrites a file.")
    if is_postgres(url):
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={target}", url], "pg_dump")
        return
    source = sqlite3.connect(_sqlite_path(url))
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()


async def _postgres_counts(url: str) -> dict[str, int]:
    connection = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        # Table names from the catalogue itself, quoted.
        return {table: await connection.fetchval(f'SELECT count(*) FROM "{table}"') for table in tables}  # noqa: S608
    finally:
        await connection.close()


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
    """Restore `backup` into a scratch copy and compare every table's row count with the database at `url` (which
    should not have changed since the backup: run it right after one)."""
    source = table_counts(url)
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
