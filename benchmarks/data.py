"""Fills the database named by DATABASE_URL with a large catalogue: the demo catalogue, multiplied to `count`
published e-services. Run as `python -m benchmarks.data COUNT` (a separate process: Piccolo reads DATABASE_URL once)."""

from __future__ import annotations

import asyncio
import sys

from core import clock
from db.catalogue import Category, EService, bump_version
from db.demo.catalogue import load_catalogue


async def fill(count: int) -> int:
    await load_catalogue()
    templates = await EService.select().where(EService.published == True)  # noqa: E712
    categories = {row["id"] for row in await Category.select(Category.id)}
    assert templates and categories
    rows = []
    for number in range(count - len(templates)):
        template = templates[number % len(templates)]
        rows.append(
            EService(
                slug=f"{template['slug']}-{number}",
                title=f"{template['title']} (område {number})",
                summary=template["summary"],
                description=template["description"],
                before_you_start=template["before_you_start"],
                processing_time=template["processing_time"],
                category=template["category"],
                keywords=template["keywords"],
                contact_name=template["contact_name"],
                contact_email=template["contact_email"],
                published=True,
                start_count=number % 97,
                updated_at=clock.now(),
            )
        )
    for start in range(0, len(rows), 200):
        await EService.insert(*rows[start : start + 200])
    await bump_version()
    return await EService.count().where(EService.published == True)  # noqa: E712


async def logged_in_session() -> str:
    """A resident (Erik Andersson, a test person) with a session; returns the session cookie's value."""
    from datetime import timedelta

    from db.accounts import account_after_login
    from db.sessions import create_session
    from integrations.population_register.fixture import FixtureRegister

    account, _ = await account_after_login("198112189876", "Erik", "Andersson", FixtureRegister(), clock.now())
    return await create_session(account.id, staff_role="", staff_unit="", now=clock.now(), max_age=timedelta(hours=8))


if __name__ == "__main__":
    if sys.argv[1] == "session":
        print(asyncio.run(logged_in_session()))
    else:
        print(asyncio.run(fill(int(sys.argv[1]))))
