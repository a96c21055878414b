"""What the fault scripts share: throwaway databases, the app under uvicorn, a private PostgreSQL server, the
resident's journey over HTTP, worker processes, and the list of checks each fault reports."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from db.backup import admin, with_database
from tests import database
from tests.browser import PROJECT_ROOT, LiveServer, free_port, start_server, stop_server

POSTGRES_URL = os.environ.get("POSTGRES_URL", database.DEFAULT_POSTGRES_URL)  # throwaway databases beside it
DATABASE_PREFIX = "eplatform_faults"
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Report:
    """What a fault script checked: (passed, what) lines and facts worth printing."""

    name: str
    checks: list[tuple[bool, str]] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def check(self, passed: bool, what: str) -> bool:
        self.checks.append((bool(passed), what))
        return bool(passed)

    def fact(self, text: str) -> None:
        self.facts.append(text)

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(passed for passed, _ in self.checks)


@contextlib.contextmanager
def throwaway_database(base_url: str = POSTGRES_URL) -> Iterator[str]:
    """A new, migrated PostgreSQL database beside `base_url`, dropped afterwards."""
    url = database.create_throwaway(base_url, DATABASE_PREFIX)
    try:
        migrated = database.migrate(url)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        yield url
    finally:
        database.drop_throwaway(url, base_url)


def seed(url: str, *arguments: str) -> dict:
    """Run `python -m benchmarks.faults.data ARGUMENTS` against `url`; returns what it printed (JSON)."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.faults.data", *arguments],
        env={**os.environ, "DATABASE_URL": url},
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


@contextlib.contextmanager
def app_server(url: str, workers: int = 1, **env: str) -> Iterator[LiveServer]:
    """uvicorn in dev mode (the BankID simulator) on `url`, `workers` worker processes, no scheduled jobs unless
    `env` turns them on."""
    log = Path(tempfile.mkdtemp(prefix="eplatform-faults-")) / "uvicorn.log"
    server = start_server(
        {
            "DATABASE_URL": url,
            "MODE": "dev",
            "TEMPLATE_RELOAD": "0",
            "LOG_LEVEL": "WARNING",
            "DB_POOL_MIN": "1",
            "DB_POOL_MAX": "5",
            "CATALOGUE_REFRESH_SECONDS": "1",
            **env,
        },
        log,
        uvicorn_args=("--workers", str(workers), "--no-access-log"),
    )
    try:
        yield server
    finally:
        stop_server(server)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        with contextlib.suppress(OSError):
            text = Path(stat).read_text()
            # The command's name is in parentheses and may hold spaces; the parent's pid is the second field after.
            if int(text.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.split("/")[2]))
    return sorted(found)


def worker_pids(master: int) -> list[int]:
    """uvicorn's worker processes: the master's children started by multiprocessing, not its resource tracker."""
    workers = []
    for pid in children(master):
        with contextlib.suppress(OSError):
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "spawn_main" in command or ("multiprocessing" in command and "resource_tracker" not in command):
                workers.append(pid)
    return workers


def wait_for_workers(master: int, count: int, exclude: set[int] = frozenset(), timeout: float = 60) -> list[int]:
    """Wait until `count` workers run that are not in `exclude` (uvicorn restarts a worker that died)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        workers = [pid for pid in worker_pids(master) if pid not in exclude]
        if len(workers) >= count:
            return workers
        time.sleep(0.2)
    raise RuntimeError(f"uvicorn has not {count} new workers after {timeout} s")


class PrivatePostgres:
    """A PostgreSQL server of our own (initdb in a temporary directory, a port of 18000-18999), stopped and started
    only through pg_ctl with its own data directory. As root it runs as the `postgres` user (postgres refuses root)."""

    def __init__(self) -> None:
        binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
        if not binaries:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(binaries[-1]).parent
        self.base = Path(tempfile.mkdtemp(prefix="eplatform-faults-pg-"))
        self.data = self.base / "data"
        self.log = self.base / "server.log"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, text=True)

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c max_connections=60"
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.log), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        """`immediate` is a crash: no checkpoint, the server recovers from its write-ahead log at the next start."""
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    server = PrivatePostgres()
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.remove()


async def query(url: str, sql: str, *args) -> list[asyncpg.Record]:
    """One query on its own connection (the checks read the database directly, as an operator would)."""
    connection = await asyncpg.connect(url)
    try:
        return await connection.fetch(sql, *args)
    finally:
        await connection.close()


def csrf(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match, f"{page.request.url}: no CSRF token in a {page.status_code} answer"
    return match[1]


@dataclass
class Journey:
    """One resident's application: the draft, how far they got, and what the server answered to the submission."""

    marker: str
    draft: str = ""
    stage: str = "start"  # start, filled, submitting, acknowledged
    acknowledged: bool = False
    errors: list[str] = field(default_factory=list)


