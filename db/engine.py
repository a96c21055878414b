"""Engine selection from DATABASE_URL, the engine's life cycle inside the app, and every difference between SQLite and
PostgreSQL that the rest of db/ must know about (decoding values read with plain SQL, unique violations, an unavailable
database, locking rows read in a write transaction). Nothing outside db/ asks which engine runs."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import sqlite3
import string
import threading
import uuid
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlparse

import aiosqlite
import asyncpg
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine, PostgresTransaction
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.querystring import QueryString

log = logging.getLogger(__name__)


async def fetch(sql: str, *args) -> list[dict]:
    """The rows of SQL written by hand, with `{}` where each argument goes (as in Piccolo's raw()): the one way the
    project runs its own SQL. On PostgreSQL it skips Piccolo's query objects, which cost more CPU than the round
    trip of a small query; on SQLite it is Piccolo's raw query."""
    return await _engine().fetch(sql, args)


@functools.cache
def _engine() -> Engine:
    return current_engine()


def json_column(value, empty):
    """A JSON column read with plain SQL: text on SQLite (and from asyncpg for the json type), so decode it."""
    if value is None or value == "":
        return empty
    return json.loads(value) if isinstance(value, str) else value


def uuid_column(value) -> uuid.UUID | None:
    """A UUID column read with plain SQL: a UUID from asyncpg, text from SQLite."""
    if value is None or isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def date_column(value) -> date | None:
    """A date read with plain SQL: a date from asyncpg; from SQLite text, also where an aggregate (min, max) lost
    the column's type."""
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    return date.fromisoformat(str(value)[:10])


def is_unique_violation(error: BaseException) -> bool:
    """A write lost a race for a unique value (PostgreSQL; SQLite's IMMEDIATE transactions take turns instead)."""
    return isinstance(error, asyncpg.UniqueViolationError) or (
        isinstance(error, sqlite3.IntegrityError) and "UNIQUE" in str(error)
    )


# What a database that cannot be reached raises: no connection (refused, unknown host, pool closed, server shutting
# down or full), or SQLite's file gone or locked longer than the busy timeout.
_UNAVAILABLE = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    asyncpg.InvalidCatalogNameError,  # the database does not exist (any more)
)


def is_unavailable(error: BaseException) -> bool:
    """True when `error` says the database could not be reached (as opposed to a wrong query or bad data)."""
    if isinstance(error, _UNAVAILABLE):
        return True
    if isinstance(error, asyncpg.ObjectNotInPrerequisiteStateError):
        return "not currently accepting connections" in str(error)
    if isinstance(error, asyncpg.InterfaceError) and "connection is closed" in str(error):
        # asyncpg saw the server end the connection (a crash, a restart, a terminated backend) before the query.
        return True
    if isinstance(error, asyncpg.InternalClientError):
        # A pooled connection the server has just ended (a restart): asyncpg read the server's goodbye but not yet
        # the connection closing, and refuses the next query as "another operation (2) is in progress".
        return "another operation" in str(error)
    if isinstance(error, sqlite3.OperationalError):
        message = str(error)
        return "unable to open" in message or "locked" in message or "disk I/O" in message
    return False


def _is_postgres() -> bool:
    return isinstance(_engine(), PostgresEngine)


def writes_in_with() -> bool:
    """Whether a statement may hold INSERTs in its WITH clause (several writes in one round trip): PostgreSQL yes,
    SQLite no."""
    return _is_postgres()


def lock_clause() -> str:
    """Appended to a SELECT inside a write transaction to lock the rows it reads until the transaction ends. SQLite
    needs none: its IMMEDIATE write transactions already hold the whole database."""
    return " FOR UPDATE" if _is_postgres() else ""


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

    async def fetch(self, sql: str, args: tuple) -> list[dict]:
        return await self.run_querystring(QueryString(sql, *args))

    async def ping(self) -> None:
        """A fresh connection, so a missing or replaced database file is noticed."""
        async with aiosqlite.connect(self.path) as connection:
            await connection.execute("SELECT 1 FROM migration LIMIT 1")


class _Lease:
    """The pooled connection of one request, taken at its first query by the task that serves the request."""

    __slots__ = ("connection", "open", "task")

    def __init__(self) -> None:
        self.task = asyncio.current_task()
        self.connection = None
        self.open = True


_lease: ContextVar[_Lease | None] = ContextVar("request_connection", default=None)


def _current_lease() -> _Lease | None:
    """The request's lease if this task may use it: a task the request starts (which could query at the same moment,
    or outlive the request) takes its own connections, as outside a request."""
    lease = _lease.get()
    return lease if lease is not None and lease.open and lease.task is asyncio.current_task() else None


class RequestScopedPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine takes a connection from the pool for every query and gives it back after it;
    asyncpg's acquire and release cost about as much CPU as a small query. Within a request (`RequestConnection`),
    its queries and transactions share one pooled connection instead: taken at the first query, given back when the
    response starts (a slow download never holds a connection). Outside requests (jobs, CLI) nothing changes."""

    async def _run_in_pool(self, query, args=None):
        lease = _current_lease()
        if lease is None or not self.pool:
            return await super()._run_in_pool(query, args)
        connection = await self.leased_connection(lease)
        return await connection.fetch(query, *(args or ()))

    async def leased_connection(self, lease: _Lease):
        """The request's connection, taken at its first query. One the server has closed since (a restart) is given
        back and another taken, as the pool does at every acquire: the request's next query then reconnects (or
        fails as unavailable) instead of meeting "connection is closed"."""
        if lease.connection is not None and not _is_open(lease.connection):
            connection, lease.connection = lease.connection, None
            await self.pool.release(connection)
        if lease.connection is None:
            lease.connection = await self.pool.acquire()
        return lease.connection

    def transaction(self, allow_nested: bool = True) -> PostgresTransaction:
        return _RequestTransaction(engine=self, allow_nested=allow_nested)

    async def fetch(self, sql: str, args: tuple) -> list[dict]:
        """See `fetch`: Piccolo's run_querystring, less the query objects and the compiling on every call."""
        query = _numbered_placeholders(sql)
        transaction = self.current_transaction.get()
        if transaction:
            records = await transaction.connection.fetch(query, *args)
        elif self.pool:
            records = await self._run_in_pool(query, args)
        else:
            records = await self._run_in_new_connection(query, args)
        return [dict(record) for record in records]

    async def give_back(self, lease: _Lease) -> None:
        lease.open = False
        if lease.connection is not None:
            connection, lease.connection = lease.connection, None
            await self.pool.release(connection)


def _is_open(connection) -> bool:
    try:
        return not connection.is_closed()
    except asyncpg.InterfaceError:  # the pool took it back when the server closed it
        return False


@functools.lru_cache(maxsize=1024)
def _numbered_placeholders(sql: str) -> str:
    """`{}` -> `$1`, `$2`, ... for asyncpg; `{{` and `}}` are literal braces, as in str.format (and Piccolo)."""
    parts, count = [], 0
    for literal, field, _spec, _conversion in string.Formatter().parse(sql):
        parts.append(literal)
        if field is not None:
            count += 1
            parts.append(f"${count}")
    return "".join(parts)


class _RequestTransaction(PostgresTransaction):
    """A transaction on the request's connection when there is one (a request holding a connection while waiting
    for a second one could wait forever once every pooled connection is held that way)."""

    __slots__ = ("_leased",)

    async def get_connection(self):
        lease = _current_lease()
        self._leased = lease is not None and self.engine.pool is not None
        if not self._leased:
            return await super().get_connection()
        return await self.engine.leased_connection(lease)

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        """Piccolo's own ending, but a request's connection stays with the request, and a connection the server has
        ended (a crash or restart) neither hides why the transaction failed (rolling back on it fails too) nor stays
        out of the pool (Piccolo gives it back only after a successful rollback or commit)."""
        if self._parent:
            return exception is None
        try:
            if exception:
                if not self._rolled_back:
                    await self._roll_back(exception)
            elif not self._committed and not self._rolled_back:
                await self.commit()
        finally:
            try:
                if not self._leased:
                    if self.engine.pool:
                        await self.engine.pool.release(self.connection)
                    else:
                        await self.connection.close()
            finally:
                self.engine.current_transaction.reset(self.context)
        return exception is None

    async def _roll_back(self, exception: BaseException) -> None:
        try:
            await self.rollback()
        except Exception:
            if not is_unavailable(exception):
                raise
            # The connection is gone with the server, and the transaction with it: `exception` says what happened.


class RequestConnection:
    """ASGI middleware: each HTTP request's queries share one pooled connection (see RequestScopedPostgresEngine).
    Does nothing on SQLite, whose reads need no pool."""

    def __init__(self, app) -> None:
        self.app = app
        self.engine = current_engine()

    async def __call__(self, scope, receive, send) -> None:
        engine = self.engine
        if scope["type"] != "http" or not isinstance(engine, RequestScopedPostgresEngine) or engine.pool is None:
            await self.app(scope, receive, send)
            return
        lease = _Lease()
        token = _lease.set(lease)

        async def give_back_then_send(message) -> None:
            if lease.open and message["type"] == "http.response.start":
                await engine.give_back(lease)
            await send(message)

        try:
            await self.app(scope, receive, give_back_then_send)
        finally:
            _lease.reset(token)
            await engine.give_back(lease)


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def engine_from_url(url: str) -> Engine:
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        return FastReadSQLiteEngine(path=str(path), timeout=10)
    if scheme in ("postgres", "postgresql"):
        return RequestScopedPostgresEngine(config={"dsn": url})
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


def pool_use() -> tuple[int, int] | None:
    """This process's PostgreSQL pool: connections open and connections in use; None without a pool."""
    pool = getattr(current_engine(), "pool", None)
    if pool is None:
        return None
    return pool.get_size(), pool.get_size() - pool.get_idle_size()


async def ping() -> None:
    """Raise if the database cannot answer a query on our own schema."""
    engine = current_engine()
    if isinstance(engine, FastReadSQLiteEngine):
        await engine.ping()
    else:
        await engine.run_ddl("SELECT 1 FROM migration LIMIT 1")
