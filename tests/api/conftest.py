"""Two e-services with cases (bygglov with two, skolskjuts with one), a draft, and API clients with tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from core import clock
from services import api
from tests.factories import make_case, make_service_with_form, make_unit, make_user


@dataclass
class World:
    references: dict[str, str]  # "erik", "sara" (bygglov), "school" (skolskjuts)
    tokens: dict[str, str]  # "bygglov" (every scope), "reader" (read only), "school" (skolskjuts, every scope)
    ids: dict[str, int]  # the cases' ids, by the same names


async def token(name: str, services: list[str], scopes: list[str], expires: date | None = None) -> str:
    return await api.create_client(name, services, scopes, expires or date.today() + timedelta(days=30))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def world(db) -> World:
    bygga, barn = await make_unit("Bygga, bo och miljö"), await make_unit("Barn och utbildning")
    bygglov = await make_service_with_form(slug="bygglov", title="Ansökan om bygglov", unit=bygga)
    skola = await make_service_with_form(slug="skolskjuts", title="Skolskjuts", unit=barn)
    erik, sara = await make_user("198112189876", "Erik", "Andersson"), await make_user("199505199902", "Sara", "Ali")
    now = clock.now()
    cases = {
        "erik": await make_case(bygglov, erik.id, received_at=now - timedelta(hours=2), answers={"namn": "Erik"}),
        "sara": await make_case(bygglov, sara.id, received_at=now - timedelta(hours=1)),
        "school": await make_case(skola, sara.id, received_at=now),
    }
    tokens = {
        "bygglov": await token("ByggR", ["bygglov"], list(api.SCOPES)),
        "reader": await token("Läsare", ["bygglov"], ["read"]),
        "school": await token("Procapita", ["skolskjuts"], list(api.SCOPES)),
    }
    return World(
        {name: case.reference for name, case in cases.items()}, tokens, {name: case.id for name, case in cases.items()}
    )
