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


BENCH_FORM = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Namn, required: true, prefill: name}
      - {id: epost, type: email, label: E-post, prefill: email}
      - {id: typ, type: radio, label: Typ, required: true, options: [{value: a, label: Alfa}, {value: b, label: Beta}]}
      - {id: detalj, type: text, label: Detalj, required: true, show_if: {field: typ, equals: b}}
  - id: mer
    title: Mer
    fields:
      - {id: beskrivning, type: textarea, label: Beskrivning, required: true}
      - {id: datum, type: date, label: Datum}
"""


async def application_setup(users: int) -> dict:
    """An e-service with a two-step form, and `users` residents each with a session (for the benchmarks)."""
    from datetime import timedelta

    from db.accounts import UserAccount
    from db.applications import FormVersion
    from db.sessions import create_session

    service = await EService.objects().where(EService.published == True).first()  # noqa: E712
    await FormVersion.insert(
        FormVersion(e_service=service.id, version=99, definition=BENCH_FORM, created_at=clock.now())
    )
    await EService.update({EService.requires_signing: False, EService.allows_drafts: True}).where(
        EService.id == service.id
    )
    await bump_version()
    tokens = []
    for number in range(users):
        account = UserAccount(
            personal_number=f"1990010{number:05d}",
            given_name="Test",
            surname=f"Person {number}",
            created_at=clock.now(),
        )
        await account.save()
        tokens.append(
            await create_session(account.id, staff_role="", staff_unit="", now=clock.now(), max_age=timedelta(hours=8))
        )
    return {"slug": service.slug, "sessions": tokens}


if __name__ == "__main__":
    if sys.argv[1] == "session":
        print(asyncio.run(logged_in_session()))
    elif sys.argv[1] == "applications":
        import json

        print(json.dumps(asyncio.run(application_setup(int(sys.argv[2])))))
    else:
        print(asyncio.run(fill(int(sys.argv[1]))))
