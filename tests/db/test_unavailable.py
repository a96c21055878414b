"""What counts as "the database is out of reach" (a Swedish 503 rather than a 500): also the errors a pooled
connection gives when the server has just ended it."""

from __future__ import annotations

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
