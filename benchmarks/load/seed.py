"""The load run's data, on top of the demo data (`python -m db.demo`: the catalogue, its forms, the units and the
demo staff): the e-service the residents apply for gets a short two-step form (benchmarks.data.BENCH_FORM) as its
newest version, no signing, drafts and messages allowed. Prints the e-service's slug. After the run, `check DIR`
looks up each acknowledged reference number (DIR/references.txt: lines of "draft reference") and each message the
server said it got (DIR/messages.txt) in the database and prints JSON.

    DATABASE_URL=... python -m benchmarks.load.seed [check DIR]
(a separate process: Piccolo reads DATABASE_URL once)."""

from __future__ import annotations

import asyncio
import json
import sys
from collections import Counter
from pathlib import Path

from benchmarks.data import BENCH_FORM
from core import clock
from db.applications import FormVersion
from db.catalogue import EService, bump_version
from db.engine import fetch

SLUG = "ansokan-om-bygglov"  # handled by "Bygga, bo och miljö", the demo officers' unit


async def seed() -> str:
    service = await EService.objects().where(EService.slug == SLUG).first()
    assert service is not None and service.unit is not None, "load the demo data first (python -m db.demo)"
    await FormVersion.insert(
        FormVersion(e_service=service.id, version=99, definition=BENCH_FORM, created_at=clock.now())
    )
    await EService.update(
        {
            EService.requires_login: True,
            EService.requires_signing: False,
            EService.allows_drafts: True,
            EService.allows_messages: True,
            EService.allows_coapplicants: False,
        }
    ).where(EService.id == service.id)
    await bump_version()
    return service.slug


async def check(acknowledged: list[tuple[str, str]], messages: list[str]) -> dict:
    """Each acknowledged reference must be in the database exactly once, as the case of the draft it was given for,
    and no two drafts may have been told the same reference; each message the server said it got (each text is
    unique) must be there exactly once (a post sent again must not have been stored twice)."""
    rows = await fetch("SELECT reference, source_draft FROM case_record")
    cases: dict[str, list[str]] = {}
    for row in rows:
        cases.setdefault(row["reference"], []).append(str(row["source_draft"]))
    told: dict[str, list[str]] = {}
    for draft, reference in acknowledged:
        told.setdefault(reference, []).append(draft)
    problems = [
        f"{reference}: {len(cases.get(reference, []))} cases in the database"
        for reference in told
        if len(cases.get(reference, [])) != 1
    ]
    problems += [
        f"{reference}: acknowledged for {len(drafts)} drafts" for reference, drafts in told.items() if len(drafts) > 1
    ]
    problems += [
        f"{reference}: the case of draft {cases[reference][0]}, acknowledged for {drafts[0]}"
        for reference, drafts in told.items()
        if len(cases.get(reference, [])) == 1 and cases[reference] != drafts[:1]
    ]
    stored = Counter(row["body"] for row in await fetch("SELECT body FROM message WHERE from_officer = 'no'"))
    problems += [f"message {text!r}: {stored[text]} in the database" for text in messages if stored[text] != 1]
    return {
        "acknowledged": len(acknowledged),
        "cases_in_database": len(rows),
        "messages_acknowledged": len(messages),
        "messages_in_database": sum(stored.values()),
        "problems": problems,
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["check"]:

        def lines(path: Path) -> list[str]:
            return [line for line in path.read_text().split("\n") if line.strip()] if path.exists() else []

        results = Path(sys.argv[2])
        pairs = [tuple(line.split()) for line in lines(results / "references.txt")]
        print(json.dumps(asyncio.run(check(pairs, lines(results / "messages.txt")))))
    else:
        print(asyncio.run(seed()))
