"""Engine selection from DATABASE_URL and the engine's life cycle inside the app."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from pathlib import Path
from urllib.parse import urlparse

import aiosqlite
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory

log = logging.getLogger(__name__)


def json_column(value, empty):
    """A JSON column read with plain SQL: text on SQLite (and from asyncpg for the json type), so decode it."""
    if value is None or value == "":
        return empty
    return json.loads(value) if isinstance(value, str) else value


class FastReadSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine opens a new connection, in a new thread, for every query (about 1.3 ms). Reads
    outside a transaction use one long-lived connection per thread instead, run inline: in WAL mode a read never
    waits for a writer, and a small read takes tens of microseconds. Writes and transactions are Piccolo's own (a
    statement starting with WITH is taken for a read: a write among them fails on the read-only connection)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._readers = threading.local()

    async def _run_in_new_connection(self, query, args=None, query_type="generic", table=None):
        if query_type == "generic" and query.lstrip().split(None, 1)[0].upper() in ("SELECT", "WITH"):
            return self._reader().execute(query, args or []).fetchall()
        return await super()._run_in_new_connection(query, args, query_type, table)

    def _reader(self) -> sqlite3.Connection:
        reader = getattr(self._readers, "connection", None)
        if reader is None:
            reader = sqlite3.connect(**self.connection_kwargs)
            reader.execute("PRAGMA query_only = ON")  # a write that slipped in here fails instead of committing
            reader.row_factory = dict_factory
            self._readers.connection = reader
        return reader

    async def ping(self) -> None:
        """A fresh connection, so a missing or replaced database file is noticed."""
        async with aiosqlite.connect(self.path) as connection:
            await connection.execute("SELECT 1 FROM migration LIMIT 1")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def engine_from_url(url: str) -> Engine:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return FastReadSQLiteEngine(path=str(path), timeout=10)
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    raise ValueError(f"DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:/// or postgresql://)")


def current_engine() -> Engine:
    from piccolo.engine import engine_finder

    engine = engine_finder()
    if engine is None:
        raise RuntimeError("piccolo_conf.py defines no DB engine")
    return engine


def write_transaction():
    """A transaction for read-then-write work. SQLite needs IMMEDIATE, or concurrent writers fail with "locked"."""
    engine = current_engine()
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


async def _no_session_reset(connection) -> None:
    """asyncpg resets every connection it takes back (RESET ALL, UNLISTEN, CLOSE ALL, advisory unlock): a round trip
    per query. The platform never changes session state, listens, holds cursors or advisory locks, so the reset has
    nothing to undo; an open transaction is still rolled back by asyncpg itself."""


async def start(pool_min: int, pool_max: int) -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        if pool_max > 0:
            await engine.start_connection_pool(min_size=pool_min, max_size=pool_max, reset=_no_session_reset)
    else:
        # WAL lets readers and one writer work at once; it is a property of the file, set once.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


async def ping() -> None:
    """Raise if the database cannot answer a query on our own schema."""
    engine = current_engine()
    if isinstance(engine, FastReadSQLiteEngine):
        await engine.ping()
    else:
        await engine.run_ddl("SELECT 1 FROM migration LIMIT 1")
