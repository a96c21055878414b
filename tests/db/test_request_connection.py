"""On PostgreSQL each HTTP request's queries share one pooled connection (db.engine.RequestConnection): one acquire
per request, given back when the response starts, transactions on the same connection (so a request never waits
for a second one), and tasks a request starts take their own."""

from __future__ import annotations

import asyncio
import contextlib

import asyncpg
import httpx
import pytest

from db import engine
from db.cases import CaseRecord
from db.messages import Message
from tests import database
from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_case, make_service, make_service_with_form, make_user
from tests.login import csrf_from, log_in

pytestmark = [
    pytest.mark.usefixtures("db"),
    pytest.mark.skipif(not database.is_postgres(TEST_DATABASE_URL), reason="SQLite reads need no pool"),
]
ERIK = "198112189876"


def count_acquires(monkeypatch) -> list:
    """From now on, the task of every acquire from a pool is appended to the list returned."""
    acquired = []
    acquire = asyncpg.Pool.acquire

    def counting_acquire(pool, *args, **kwargs):
        acquired.append(asyncio.current_task())
        return acquire(pool, *args, **kwargs)

    monkeypatch.setattr(asyncpg.Pool, "acquire", counting_acquire)
    return acquired


@pytest.fixture
async def pool_of(monkeypatch, settings):
    """Give the app's engine a pool of the given size in place of the suite's; returns the list of tasks that
    acquired a connection from it. The suite's pool comes back afterwards."""

    async def start(size: int) -> list:
        await engine.stop()
        await engine.start(size, size)
        return count_acquires(monkeypatch)

    yield start
    monkeypatch.undo()
    await engine.stop()
    await engine.start(settings.db_pool_min, settings.db_pool_max)


async def erik_with_case(client, app):
    service = await make_service_with_form(slug="tjanst", title="Bygglov")
    await log_in(client, app, ERIK)
    return await make_case(service, (await make_user(ERIK)).id)


async def test_a_page_takes_one_connection_for_all_its_queries_and_gives_it_back(client, app, pool_of):
    acquired = await pool_of(2)
    case = await erik_with_case(client, app)
    acquired.clear()
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")  # session, case, events, files, thread
    assert page.status_code == 200 and case.reference in page.text
    assert len(acquired) == 1
    assert engine.current_engine().pool.get_idle_size() == 2


async def test_a_request_writing_in_a_transaction_after_reading_needs_no_second_connection(client, app, pool_of):
    await pool_of(1)
    case = await erik_with_case(client, app)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    url = f"/mina-sidor/arenden/{case.reference}/meddelanden"
    # With one pooled connection, a transaction that asked the pool for another would wait forever.
    sent = await asyncio.wait_for(client.post(url, data={"_csrf_token": csrf_from(page.text), "text": "Hej"}), 10)
    assert sent.status_code == 303
    assert await Message.count().where(Message.case == case.id) == 1


async def test_concurrent_requests_take_turns_with_the_pool(client, app, pool_of):
    await pool_of(1)
    case = await erik_with_case(client, app)
    pages = await asyncio.wait_for(
        asyncio.gather(*(client.get(f"/mina-sidor/arenden/{case.reference}") for _ in range(8))), 20
    )
    assert [page.status_code for page in pages] == [200] * 8


async def test_a_catalogue_refresh_during_a_request_uses_the_requests_connection(client, app, pool_of):
    """The catalogue index is refreshed inside a request that already holds its connection (the session lookup took
    it): a refresh in a task of its own would wait for a second connection, until its timeout, and serve the old
    index."""
    acquired = await pool_of(1)
    await erik_with_case(client, app)
    assert (await client.get("/e-tjanster")).status_code == 200  # the index is loaded
    await make_service(title="Nybyggd tjänst")  # a new catalogue version: the next request refreshes the index
    acquired.clear()
    page = await client.get("/e-tjanster")
    assert page.status_code == 200 and "Nybyggd tjänst" in page.text
    assert len(acquired) == 1


async def test_a_task_started_by_a_request_takes_its_own_connection(pool_of):
    acquired = await pool_of(2)

    async def slow_query() -> None:
        await CaseRecord.raw("SELECT pg_sleep(0.05)")

    async def application(scope, receive, send) -> None:
        # The same connection cannot run two queries at once: asyncpg would refuse the second.
        await asyncio.gather(asyncio.create_task(slow_query()), slow_query())
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=engine.RequestConnection(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get("/")
    assert answer.status_code == 204
    assert len(acquired) == 2 and acquired[0] is not acquired[1]
    assert engine.current_engine().pool.get_idle_size() == 2


async def test_the_suites_http_requests_hold_a_pooled_connection_as_in_production(client, app, monkeypatch):
    """The HTTP tests on PostgreSQL run with the app's pool (see `settings` in conftest.py), not a connection per
    query: a page takes one connection from it, for all its queries."""
    pool = engine.current_engine().pool
    assert pool is not None and pool.get_max_size() == app.state.settings.db_pool_max > 0
    case = await erik_with_case(client, app)
    acquired = count_acquires(monkeypatch)
    page = await client.get(f"/mina-sidor/arenden/{case.reference}")
    assert page.status_code == 200 and case.reference in page.text
    assert acquired == [asyncio.current_task()]  # httpx.ASGITransport serves the request in the test's task


async def test_a_query_a_timeout_cancelled_leaves_the_request_free_to_query_again(pool_of):
    """asyncpg is still cancelling a query on the server when the timeout ends it: the request's next query must
    not meet a connection that refuses it (a page whose catalogue refresh timed out goes on to its own queries)."""
    await pool_of(1)
    answers = []

    async def application(scope, receive, send) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.1):
                await engine.fetch("SELECT pg_sleep(5)")
        answers.append(await engine.fetch("SELECT 1 AS one"))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=engine.RequestConnection(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await asyncio.wait_for(client.get("/"), 10)
    assert answer.status_code == 204 and answers == [[{"one": 1}]]
    assert engine.current_engine().pool.get_idle_size() == 1


async def test_a_request_whose_connection_the_server_ended_takes_another_for_its_next_query(pool_of):
    """The server ends the request's connection between two of its queries (a restart, or a failover): the next
    query reconnects, as a query outside a request would, instead of failing with "connection is closed"."""
    await pool_of(2)
    pids = []

    async def application(scope, receive, send) -> None:
        pids.append((await engine.fetch("SELECT pg_backend_pid() AS pid"))[0]["pid"])
        closed = asyncio.Event()
        engine._lease.get().connection.add_termination_listener(lambda connection: closed.set())
        admin = await asyncpg.connect(TEST_DATABASE_URL)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pids[0])
        finally:
            await admin.close()
        await asyncio.wait_for(closed.wait(), 5)  # asyncpg has seen the server close it
        pids.append((await engine.fetch("SELECT pg_backend_pid() AS pid"))[0]["pid"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    transport = httpx.ASGITransport(app=engine.RequestConnection(application))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answer = await client.get("/")
    assert answer.status_code == 204
    assert len(pids) == 2 and pids[0] != pids[1]
