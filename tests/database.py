"""A throwaway database for one test session, on the engine DATABASE_URL names (SQLite by default).

Imported by conftest.py before anything imports piccolo_conf, because Piccolo reads DATABASE_URL once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlparse

from db.backup import admin, is_postgres, with_database

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
PICCOLO = str(Path(sys.executable).parent / "piccolo")


def create_throwaway(base_url: str, prefix: str = "eplatform_test") -> str:
    if is_postgres(base_url):
        name = f"{prefix}_{os.getpid()}_{secrets.token_hex(3)}"
        asyncio.run(admin(base_url, f'CREATE DATABASE "{name}"'))
        return with_database(base_url, name)
    directory = Path(tempfile.mkdtemp(prefix="eplatform-test-"))
    return f"sqlite:///{directory / 'test.sqlite3'}"


def drop_throwaway(url: str, base_url: str) -> None:
    if is_postgres(url):
        name = urlparse(url).path.lstrip("/")
        asyncio.run(admin(base_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = Path(url.removeprefix("sqlite:///"))
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        path.parent.rmdir()


@contextlib.asynccontextmanager
async def unavailable(url: str):
    """The database is gone inside the block: PostgreSQL refuses new connections and ends the open ones (a pool's
    too); SQLite's directory (with its WAL files) is moved away, and SQLite cannot create a missing directory, but a
    connection already open (the app's reader) may still read."""
    if is_postgres(url):
        name = urlparse(url).path.lstrip("/")
        admin_url = with_database(url, "postgres")
        await admin(admin_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin(
            admin_url,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' "
            "AND pid <> pg_backend_pid()",
        )
        try:
            yield
        finally:
            await admin(admin_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    else:
        directory = Path(url.removeprefix("sqlite:///")).parent
        moved = directory.with_name(directory.name + "-moved")
        directory.rename(moved)
        try:
            yield
        finally:
            moved.rename(directory)


def migrate(url: str, *args: str) -> subprocess.CompletedProcess:
    """Run Piccolo's real migration command against `url`."""
    return subprocess.run(
        [PICCOLO, "migrations", *(args or ("forwards", "all"))],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
