"""Engine selection from DATABASE_URL and the engine's life cycle inside the app."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlparse

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType

log = logging.getLogger(__name__)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def engine_from_url(url: str) -> Engine:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=10)
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


async def start(pool_min: int, pool_max: int) -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine):
        if pool_max > 0:
            await engine.start_connection_pool(min_size=pool_min, max_size=pool_max)
    else:
        # WAL lets readers and one writer work at once; it is a property of the file, set once.
        await engine.run_ddl("PRAGMA journal_mode=WAL")


async def stop() -> None:
    engine = current_engine()
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


async def ping() -> None:
    """Raise if the database cannot answer a query on our own schema."""
    await current_engine().run_ddl("SELECT 1 FROM migration LIMIT 1")
