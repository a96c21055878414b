"""Data for the fault scripts, written into the database DATABASE_URL names (a separate process: Piccolo reads
DATABASE_URL once). Prints JSON.

    python -m benchmarks.faults.data submissions USERS [signing]
    python -m benchmarks.faults.data retention SERVICES DRAFTS CASES
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from datetime import timedelta

from benchmarks.data import insert_all
from core import clock

# Two steps, the second with a required PDF: a case is complete only with its answers and its attachment.
FORM = """
steps:
  - id: om_dig
    title: Om dig
    fields:
      - {id: namn, type: text, label: Namn, required: true}
      - {id: markering, type: text, label: Markering, required: true}
  - id: bilaga
    title: Bilaga
    fields:
      - {id: fil, type: file, label: Fil, required: true, accept: [pdf], max_files: 1, max_size_mb: 1}
"""


async def _service(slug: str, requires_signing: bool = False, **fields):
    from db.applications import FormVersion
    from db.catalogue import Category, EService, bump_version

    category = Category(slug=f"{slug}-kategori", name="Felprov")
    await category.save()
    service = EService(
        slug=slug,
        title="Felprov",
        summary="E-tjänsten som felproven använder.",
        category=category.id,
        published=True,
        requires_login=True,
        allows_drafts=True,
        requires_signing=requires_signing,
        updated_at=clock.now(),
        **fields,
    )
    await service.save()
    await FormVersion.insert(FormVersion(e_service=service.id, version=1, definition=FORM, created_at=clock.now()))
    await bump_version()
    return service


async def submissions(users: int, signing: str = "") -> dict:
    """The e-service (requiring signing with `signing`) and `users` residents (each with an e-mail address, so a
    submission queues its receipt mail) with a session each."""
    from db.accounts import UserAccount
    from db.auth import create_session

    service = await _service("felprov", requires_signing=signing == "signing")
    sessions = []
    for number in range(users):
        account = UserAccount(
            personal_number=f"1991020{number:05d}",
            given_name="Fel",
            surname=f"Prov {number}",
            email=f"prov{number}@example.se",
            created_at=clock.now(),
        )
        await account.save()
        sessions.append(
            await create_session(account.id, staff_role="", staff_unit="", now=clock.now(), max_age=timedelta(hours=8))
        )
    return {"slug": service.slug, "sessions": sessions}


async def retention(services: int, drafts: int, cases: int) -> dict:
    """`services` e-services, each with `drafts` saved drafts untouched for a year and `cases` cases closed two years
    ago (each with an attachment, a 'received' event and a message), all past their retention, plus one draft and
    one case per e-service that are not and must stay."""
    from db.accounts import UserAccount
    from db.applications import Attachment, Draft, FormVersion
    from db.cases import CaseEvent, CaseRecord
    from db.messages import Message

    now = clock.now()
    owner = UserAccount(personal_number="199103010000", given_name="Fel", surname="Prov", created_at=now)
    await owner.save()
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 1000
    serial = 0
    for number in range(services):
        service = await _service(f"felprov-gallring-{number}", retention_days_draft=90, retention_days_closed=365)
        form = await FormVersion.select(FormVersion.id).where(FormVersion.e_service == service.id).first()

        def draft(age: timedelta, service=service, form=form) -> Draft:
            moment = now - age
            return Draft(
                public_id=uuid.uuid4(),
                owner=owner.id,
                e_service=service.id,
                form_version=form["id"],
                answers={"namn": "Fel Prov"},
                created_at=moment,
                last_activity_at=moment,
            )

        drafts_made = [draft(timedelta(days=365)) for _ in range(drafts)] + [draft(timedelta(days=1))]
        draft_ids = [row["id"] for row in await insert_all(Draft, drafts_made, returning=Draft.id)]
        rows = []
        for closed_days in [730] * cases + [10]:
            serial += 1
            rows.append(
                CaseRecord(
                    reference=f"2020-{serial:06d}",
                    source_draft=uuid.uuid4(),
                    e_service=service.id,
                    form_version=form["id"],
                    applicant=owner.id,
                    answers={"namn": "Fel Prov"},
                    status="closed",
                    received_at=now - timedelta(days=closed_days + 30),
                    closed_at=now - timedelta(days=closed_days),
                )
            )
        case_ids = [row["id"] for row in await insert_all(CaseRecord, rows, returning=CaseRecord.id)]

        def attachment(**belongs_to) -> Attachment:
            return Attachment(
                public_id=uuid.uuid4(),
                field_id="fil",
                filename="bilaga.pdf",
                content_type="application/pdf",
                size=len(pdf),
                sha256="0" * 64,
                content=pdf,
                created_at=now,
                **belongs_to,
            )

        await insert_all(Attachment, [attachment(draft=i) for i in draft_ids] + [attachment(case=i) for i in case_ids])
        await insert_all(CaseEvent, [CaseEvent(case=i, at=now, kind="received", details={}) for i in case_ids])
        await insert_all(
            Message, [Message(case=i, author=owner.id, from_officer="no", body="Hej", created_at=now) for i in case_ids]
        )
    return {"old_drafts": services * drafts, "old_cases": services * cases, "kept": services}


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    function = {"submissions": submissions, "retention": retention}[command]
    print(json.dumps(asyncio.run(function(*(int(a) if a.isdigit() else a for a in arguments)))))
