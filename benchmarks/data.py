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
    await insert_all(EService, rows)
    await bump_version()
    return await EService.count().where(EService.published == True)  # noqa: E712


async def logged_in_session() -> str:
    """A resident (Erik Andersson, a test person) with a session; returns the session cookie's value."""
    from datetime import timedelta

    from db.auth import create_session
    from integrations.population_register.fixture import FixtureRegister
    from services.auth import account_after_login

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
    from db.auth import create_session

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


async def insert_all(table, rows: list, returning=None) -> list[dict]:
    """Insert in batches (a single statement has a limit on its parameters)."""
    inserted = []
    for start in range(0, len(rows), 200):
        query = table.insert(*rows[start : start + 200])
        inserted += await (query.returning(returning) if returning else query) or []
    return inserted


async def my_pages_setup(cases_per_user: dict[str, int], messages: int, other_cases: int) -> dict:
    """Residents with many cases (ongoing and closed, a few with open supplement requests and unread messages) and one
    case with a long conversation, among `other_cases` cases of other residents (ten each, as in a municipality where
    most people have a few); returns each named resident's session and the conversation's reference."""
    import uuid
    from datetime import date, timedelta

    from piccolo.engine.postgres import PostgresEngine

    from db.accounts import UserAccount
    from db.applications import FormVersion
    from db.auth import create_session
    from db.cases import CaseEvent, CaseRecord
    from db.engine import current_engine
    from db.messages import Message, SupplementRequest

    service = await EService.objects().where(EService.published == True).first()  # noqa: E712
    await EService.update({EService.allows_messages: True, EService.allows_supplement: True}).where(
        EService.id == service.id
    )
    form = FormVersion(e_service=service.id, version=98, definition=BENCH_FORM, created_at=clock.now())
    await form.save()
    await bump_version()
    now = clock.now()
    serial = 0

    async def residents(first: int, count: int, surname: str) -> list[int]:
        accounts = [
            UserAccount(personal_number=f"1985{first + n:08d}", given_name="Test", surname=surname, created_at=now)
            for n in range(count)
        ]
        return [row["id"] for row in await insert_all(UserAccount, accounts, returning=UserAccount.id)]

    async def cases_of(account_ids: list[int], count: int) -> list[list[int]]:
        """`count` cases for each account (every fifth closed, the last open ones with a supplement request or an
        unread message); returns each account's open cases."""
        nonlocal serial
        rows = []
        for account_id in account_ids:
            for number in range(count):
                serial += 1
                closed = number % 5 == 4
                rows.append(
                    CaseRecord(
                        reference=f"2026-{serial:06d}",
                        source_draft=uuid.uuid4(),
                        e_service=service.id,
                        form_version=form.id,
                        applicant=account_id,
                        answers={"namn": "Test Person", "typ": "a", "beskrivning": "Ett ärende " * 20},
                        status="closed" if closed else "in_progress",
                        received_at=now - timedelta(hours=count - number),
                        closed_at=now - timedelta(minutes=count - number) if closed else None,
                        decision="Beviljas." if closed else "",
                    )
                )
        ids = [row["id"] for row in await insert_all(CaseRecord, rows, returning=CaseRecord.id)]
        await insert_all(
            CaseEvent,
            [CaseEvent(case=i, at=now, kind="received", actor=r.applicant) for i, r in zip(ids, rows, strict=True)],
        )
        open_cases = [
            [case_id for n, case_id in enumerate(ids[start : start + count]) if n % 5 != 4]
            for start in range(0, len(ids), count)
        ]
        await insert_all(
            SupplementRequest,
            [
                SupplementRequest(case=i, message="Skicka ritningen.", fields=[], due_date=date.today(), created_at=now)
                for own in open_cases
                for i in own[-5:]
            ],
        )
        await insert_all(
            Message,
            [
                Message(case=i, from_officer="yes", body="Ett nytt meddelande.", created_at=now)
                for own in open_cases
                for i in own[-10:]
            ],
        )
        return open_cases

    result: dict = {"sessions": {}}
    for number, (name, count) in enumerate(cases_per_user.items()):
        (account_id,) = await residents(number, 1, name)
        (open_cases,) = await cases_of([account_id], count)
        result["sessions"][name] = await create_session(
            account_id, staff_role="", staff_unit="", now=now, max_age=timedelta(hours=8)
        )
        if "conversation" not in result:
            conversation_case = open_cases[0]
            await Message.insert(
                *(
                    Message(
                        case=conversation_case,
                        author=None if n % 2 else account_id,
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
    await cases_of(await residents(len(cases_per_user), other_cases // 10, "Annan"), 10)
    # What autovacuum (PostgreSQL: statistics, and the visibility map that lets a covering index answer alone) or
    # `PRAGMA optimize` (SQLite) would have done by the time a database is this big.
    await CaseRecord.raw("VACUUM ANALYZE" if isinstance(current_engine(), PostgresEngine) else "ANALYZE")
    return result


async def bulk_insert(table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Many rows at once, past Piccolo's objects: COPY on PostgreSQL, executemany on SQLite (values as Piccolo
    stores them: its SQLite adapters are registered when piccolo.engine.sqlite is imported)."""
    import os
    import sqlite3

    import asyncpg
    from piccolo.engine.postgres import PostgresEngine

    from db.engine import current_engine, sqlite_path

    url = os.environ["DATABASE_URL"]
    if isinstance(current_engine(), PostgresEngine):
        connection = await asyncpg.connect(url)
        try:
            await connection.copy_records_to_table(table, columns=list(columns), records=rows)
        finally:
            await connection.close()
        return
    with sqlite3.connect(sqlite_path(url)) as connection:
        names = ", ".join(f'"{column}"' for column in columns)
        marks = ", ".join("?" for _ in columns)
        connection.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


INBOX_OFFICER = "197606239866"  # Eva, a case officer among the test persons
INBOX_SERVICES = 5  # e-services the officer's unit handles
API_PAGE = 100  # cases per page in the API benchmark
OPEN_CASES = 2_000  # a unit's open cases: what its officers can handle at once; what grows is the closed history
GIVEN = ("anna", "erik", "maria", "lars", "karin", "per", "eva", "johan", "sara", "nils")
SURNAMES = (
    "andersson", "johansson", "karlsson", "nilsson", "eriksson", "larsson", "olsson", "persson", "svensson",
    "gustafsson", "pettersson", "jonsson", "jansson", "hansson", "bengtsson", "lindqvist", "lindberg", "berg",
    "lundberg", "holm",
)  # fmt: skip


async def inbox_setup(unit_cases: int, other_cases: int, events: int, messages: int) -> dict:
    """The officers' inbox at scale: a unit ("Bygga, bo och miljö") handling INBOX_SERVICES e-services with
    `unit_cases` cases (OPEN_CASES of them open: received, in progress, awaiting a supplement; assigned to the unit's
    ten officers or to nobody; some with news from the resident, some near their deadline; the rest closed), and
    another unit with `other_cases`; 50,000 residents apply. One open case of the unit has `events` events and
    `messages` messages. Returns the officer's session and what the benchmark asks for."""
    import uuid
    from datetime import timedelta

    from piccolo.engine.postgres import PostgresEngine

    from db.accounts import UserAccount
    from db.applications import FormVersion
    from db.auth import create_session
    from db.case_handling import Bookmark
    from db.cases import CaseEvent, CaseRecord, StatusPeriod
    from db.engine import current_engine
    from db.messages import Message
    from db.staff import save_staff, unit_by_name

    now = clock.now()
    services = [row["id"] for row in await EService.select(EService.id).order_by(EService.id).limit(50)]
    unit = await unit_by_name("Bygga, bo och miljö", create=True)
    other_unit = await unit_by_name("Barn och utbildning", create=True)
    own, others = services[:INBOX_SERVICES], services[INBOX_SERVICES:]
    await EService.update({EService.unit: unit, EService.allows_messages: True}).where(EService.id.is_in(own))
    await EService.update({EService.unit: other_unit}).where(EService.id.is_in(others))
    await bump_version()
    forms = {}
    for service in services:
        form = FormVersion(e_service=service, version=97, definition=BENCH_FORM, created_at=now)
        await form.save()
        forms[service] = form.id
    statuses = {row["kind"]: row for row in await fetch_default_statuses()}

    officer_numbers = [INBOX_OFFICER] + [f"1980010100{n:02d}" for n in range(1, 10)]
    officers = []
    for number, personal_number in enumerate(officer_numbers):
        await save_staff(personal_number, "officer", "Bygga, bo och miljö", now)
        account = UserAccount(
            personal_number=personal_number, given_name=GIVEN[number], surname="Handläggare", created_at=now
        )
        await account.save()
        officers.append(account.id)
    me = officers[0]

    residents = 50_000
    await bulk_insert(
        "user_account",
        ("personal_number", "given_name", "surname", "created_at", "notices_off"),
        [
            (
                f"19{50 + n // 10_000:02d}0101{n % 10_000:04d}",
                GIVEN[n % 10].title(),
                SURNAMES[n // 10 % 20].title(),
                now,
                "[]",
            )
            for n in range(residents)
        ],
    )
    first_resident = (
        await UserAccount.select(UserAccount.id).where(UserAccount.personal_number == "195001010000").first()
    )["id"]  # COPY takes ids from the sequence in order
    rows = []
    serial = 0

    def add_cases(count: int, services_of: list[int], open_count: int) -> None:
        nonlocal serial
        for n in range(count):
            serial += 1
            resident = (n * 7919 + len(services_of)) % residents
            pnr = f"19{50 + resident // 10_000:02d}0101{resident % 10_000:04d}"
            given, surname = GIVEN[resident % 10], SURNAMES[resident // 10 % 20]
            service = services_of[n % len(services_of)]
            reference = f"2026-{serial:06d}"
            if n < open_count:  # the newest: open, one every 40 minutes
                received = now - timedelta(minutes=40 * n + 5)
                kind = ("received", "in_progress", "awaiting_supplement")[min(2, n % 10 // 4)]
                status = statuses[kind]
                assigned = None if kind == "received" and n % 2 == 0 else officers[n % len(officers)]
                deadline = received + timedelta(days=status["handling_days"])
                closed_at, attention = None, n % 13 == 0
            else:  # older, closed: one every 10 minutes before them
                received = now - timedelta(minutes=40 * open_count + 10 * (n - open_count))
                kind, status = "closed", statuses["closed"]
                assigned, deadline = officers[n % len(officers)], None
                closed_at, attention = received + timedelta(days=20), False
            rows.append(
                (reference, uuid.UUID(int=serial), service, forms[service], first_resident + resident,
                 '{"namn": "Test Person", "typ": "a", "beskrivning": "Ett ärende"}', kind, n % 500 == 7, received,
                 assigned, closed_at, "Beviljas." if closed_at else "", status["id"], deadline, attention,
                 f"{reference} {pnr} {given} {surname}", "", "", "", 0, closed_at or received)
            )  # fmt: skip

    add_cases(unit_cases, own, min(OPEN_CASES, unit_cases))
    add_cases(other_cases, others, min(OPEN_CASES, other_cases))
    await bulk_insert(
        "case_record",
        ("reference", "source_draft", "e_service", "form_version", "applicant", "answers", "status", "protected",
         "received_at", "assigned_to", "closed_at", "decision", "status_id", "deadline", "attention", "search_text",
         "digest", "receipt_key", "outcome", "version", "changed_at"),
        rows,
    )  # fmt: skip
    first_case = (await CaseRecord.select(CaseRecord.id).order_by(CaseRecord.id).first())["id"]
    # The officer's flags: twenty of the unit's open cases.
    await Bookmark.insert(*(Bookmark(case=first_case + 37 * n, officer=me, created_at=now) for n in range(20)))

    # The case view's case: open, the officer's, with a long timeline and conversation.
    case_id = first_case + 4  # in progress
    case = (
        await CaseRecord.select(CaseRecord.reference, CaseRecord.applicant, CaseRecord.received_at)
        .where(CaseRecord.id == case_id)
        .first()
    )
    await CaseRecord.update({CaseRecord.assigned_to: me}).where(CaseRecord.id == case_id)
    await StatusPeriod.insert(
        StatusPeriod(case=case_id, status=statuses["in_progress"]["id"], started_at=case["received_at"])
    )
    kinds = ("received", "assigned", "status_changed", "message", "supplement_requested", "supplement_answered")
    await CaseEvent.insert(
        *(
            CaseEvent(
                case=case_id,
                at=case["received_at"] + timedelta(minutes=n),
                kind=kinds[n % len(kinds)],
                actor=case["applicant"] if n % 2 == 0 else me,
            )
            for n in range(events)
        )
    )
    await Message.insert(
        *(
            Message(
                case=case_id,
                author=me if n % 2 else case["applicant"],
                from_officer="yes" if n % 2 else "no",
                body=f"Meddelande {n}: " + "Hej, här kommer en fråga om ärendet. " * 4,
                created_at=case["received_at"] + timedelta(minutes=n),
                read_by_resident_at=now,
                read_by_officer_at=now,
            )
            for n in range(messages)
        )
    )
    session = await create_session(
        me, staff_role="officer", staff_unit="Bygga, bo och miljö", now=now, max_age=timedelta(hours=8)
    )
    await CaseRecord.raw("VACUUM ANALYZE" if isinstance(current_engine(), PostgresEngine) else "ANALYZE")
    searched = (123 * 7919 + len(own)) % residents  # the applicant of the unit's 124th newest case
    return {
        "session": session,
        "case": case["reference"],
        "service": own[0],
        "status": statuses["in_progress"]["id"],
        "name": f"{GIVEN[searched % 10]} {SURNAMES[searched // 10 % 20]}",
        "number": f"19{50 + searched // 10_000:02d}0101{searched % 10_000:04d}",
    }


async def api_setup(cases: int) -> dict:
    """The integration API at scale: the inbox's unit with `cases` cases in its INBOX_SERVICES e-services, and an API
    client reading all of them. Returns its token and the cursors of the first and the last page of 100."""
    from datetime import date, timedelta

    from db.engine import fetch
    from services import api

    await inbox_setup(cases, 0, 1, 1)
    slugs = [row["slug"] for row in await fetch("SELECT slug FROM e_service ORDER BY id LIMIT {}", INBOX_SERVICES)]
    token = await api.create_client("ByggR", slugs, ["read"], date.today() + timedelta(days=30))
    last = await fetch(
        "SELECT changed_at, id FROM case_record ORDER BY changed_at DESC, id DESC LIMIT 1 OFFSET {}", API_PAGE
    )
    return {"token": token, "last_cursor": api.encode_cursor(last[0]["changed_at"], last[0]["id"])}


async def fetch_default_statuses() -> list[dict]:
    from db.engine import fetch

    return await fetch("SELECT id, kind, handling_days FROM case_status WHERE e_service IS NULL ORDER BY sort_order")


if __name__ == "__main__":
    if sys.argv[1] == "session":
        print(asyncio.run(logged_in_session()))
    elif sys.argv[1] == "my_pages":
        import json

        counts = {"many": int(sys.argv[2]), "few": 20}
        print(json.dumps(asyncio.run(my_pages_setup(counts, int(sys.argv[3]), int(sys.argv[4])))))
    elif sys.argv[1] == "inbox":
        import json

        print(json.dumps(asyncio.run(inbox_setup(*(int(argument) for argument in sys.argv[2:6])))))
    elif sys.argv[1] == "api":
        import json

        print(json.dumps(asyncio.run(api_setup(int(sys.argv[2])))))
    elif sys.argv[1] == "applications":
        import json

        print(json.dumps(asyncio.run(application_setup(int(sys.argv[2])))))
    else:
        print(asyncio.run(fill(int(sys.argv[1]))))
