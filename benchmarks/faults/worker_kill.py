"""SIGKILL of a uvicorn worker while submissions are in flight.

uvicorn with two workers on a throwaway PostgreSQL database; 20 residents fill in an application (two steps, a PDF)
and all submit at once; when half of the submissions have been sent, one worker (a child of the uvicorn master this
script started) gets SIGKILL. uvicorn starts a new worker. Checked in the database, before and after the residents
whose request was cut send it again (as a browser's reload would): every acknowledged submission is exactly one
complete case (answers, the very PDF sent, its 'received' event, status period and receipt mail, no draft left), no
case lacks a part, and each unacknowledged one is either a complete case or still a whole draft; a retry lands on
the receipt. Rounds repeat (each with another worker killed) until a kill has cut at least one submission.

    python -m benchmarks.faults.worker_kill
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

import httpx

from benchmarks.faults.common import (
    Journey,
    Report,
    app_server,
    check_cases,
    client_for,
    fill,
    seed,
    submit,
    throwaway_database,
    wait_for_workers,
)

USERS = 20
ROUNDS = 3
NAME = "worker_kill"


async def _round(base_url: str, slug: str, sessions: list[str], victim: int, number: int) -> list[Journey]:
    journeys = [Journey(marker=f"r{number}u{n}") for n in range(len(sessions))]
    clients = [client_for(base_url, session) for session in sessions]
    try:
        await asyncio.gather(*(fill(client, slug, journey) for client, journey in zip(clients, journeys, strict=True)))

        half_sent = asyncio.Event()
        sent = 0

        def count() -> None:
            nonlocal sent
            sent += 1
            if sent >= len(journeys) // 2:
                half_sent.set()

        async def one(client: httpx.AsyncClient, journey: Journey) -> None:
            try:
                await submit(client, journey, on_send=count)
            except httpx.HTTPError as error:  # the worker died under the request
                journey.errors.append(type(error).__name__)

        async def killer() -> None:
            await half_sent.wait()
            os.kill(victim, signal.SIGKILL)

        await asyncio.gather(killer(), *(one(c, j) for c, j in zip(clients, journeys, strict=True)))
    finally:
        for client in clients:
            await client.aclose()
    return journeys


async def _retry(base_url: str, session: str, journey: Journey) -> str:
    """What a resident does whose submission got no answer: load the check page again and submit. Returns how it
    ended: 'receipt' when the page already led to the receipt, 'submitted' or what went wrong."""
    async with client_for(base_url, session) as client:
        page = await client.get(f"/ansokan/{journey.draft}/granska")
        if page.status_code == 303 and page.headers["location"].endswith("/kvittens"):
            journey.acknowledged = True
            return "receipt"
        await submit(client, journey)
        return "submitted" if journey.acknowledged else ",".join(journey.errors)


def run() -> Report:
    report = Report(NAME)
    with throwaway_database() as url:
        setup = seed(url, "submissions", str(USERS * ROUNDS))
        slug, sessions = setup["slug"], setup["sessions"]
        with app_server(url, workers=2) as server:
            master = server.process.pid
            killed: set[int] = set()
            everyone: list[Journey] = []
            cut_total = 0
            for number in range(ROUNDS):
                workers = wait_for_workers(master, 2, exclude=killed)
                victim = workers[0]
                round_sessions = sessions[number * USERS : (number + 1) * USERS]
                journeys = asyncio.run(_round(server.url, slug, round_sessions, victim, number))
                killed.add(victim)
                everyone += journeys
                cut = [j for j in journeys if not j.acknowledged]
                cut_total += len(cut)
                errors = ", ".join(sorted({error for j in cut for error in j.errors}))
                report.fact(
                    f"round {number + 1}: worker {victim} killed after {USERS // 2} of {USERS} submissions were sent; "
                    f"{USERS - len(cut)} acknowledged, {len(cut)} cut ({errors})"
                )
                new = wait_for_workers(master, 2, exclude=killed)
                report.check(victim not in new, f"round {number + 1}: uvicorn replaced the killed worker ({new})")
                asyncio.run(check_cases(report, url, everyone, slug))
                if cut:
                    by_draft = dict(zip((j.draft for j in journeys), round_sessions, strict=True))
                    outcomes = asyncio.run(_gather_retries(server.url, by_draft, cut))
                    report.fact(f"round {number + 1}: retried after the kill: {outcomes}")
                    report.check(
                        all(j.acknowledged for j in journeys),
                        f"round {number + 1}: every cut submission, sent again, ends on its receipt",
                    )
                    asyncio.run(check_cases(report, url, everyone, slug))
                    break
            report.check(cut_total > 0, f"a kill cut at least one submission in flight ({cut_total})")
    return report


async def _gather_retries(base_url: str, sessions: dict[str, str], cut: list[Journey]) -> dict[str, int]:
    outcomes: dict[str, int] = {}
    for result in await asyncio.gather(*(_retry(base_url, sessions[j.draft], j) for j in cut)):
        outcomes[result] = outcomes.get(result, 0) + 1
    return outcomes


if __name__ == "__main__":
    from benchmarks.faults.run import print_report

    sys.exit(0 if print_report(run()) else 1)
