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


async def my_pages_setup(cases_per_user: dict[str, int], messages: int) -> dict:
    """Residents with many cases (ongoing and closed, a few with open supplement requests and unread messages) and one
    case with a long conversation; returns each resident's session and that case's reference."""
    import uuid
    from datetime import date, timedelta

    from db.accounts import UserAccount
    from db.applications import CaseEvent, CaseRecord, FormVersion
    from db.conversations import Message, SupplementRequest
    from db.sessions import create_session

    service = await EService.objects().where(EService.published == True).first()  # noqa: E712
    await EService.update({EService.allows_messages: True, EService.allows_supplement: True}).where(
        EService.id == service.id
    )
    form = FormVersion(e_service=service.id, version=98, definition=BENCH_FORM, created_at=clock.now())
    await form.save()
    await bump_version()
    now = clock.now()
    result: dict = {"sessions": {}}
    serial = 0
    for name, count in cases_per_user.items():
        account = UserAccount(
            personal_number=f"19850{len(result['sessions']):03d}0000"[:12],
            given_name="Test",
            surname=name,
            created_at=now,
        )
        await account.save()
        rows = []
        for number in range(count):
            serial += 1
            closed = number % 5 == 4
            rows.append(
                CaseRecord(
                    reference=f"2026-{serial:06d}",
                    source_draft=uuid.uuid4(),
                    e_service=service.id,
                    form_version=form.id,
                    applicant=account.id,
                    answers={"namn": "Test Person", "typ": "a", "beskrivning": "Ett ärende " * 20},
                    status="closed" if closed else "in_progress",
                    received_at=now - timedelta(hours=count - number),
                    closed_at=now - timedelta(minutes=count - number) if closed else None,
                    decision="Beviljas." if closed else "",
                )
            )
        ids = []
        for start in range(0, len(rows), 200):
            ids += [r["id"] for r in await CaseRecord.insert(*rows[start : start + 200]).returning(CaseRecord.id)]
        events = [CaseEvent(case=case_id, at=now, kind="received", actor=account.id) for case_id in ids]
        for start in range(0, len(events), 200):
            await CaseEvent.insert(*events[start : start + 200])
        open_cases = [case_id for n, case_id in enumerate(ids) if n % 5 != 4]
        await SupplementRequest.insert(
            *(
                SupplementRequest(
                    case=case_id, message="Skicka ritningen.", fields=[], due_date=date.today(), created_at=now
                )
                for case_id in open_cases[-5:]
            )
        )
        await Message.insert(
            *(
                Message(case=case_id, from_officer="yes", body="Ett nytt meddelande.", created_at=now)
                for case_id in open_cases[-10:]
            )
        )
        result["sessions"][name] = await create_session(
            account.id, staff_role="", staff_unit="", now=now, max_age=timedelta(hours=8)
        )
        if "conversation" not in result:
            conversation_case = open_cases[0]
            await Message.insert(
                *(
                    Message(
                        case=conversation_case,
                        author=None if n % 2 else account.id,
                        from_officer="yes" if n % 2 else "no",
                        body=f"Meddelande {n}: " + "Hej, här kommer en fråga om ärendet. " * 4,
                        created_at=now - timedelta(minutes=messages - n),
                        read_by_resident_at=now,
                        read_by_officer_at=now,
                    )
                    for n in range(messages)
                )
            )
            result["conversation"] = (
                await CaseRecord.select(CaseRecord.reference).where(CaseRecord.id == conversation_case).first()
            )["reference"]
            result["conversation_user"] = name
    return result


if __name__ == "__main__":
    if sys.argv[1] == "session":
        print(asyncio.run(logged_in_session()))
    elif sys.argv[1] == "my_pages":
        import json

        counts = {"many": int(sys.argv[2]), "few": 20, "everyone_else": int(sys.argv[4])}
        print(json.dumps(asyncio.run(my_pages_setup(counts, int(sys.argv[3])))))
    elif sys.argv[1] == "applications":
        import json

        print(json.dumps(asyncio.run(application_setup(int(sys.argv[2])))))
    else:
        print(asyncio.run(fill(int(sys.argv[1]))))
