"""Test-wide fixtures: one throwaway database per session, the app, an HTTP client, a clean slate per test.

DATABASE_URL chooses the engine (SQLite unless it names PostgreSQL); `.ci/run` runs the suite once for each.
"""

from __future__ import annotations

import asyncio
import os

from tests import database

BASE_DATABASE_URL = os.environ.get("DATABASE_URL") or ""
TEST_DATABASE_URL = database.create_throwaway(BASE_DATABASE_URL)
os.environ["DATABASE_URL"] = TEST_DATABASE_URL  # before piccolo_conf is imported anywhere

import httpx  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

from core.settings import Settings  # noqa: E402

pytest_plugins = ["tests.browser"]

# Property tests check behaviour, not speed (benchmarks/ measure that): on a busy two-core CI machine Hypothesis's
# default 200 ms deadline per example failed a correct test.
hypothesis_settings.register_profile("project", deadline=None)
hypothesis_settings.load_profile("project")


def pytest_configure(config: pytest.Config) -> None:
    result = database.migrate(TEST_DATABASE_URL)
    if result.returncode != 0:
        raise pytest.UsageError(f"Migrations failed on {TEST_DATABASE_URL}:\n{result.stdout}\n{result.stderr}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run last: Playwright's sync API keeps an event loop running in the main thread for the rest
    of the session, and async tests cannot run after it has started."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def pytest_unconfigure(config: pytest.Config) -> None:
    database.drop_throwaway(TEST_DATABASE_URL, BASE_DATABASE_URL)


def pytest_report_header(config: pytest.Config) -> str:
    engine = "PostgreSQL" if database.is_postgres(TEST_DATABASE_URL) else "SQLite"
    return f"database: {engine} ({TEST_DATABASE_URL})"


@pytest.fixture(scope="session")
def settings() -> Settings:
    """On PostgreSQL the app keeps a pool, as in production, and each HTTP request holds one pooled connection
    (db.engine.RequestConnection). The app's lifespan opens the pool in the session's event loop, which every async
    test and fixture shares (pyproject's asyncio settings), and requests reach the app through httpx.ASGITransport in
    that loop too. Code in other loops goes through tests.browser.run_async, which sets the pool aside. SQLite has
    no pool."""
    pool = {} if database.is_postgres(TEST_DATABASE_URL) else {"db_pool_min": 0, "db_pool_max": 0}
    # No scheduled jobs behind the tests' backs: a test that wants them runs them.
    return Settings(database_url=TEST_DATABASE_URL, catalogue_refresh_seconds=0, jobs_in_app=False, **pool)


@pytest.fixture(scope="session")
async def app(settings: Settings):
    from app import create_app

    application = create_app(settings)
    # The lifespan is entered and left in one task of its own (anyio requires it; fixture setup and teardown
    # run in different tasks).
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:
        async with application.lifespan():
            started.set()
            await stopping.wait()

    lifespan = asyncio.create_task(run_lifespan())
    await started.wait()
    yield application
    stopping.set()
    await lifespan


@pytest.fixture
async def db(app):
    """Every test that touches the database starts and ends with empty tables (and no BankID orders)."""
    from tests.factories import clear_database

    yield
    await clear_database()
    app.state.catalogue.invalidate()
    await app.state.bankid_simulator.reset()


@pytest.fixture
async def client(app, db):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http_client:
        yield http_client


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """Overrides pytest-base-url's fixture (a conftest fixture wins over a plugin's)."""
    return live_server.url


@pytest.fixture
async def demo(db, settings, app):
    """The demo catalogue and its forms (the `db` fixture clears them after)."""
    from db.demo.catalogue import load_catalogue
    from db.demo.forms import load_forms

    await load_catalogue(settings=settings)
    await load_forms(settings=settings)
    app.state.catalogue.invalidate()
