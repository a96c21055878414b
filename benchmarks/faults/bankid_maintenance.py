"""BankID answers `maintenance`.

uvicorn (two workers, dev mode) on a throwaway PostgreSQL database talks to BankID over HTTP through a stub in this
script (BANKID_URL=http://127.0.0.1:PORT/rp/v6.0/): in `proxy` mode the stub passes every call on to the BankID
simulator the app mounts in dev mode (/_dev/bankid/rp/v6.0/), in `maintenance` mode it answers every call as BankID
does during maintenance (HTTP 503, `{"errorCode": "maintenance", ...}`), in `proxy_page` mode with a proxy's HTML 503
page (no JSON; the client reads the status). The resident acts through the app's pages only; the dev BankID app page
(/_dev/bankid) plays the phone. Checked, for a login started during maintenance, maintenance beginning while a login
is in progress, and signing an application during maintenance: the page the resident is on comes back with BankID's
recommended Swedish message (RFA5, "Internt tekniskt fel. Försök igen.") and a way to try again, never a 500 or the
error page; the catalogue and Mina sidor answer as usual meanwhile; once BankID is back the same app (no restart)
logs in, signs and submits; and the app logged no unhandled exception.

    python -m benchmarks.faults.bankid_maintenance
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import sys
import threading
import time

import httpx
import uvicorn

from benchmarks.faults.common import (
    Journey,
    Report,
    app_server,
    csrf,
    fill,
    free_port,
    query,
    seed,
    throwaway_database,
)

NAME = "bankid_maintenance"
RESIDENT = "198112189876"  # Erik Andersson, a test person of the population register fixture
RFA5 = "Internt tekniskt fel. Försök igen."
ERROR_PAGE = "Fel&shy;referens|Felreferens|error-ref"


class Stub:
    """BankID as seen over HTTP: passes calls on to the simulator, or answers as BankID under maintenance."""

    def __init__(self) -> None:
        self.mode = "proxy"
        self.target = ""  # the app's simulator API
        self.calls: list[tuple[str, str, int]] = []  # mode, endpoint, status answered
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/rp/v6.0/"
        self._server = uvicorn.Server(
            uvicorn.Config(self, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def __call__(self, scope, receive, send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        endpoint = scope["path"].rsplit("/", 1)[-1]
        if self.mode == "maintenance":
            status, content_type = 503, b"application/json"
            content = json.dumps({"errorCode": "maintenance", "details": "Scheduled maintenance"}).encode()
        elif self.mode == "proxy_page":
            status, content_type = 503, b"text/html"
            content = b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"
        else:
            async with httpx.AsyncClient() as client:
                answer = await client.post(
                    self.target + endpoint, content=body, headers={"Content-Type": "application/json"}
                )
            status, content_type, content = answer.status_code, b"application/json", answer.content
        self.calls.append((self.mode, endpoint, status))
        headers = [(b"content-type", content_type), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content})

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


async def approve_in_dev_app(client: httpx.AsyncClient, personal_number: str) -> None:
    """Play the phone: identify or sign the order in progress on the dev BankID app page."""
    page = await client.get("/_dev/bankid")
    form = re.search(r'<form method="post" action="(/_dev/bankid/order/[^"]+)">(.*?)</form>', page.text, re.S)
    assert form, "no BankID order in progress on /_dev/bankid"
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[2]))
    done = await client.post(
        html.unescape(form[1]), data={**hidden, "action": "approve", "personal_number": personal_number}
    )
    assert done.status_code == 303, done.status_code


async def follow(client: httpx.AsyncClient, status_path: str, seconds: float = 10) -> httpx.Response:
    """Poll an order's status page (as its page does every 2 s) until it sends the resident on."""
    deadline = time.monotonic() + seconds
    while True:
        answer = await client.get(status_path)
        if answer.status_code != 200 or time.monotonic() > deadline:
            return answer
        await asyncio.sleep(0.5)