async def fill(client: httpx.AsyncClient, slug: str, journey: Journey) -> None:
    """Start an application and answer both steps (the second uploads a PDF); leaves it ready to submit."""
    page = await client.get(f"/e-tjanster/{slug}/starta")
    started = await client.post(f"/e-tjanster/{slug}/starta", data={"_csrf_token": csrf(page)})
    assert started.status_code == 303, f"start: {started.status_code}"
    journey.draft = started.headers["location"].rsplit("/", 1)[1]
    page = await client.get(f"/ansokan/{journey.draft}/steg/om_dig")
    answers = {"namn": "Fel Prov", "markering": journey.marker}
    form = {"_csrf_token": csrf(page), "step": "om_dig", "action": "continue", **answers}
    posted = await client.post(f"/ansokan/{journey.draft}/steg/om_dig", data=form)
    assert posted.status_code == 303, f"step om_dig: {posted.status_code}"
    page = await client.get(f"/ansokan/{journey.draft}/steg/bilaga")
    form = {"_csrf_token": csrf(page), "step": "bilaga", "action": "continue"}
    files = {"fil": (f"{journey.marker}.pdf", PDF + journey.marker.encode(), "application/pdf")}
    posted = await client.post(f"/ansokan/{journey.draft}/steg/bilaga", data=form, files=files)
    assert posted.status_code == 303, f"step bilaga: {posted.status_code}"
    journey.stage = "filled"


async def submit(client: httpx.AsyncClient, journey: Journey, on_send: Callable[[], None] | None = None) -> None:
    """Send the application in; acknowledged when the server answers with the receipt's address. `on_send` is
    called just before the submission goes out."""
    page = await client.get(f"/ansokan/{journey.draft}/granska")
    journey.stage = "submitting"
    if on_send is not None:
        on_send()
    done = await client.post(f"/ansokan/{journey.draft}/granska", data={"_csrf_token": csrf(page)})
    if done.status_code == 303 and done.headers["location"].endswith("/kvittens"):
        journey.acknowledged = True
        journey.stage = "acknowledged"
    else:
        journey.errors.append(f"submit answered {done.status_code}")


def client_for(base_url: str, session: str, timeout: float = 60) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, cookies={"session": session}, timeout=timeout)


async def check_cases(report: Report, url: str, journeys: list[Journey], slug: str) -> None:
    """What every fault that submits checks in the database: each acknowledged application is exactly one case, with
    its answers, its attachment (the very bytes sent), its timeline, its status period and its receipt mail, and its
    draft is gone; no case anywhere lacks a part; no file belongs to nothing."""
    acknowledged = [j for j in journeys if j.acknowledged]
    rows = await query(
        url,
        "SELECT c.id, c.reference, c.source_draft::text AS draft, c.answers, "
        "(SELECT count(*) FROM attachment a WHERE a.\"case\" = c.id AND a.field_id = 'fil') AS files, "
        "(SELECT string_agg(encode(a.content, 'escape'), '') FROM attachment a WHERE a.\"case\" = c.id) AS content, "
        "(SELECT count(*) FROM case_event e WHERE e.\"case\" = c.id AND e.kind = 'received') AS received, "
        '(SELECT count(*) FROM status_period p WHERE p."case" = c.id) AS periods, '
        "(SELECT count(*) FROM notification n WHERE n.kind = 'case_received' AND n.subject LIKE '%' || c.reference "
        "|| '%') AS mails, "
        "(SELECT count(*) FROM draft d WHERE d.public_id = c.source_draft) AS drafts_left "
        "FROM case_record c JOIN e_service s ON s.id = c.e_service WHERE s.slug = $1",
        slug,
    )
    by_draft: dict[str, list] = {}
    for row in rows:
        by_draft.setdefault(row["draft"], []).append(row)
    missing = [j.draft for j in acknowledged if len(by_draft.get(j.draft, [])) != 1]
    report.check(not missing, f"each of {len(acknowledged)} acknowledged submissions is exactly one case {missing}")

    def complete(row, marker: str | None) -> bool:
        answers = json.loads(row["answers"]) if isinstance(row["answers"], str) else row["answers"]
        return (
            row["files"] == 1
            and row["received"] == 1
            and row["periods"] == 1
            and row["mails"] == 1
            and row["drafts_left"] == 0
            and (marker is None or (answers.get("markering") == marker and (row["content"] or "").endswith(marker)))
        )

    markers = {j.draft: j.marker for j in journeys}
    broken = [row["reference"] for row in rows if not complete(row, markers.get(row["draft"]))]
    report.check(
        not broken,
        f"all {len(rows)} cases complete: answers, the PDF sent, one 'received' event, a status period, one receipt "
        f"mail, no draft left {broken}",
    )
    orphans = await query(url, 'SELECT count(*) AS n FROM attachment WHERE draft IS NULL AND "case" IS NULL')
    report.check(orphans[0]["n"] == 0, f"no attachment without its draft or case ({orphans[0]['n']})")
    # Cut before it was filled in, an application is a draft like any other.
    unacknowledged = [j for j in journeys if j.stage in ("filled", "submitting") and not j.acknowledged]
    drafts = {
        row["id"]: row
        for row in await query(
            url,
            "SELECT d.public_id::text AS id, (SELECT count(*) FROM attachment a WHERE a.draft = d.id) AS files "
            "FROM draft d",
        )
    }
    half = [
        j.draft
        for j in unacknowledged
        if not (len(by_draft.get(j.draft, [])) == 1 or (j.draft in drafts and drafts[j.draft]["files"] == 1))
    ]
    report.check(
        not half,
        f"each of {len(unacknowledged)} unacknowledged applications is either a complete case or still a whole "
        f"draft with its file {half}",
    )


def run_async(coroutine):
    return asyncio.run(coroutine)


def admin_sql(url: str, sql: str) -> None:
    asyncio.run(admin(with_database(url, "postgres"), sql))
