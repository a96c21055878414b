"""PostgreSQL crashes and comes back under load.

A PostgreSQL server of this script's own (initdb in a temporary directory, a port in 18000-18999; the machine's
shared server is never touched) and uvicorn with two workers on it. Ten residents at a time fill in and submit
applications (two steps, a PDF) while a visitor reads Mina sidor, a case page and the catalogue. After a few seconds
the server stops with `pg_ctl stop -m immediate` (a crash: no checkpoint, recovery from the write-ahead log at the
next start), stays down OUTAGE seconds, and starts again. Checked: no answer is a 500; while the database is down,
pages that need it answer the Swedish 503 page with Retry-After and the catalogue is still served from memory; after
the start the same uvicorn processes (the same PIDs) serve again within RECOVERY seconds; every acknowledged
submission is exactly one complete case, and every one cut by the outage is a complete case or still a whole draft.

    python -m benchmarks.faults.postgres_restart
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import time
from dataclasses import dataclass

import httpx

from benchmarks.faults.common import (
    Journey,
    Report,
    app_server,
    check_cases,
    client_for,
    fill,
    private_postgres,
    seed,
    submit,
    worker_pids,
)
from db.backup import admin, with_database
from tests import database

NAME = "postgres_restart"
RESIDENTS = 10  # at a time
USERS = 250  # one session per journey; application starts are limited to 300 an hour per address
BEFORE, OUTAGE, AFTER = 4.0, 6.0, 8.0  # seconds
RECOVERY = 10.0  # seconds after the start within which pages must answer again
UNAVAILABLE_TEXT = "Tjänsten är tillfälligt otillgänglig"


@dataclass
class Answer:
    at: float
    path: str
    status: int  # 0: no answer (connection error)
    swedish_503: bool = False
    retry_after: bool = False


class Load:
    def __init__(self, base_url: str, slug: str, sessions: list[str]) -> None:
        self.base_url, self.slug, self.sessions = base_url, slug, list(sessions)
        self.journeys: list[Journey] = []
        self.answers: list[Answer] = []
        self.stopping = asyncio.Event()
        self.failures: dict[str, int] = {}

    def record(self, response: httpx.Response) -> None:
        body = response.text if response.status_code == 503 else ""
        self.answers.append(
            Answer(
                time.monotonic(),
                response.request.url.path,
                response.status_code,
                UNAVAILABLE_TEXT in body,
                "retry-after" in response.headers,
            )
        )

    async def resident(self) -> None:
        while not self.stopping.is_set() and self.sessions:
            journey = Journey(marker=f"j{len(self.journeys)}")
            self.journeys.append(journey)
            async with client_for(self.base_url, self.sessions.pop(), timeout=30) as client:
                client.event_hooks["response"] = [self._hook]
                try:
                    await fill(client, self.slug, journey)
                    await submit(client, journey)
                except (AssertionError, httpx.HTTPError) as error:
                    reason = type(error).__name__
                    self.failures[reason] = self.failures.get(reason, 0) + 1
                    await asyncio.sleep(0.2)

    async def _hook(self, response: httpx.Response) -> None:
        await response.aread()
        self.record(response)

    async def reader(self, session: str, case_path: str) -> None:
        async with client_for(self.base_url, session, timeout=30) as client:
            client.event_hooks["response"] = [self._hook]
            while not self.stopping.is_set():
                for path in ("/mina-sidor", case_path, "/e-tjanster", "/healthz"):
                    with contextlib.suppress(httpx.HTTPError):
                        await client.get(path)
                await asyncio.sleep(0.05)


def run() -> Report:
    report = Report(NAME)
    with private_postgres() as server:
        asyncio.run(admin(server.url, "CREATE DATABASE faults"))
        url = with_database(server.url, "faults")
        migrated = database.migrate(url)
        assert migrated.returncode == 0, migrated.stderr
        setup = seed(url, "submissions", str(USERS + 1))
        slug, (reader_session, *sessions) = setup["slug"], setup["sessions"]
        with app_server(url, workers=2) as app:
            master = app.process.pid
            workers_before = worker_pids(master)
            reader = Journey(marker="reader")

            async def scenario() -> tuple[Load, float, float]:
                async with client_for(app.url, reader_session) as client:
                    await fill(client, slug, reader)
                    await submit(client, reader)
                cases = await client_cases(app.url, reader_session)
                load = Load(app.url, slug, sessions)
                tasks = [asyncio.create_task(load.resident()) for _ in range(RESIDENTS)]
                tasks.append(asyncio.create_task(load.reader(reader_session, cases)))
                await asyncio.sleep(BEFORE)
                await asyncio.to_thread(server.stop, "immediate")
                down = time.monotonic()
                await asyncio.sleep(OUTAGE)
                restarting = time.monotonic()
                await asyncio.to_thread(server.start)
                up = time.monotonic()
                await asyncio.sleep(AFTER)
                load.stopping.set()
                await asyncio.gather(*tasks)
                return load, down, restarting, up

            load, down, restarting, up = asyncio.run(scenario())
            unhandled = [line for line in app.log().splitlines() if "unhandled_exception" in line]
            workers_after = worker_pids(master)
            answers = load.answers
            statuses: dict[int, int] = {}
            for answer in answers:
                statuses[answer.status] = statuses.get(answer.status, 0) + 1
            report.fact(
                f"{len(answers)} answers by status {dict(sorted(statuses.items()))}; journeys cut: {load.failures}"
            )
            for answer in answers:
                if answer.status == 500:
                    report.fact(f"500 at {answer.path}, {answer.at - down:+.1f} s from the stop")
            for line in unhandled:
                report.fact(f"the app logged: {line[:3000]}")
            report.check(statuses.get(500, 0) == 0, f"no 500 ({statuses.get(500, 0)})")
            report.check(
                set(statuses) <= {200, 204, 303, 503},
                f"every answer is 200, 303 or 503 ({sorted(statuses)})",
            )
            # While the server is down: from a moment after it stopped (a request may finish what it had read) until
            # it is told to start.
            outage = [a for a in answers if down + 0.5 < a.at < restarting]
            needs_db = [a for a in outage if a.path != "/e-tjanster"]
            report.check(
                needs_db and all(a.status == 503 and (a.swedish_503 or a.path == "/healthz") for a in needs_db),
                f"during the outage all {len(needs_db)} answers needing the database are the Swedish 503 page "
                f"({sorted({(a.path.split('/')[1], a.status) for a in needs_db})})",
            )
            report.check(all(a.retry_after for a in needs_db if a.path != "/healthz"), "the 503 pages say Retry-After")
            catalogue = [a for a in outage if a.path == "/e-tjanster"]
            report.check(
                catalogue and all(a.status == 200 for a in catalogue),
                f"during the outage the catalogue is served from memory ({len(catalogue)} answers, all 200)",
            )
            recovered = [a.at for a in answers if a.at > up and a.path == "/mina-sidor" and a.status == 200]
            recovery = recovered[0] - up if recovered else None
            late = [a for a in answers if a.at > up + RECOVERY and a.status not in (200, 204, 303)]
            report.fact(
                f"server down {restarting - down:.1f} s, started in {up - restarting:.1f} s; Mina sidor answered 200 "
                f"again {recovery:.1f} s after the start"
                if recovery is not None
                else "Mina sidor never answered again"
            )
            report.check(
                recovery is not None and recovery < RECOVERY and not late,
                f"the app recovered by itself within {RECOVERY:.0f} s of the start, and nothing failed after that "
                f"({len(late)} later failures)",
            )
            report.check(
                workers_before == workers_after and len(workers_after) == 2,
                f"without a restart: the same two workers before and after ({workers_before} / {workers_after})",
            )
            after = [j for j in load.journeys if j.acknowledged]
            report.fact(f"{len(after)} submissions acknowledged of {len(load.journeys)} journeys")
            asyncio.run(check_cases(report, url, [reader, *load.journeys], slug))
    return report


async def client_cases(base_url: str, session: str) -> str:
    """The address of the resident's first case page, from Mina sidor."""
    async with client_for(base_url, session) as client:
        page = await client.get("/mina-sidor")
    match = re.search(r'href="(/mina-sidor/arenden/[^"?]+)"', page.text)
    assert match, "no case on Mina sidor"
    return match[1]


if __name__ == "__main__":
    from benchmarks.faults.run import print_report

    sys.exit(0 if print_report(run()) else 1)
