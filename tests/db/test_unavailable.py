"""What counts as "the database is out of reach" (a Swedish 503 rather than a 500): also the errors a pooled
connection gives when the server has just ended it."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from db.engine import is_unavailable
from tests import database
from tests.conftest import TEST_DATABASE_URL

pytestmark = pytest.mark.skipif(not database.is_postgres(TEST_DATABASE_URL), reason="SQLite has no pool")


async def test_an_idle_pooled_connection_the_server_ended_fails_as_unavailable():
    """The server ends an idle pooled connection (a restart): asyncpg may read the server's goodbye before it sees
    the connection close, and then refuses the next query with an internal error ("another operation (2) is in
    progress") instead of a connection error. Whichever it raises must count as unavailable. The timing varies, so
    try several times."""
    admin = await asyncpg.connect(TEST_DATABASE_URL)
    errors = []
    try:
        for _ in range(100):
            pool = await asyncpg.create_pool(TEST_DATABASE_URL, min_size=1, max_size=1)
            try:
                async with pool.acquire() as connection:
                    pid = await connection.fetchval("SELECT pg_backend_pid()")
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
                try:
                    async with pool.acquire() as connection:
                        await connection.fetch("SELECT 1")
                except Exception as error:
                    errors.append(error)
            finally:
                pool.terminate()
    finally:
        await admin.close()
    assert [error for error in errors if not is_unavailable(error)] == []


def test_a_wrong_query_is_not_unavailable():
    assert not is_unavailable(asyncpg.UndefinedTableError("relation does not exist"))
    assert not is_unavailable(asyncpg.InterfaceError("cannot perform operation: another operation is in progress"))


@pytest.mark.parametrize("noticed", [False, True], ids=["at once", "after asyncpg noticed"])
@pytest.mark.parametrize("in_request", [False, True], ids=["job", "request"])
async def test_a_transaction_whose_connection_the_server_ends_fails_as_unavailable(app, in_request, noticed):
    """The server ends the connection in the middle of a transaction (a crash or restart): rolling back on the dead
    connection failed with asyncpg's "connection is closed", which hid the real error, and the resident got a 500
    instead of the 503 page (found by `python -m benchmarks.faults.run postgres_restart`). When asyncpg has already
    seen the connection close, the next query itself fails with "connection is closed": unavailable too (CI met it)."""
    from db.engine import _Lease, _lease, current_engine, fetch, write_transaction

    admin = await asyncpg.connect(TEST_DATABASE_URL)
    lease = _Lease() if in_request else None
    token = _lease.set(lease)
    try:
        with pytest.raises(Exception) as raised:
            async with write_transaction():
                pid = (await fetch("SELECT pg_backend_pid() AS pid"))[0]["pid"]
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
                if noticed:
                    await asyncio.sleep(0.3)
                await fetch("SELECT 1")
        assert is_unavailable(raised.value), repr(raised.value)
    finally:
        _lease.reset(token)
        if lease is not None and lease.connection is not None:
            await current_engine().give_back(lease)
        await admin.close()
    assert (await fetch("SELECT 1 AS one"))[0]["one"] == 1  # and the pool serves again