async def scenario(report: Report, base_url: str, stub: Stub, slug: str) -> Journey:
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def record(response: httpx.Response) -> None:
            statuses.append(response.status_code)

        client.event_hooks["response"] = [record]

        def friendly(answer: httpx.Response, what: str, form_action: str) -> None:
            report.check(
                answer.status_code != 500
                and RFA5 in answer.text
                and 'role="alert"' in answer.text
                and f'action="{form_action}"' in answer.text
                and not re.search(ERROR_PAGE, answer.text),
                f"{what}: answer {answer.status_code}, the same page with BankID's Swedish message in an alert "
                f'("{RFA5}") and its form to try again, not the error page',
            )

        # 1. A login started during maintenance, with BankID's JSON and with a proxy's HTML page.
        for mode in ("maintenance", "proxy_page"):
            stub.mode = mode
            page = await client.get("/logga-in/bankid")
            started = await client.post("/logga-in/bankid", data={"_csrf_token": csrf(page), "enhet": "annan"})
            friendly(started, f"login started during maintenance ({mode})", "/logga-in/bankid")
        for path in ("/", "/e-tjanster", f"/e-tjanster/{slug}"):
            answer = await client.get(path)
            report.check(answer.status_code == 200, f"during maintenance {path} answers {answer.status_code}")

        # 2. Maintenance begins while a login is in progress.
        stub.mode = "proxy"
        page = await client.get("/logga-in/bankid")
        started = await client.post("/logga-in/bankid", data={"_csrf_token": csrf(page), "enhet": "annan"})
        report.check(started.status_code == 303, f"BankID back: a login starts ({started.status_code})")
        stub.mode = "maintenance"
        status = await client.get("/logga-in/bankid/status")
        report.check(
            status.status_code != 500 and RFA5 in status.text and not re.search(ERROR_PAGE, status.text),
            f'maintenance during a login in progress: the status page answers {status.status_code} with "{RFA5}"',
        )

        # 3. BankID back: the same app logs in.
        stub.mode = "proxy"
        page = await client.get("/logga-in/bankid")
        started = await client.post("/logga-in/bankid", data={"_csrf_token": csrf(page), "enhet": "annan"})
        await approve_in_dev_app(client, RESIDENT)
        done = await follow(client, "/logga-in/bankid/status")
        mine = await client.get("/mina-sidor")
        report.check(
            done.status_code == 303 and mine.status_code == 200 and "Erik" in mine.text,
            f"BankID back: the same app logs in ({done.status_code}) and shows Mina sidor ({mine.status_code})",
        )

        # 4. Signing an application during maintenance, then when BankID is back.
        journey = Journey(marker="signering")
        await fill(client, slug, journey)
        sign_path = f"/ansokan/{journey.draft}/signera"
        stub.mode = "maintenance"
        page = await client.get(sign_path)
        started = await client.post(sign_path, data={"_csrf_token": csrf(page), "enhet": "annan"})
        friendly(started, "signing started during maintenance", sign_path)
        mine = await client.get("/mina-sidor")
        report.check(mine.status_code == 200, f"during maintenance Mina sidor answers {mine.status_code}")
        stub.mode = "proxy"
        page = await client.get(sign_path)
        started = await client.post(sign_path, data={"_csrf_token": csrf(page), "enhet": "annan"})
        await approve_in_dev_app(client, RESIDENT)
        done = await follow(client, f"{sign_path}/status")
        journey.acknowledged = done.status_code == 303 and done.headers["location"].endswith("/kvittens")
        report.check(
            journey.acknowledged,
            f"BankID back: the application is signed and submitted ({done.status_code} to "
            f"{done.headers.get('location', '')})",
        )
    counted = {code: statuses.count(code) for code in sorted(set(statuses))}
    report.fact(f"answers by status {counted}; stub calls by mode {_calls(stub)}")
    report.check(500 not in statuses, "no answer was a 500")
    return journey


def _calls(stub: Stub) -> dict[str, int]:
    counts: dict[str, int] = {}
    for mode, endpoint, status in stub.calls:
        key = f"{mode} {endpoint} {status}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def run() -> Report:
    report = Report(NAME)
    stub = Stub()
    stub.start()
    try:
        with throwaway_database() as url:
            slug = seed(url, "submissions", "0", "signing")["slug"]
            with app_server(url, workers=2, BANKID_URL=stub.url, SIMULATORS="1") as app:
                stub.target = f"{app.url}/_dev/bankid/rp/v6.0/"
                journey = asyncio.run(scenario(report, app.url, stub, slug))
                log = app.log()
            cases = asyncio.run(
                query(url, "SELECT count(*) AS n FROM case_record WHERE source_draft::text = $1", journey.draft)
            )
            report.check(cases[0]["n"] == 1, f"the signed application is one case ({cases[0]['n']})")
            report.check(
                "unhandled_exception" not in log and "Traceback" not in log,
                "the app logged no unhandled exception",
            )
    finally:
        stub.stop()
    return report


if __name__ == "__main__":
    from benchmarks.faults.run import print_report

    sys.exit(0 if print_report(run()) else 1)
