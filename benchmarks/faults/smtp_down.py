"""The mail server is down, then fails in the middle of a batch, then comes back: nothing is lost, nothing is sent
twice.

uvicorn (two workers) on a throwaway PostgreSQL database; the outbox runs as its own process (`python -m jobs run
outbox`, as in a deployment with JOBS_IN_APP=0) against an SMTP server in this script (aiosmtpd, as the tests use).
1. Nothing listens on the SMTP port: 20 residents submit (each submission queues its receipt mail), the outbox runs.
   Checked: every submission is acknowledged (a request never waits for the mail server), no mail counts as sent,
   none is given up, every one stays queued or is scheduled for a retry.
2. The server accepts 5 messages, then answers every message with `421 4.3.0` (shutting down). The outbox runs.
3. The server works. The retry times are moved to now (instead of waiting the backoff's 1, 2, 4 ... minutes) and
   the outbox runs until its queue is empty. Checked: the server received exactly one message per queued mail, to
   its recipient with its reference number, and every mail in the outbox is marked sent without an error.

    python -m benchmarks.faults.smtp_down
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import logging
import os
import subprocess
import sys

from aiosmtpd.controller import Controller

from benchmarks.faults.common import (
    PROJECT_ROOT,
    Journey,
    Report,
    app_server,
    check_cases,
    client_for,
    fill,
    free_port,
    query,
    seed,
    submit,
    throwaway_database,
)

NAME = "smtp_down"
USERS = 20
ACCEPT_BEFORE_FAILING = 5


class Handler:
    """Records what it accepts; after `accept_only` messages answers 421 (the server is going down)."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.accept_only: int | None = None
        self.refused = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.accept_only is not None and len(self.received) >= self.accept_only:
            self.refused += 1
            return "421 4.3.0 Service shutting down"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 Message accepted for delivery"


def _outbox(url: str, port: int) -> dict:
    """One run of the outbox job in a process of its own; returns its job_finished log line."""
    done = subprocess.run(
        [sys.executable, "-m", "jobs", "run", "outbox"],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": url,
            "MODE": "dev",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_STARTTLS": "0",
            "LOG_LEVEL": "INFO",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in done.stderr.splitlines():
        if '"job_finished"' in line:
            entry = json.loads(line)
            return {key: entry[key] for key in ("sent", "failed", "retried", "skipped") if key in entry}
    raise AssertionError(f"the outbox did not finish: {done.stderr[-2000:]}")


OUTBOX = (
    "SELECT id, email, subject, sent_at, attempts, last_error, next_attempt_at > now() AS later FROM notification "
    "WHERE kind = 'case_received' ORDER BY id"
)


async def _submit_all(base_url: str, slug: str, sessions: list[str]) -> list[Journey]:
    journeys = [Journey(marker=f"m{n}") for n in range(len(sessions))]

    async def one(session: str, journey: Journey) -> None:
        async with client_for(base_url, session) as client:
            await fill(client, slug, journey)
            await submit(client, journey)

    await asyncio.gather(*(one(s, j) for s, j in zip(sessions, journeys, strict=True)))
    return journeys


def run() -> Report:
    report = Report(NAME)
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    port = free_port()
    handler = Handler()
    with throwaway_database() as url:
        setup = seed(url, "submissions", str(USERS))
        with app_server(url, workers=2) as app:
            journeys = asyncio.run(_submit_all(app.url, setup["slug"], setup["sessions"]))
        acknowledged = sum(j.acknowledged for j in journeys)
        report.check(acknowledged == USERS, f"with the mail server down, all {USERS} submissions are acknowledged")

        first = _outbox(url, port)
        rows = asyncio.run(query(url, OUTBOX))
        report.fact(f"1. nothing listens on port {port}: the outbox run gave {first}")
        report.check(
            len(rows) == USERS
            and not any(r["sent_at"] for r in rows)
            and all(r["attempts"] == 0 or (r["later"] and r["last_error"]) for r in rows),
            f"1. all {len(rows)} receipt mails stay in the outbox: none sent or given up, those tried are scheduled "
            f"again ({sum(r['attempts'] for r in rows)} attempts)",
        )

        controller = Controller(handler, hostname="127.0.0.1", port=port)
        controller.start()
        try:
            handler.accept_only = ACCEPT_BEFORE_FAILING
            asyncio.run(query(url, "UPDATE notification SET next_attempt_at = now() WHERE sent_at IS NULL"))
            second = _outbox(url, port)
            rows = asyncio.run(query(url, OUTBOX))
            sent = [r for r in rows if r["sent_at"]]
            report.fact(
                f"2. the server accepts {ACCEPT_BEFORE_FAILING} then answers 421: the outbox run gave {second}, "
                f"{handler.refused} refused"
            )
            report.check(
                len(sent) == len(handler.received) == ACCEPT_BEFORE_FAILING
                and all(not r["last_error"] for r in sent)
                and all(r["later"] and r["last_error"] for r in rows if not r["sent_at"]),
                f"2. exactly the {len(handler.received)} accepted mails are marked sent; the {len(rows) - len(sent)} "
                "refused are scheduled again, none given up",
            )

            handler.accept_only = None
            runs = []
            for _ in range(5):
                asyncio.run(query(url, "UPDATE notification SET next_attempt_at = now() WHERE sent_at IS NULL"))
                runs.append(_outbox(url, port))
                if not asyncio.run(query(url, "SELECT 1 FROM notification WHERE sent_at IS NULL")):
                    break
            rows = asyncio.run(query(url, OUTBOX))
            report.fact(f"3. the server works: outbox runs gave {runs}")
        finally:
            controller.stop()
        received = [(m["X-Envelope-To"], m["Subject"]) for m in handler.received]
        expected = [(r["email"], r["subject"]) for r in rows]
        report.check(
            sorted(received) == sorted(expected) and len(set(received)) == len(received) == USERS,
            f"3. the server received exactly one message per queued mail ({len(received)} for {len(expected)}), "
            "to its recipient with its reference number",
        )
        report.check(
            all(r["sent_at"] and not r["last_error"] for r in rows),
            f"3. every mail in the outbox is marked sent without an error ({sum(bool(r['sent_at']) for r in rows)})",
        )
        asyncio.run(check_cases(report, url, journeys, setup["slug"]))
    return report


if __name__ == "__main__":
    from benchmarks.faults.run import print_report

    sys.exit(0 if print_report(run()) else 1)
