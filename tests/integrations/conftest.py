"""A BankID simulator with a clock the test moves, and the real client talking to it in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.bankid import BankIdClient, BankIdSimulator, simulator_api


class MovableClock:
    def __init__(self, start: datetime) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


@pytest.fixture
def bankid_clock() -> MovableClock:
    return MovableClock(datetime(2026, 3, 2, 8, 30, tzinfo=UTC))


@pytest.fixture
def simulator(bankid_clock) -> BankIdSimulator:
    return BankIdSimulator(now=bankid_clock)


@pytest.fixture
async def bankid(simulator):
    transport = httpx.ASGITransport(app=simulator_api(simulator))
    async with BankIdClient("http://bankid.test/", transport=transport) as client:
        yield client


@pytest.fixture
async def raw_bankid(simulator):
    """Plain HTTP to the simulator, for requests our client would never send."""
    transport = httpx.ASGITransport(app=simulator_api(simulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://bankid.test/") as client:
        yield client
