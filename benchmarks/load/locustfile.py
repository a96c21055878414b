"""The load run's simulated people (locust), as a browser and htmx would talk to the app:

- Visitor (anonymous): the start page, the catalogue, live search as they type (htmx fragments), an e-service's page.
- Resident: logs in through the BankID simulator (the dev app on the same device, then the status page polled by
  htmx every 2 s), then browses and searches; applies (start, each step with autosaves while typing, continue,
  check, submit, receipt); reads Mina sidor (overview, cases, one case); writes a message on one of their cases.
- Officer: logs in the same way as a demo case officer and reads the inbox (the list, a search, a case).

Each person sends its own X-Forwarded-For address (198.18.0.0/15, the range set aside for benchmarks; a header, not
traffic): the runner trusts 127.0.0.1 as a proxy (TRUSTED_PROXIES), so the per-address rate limits see 200
addresses, as behind a real reverse proxy, while the per-session limits stay as they are.

Statistics are named by page (`GET /ansokan/[id]/steg/[step]`), not by address. Every status answered is counted per
page; each acknowledged reference number (from the receipt page) is appended to LOAD_RESULTS/references.txt and
each message the server said it got to messages.txt, for the runner to check in the database. Run by
benchmarks/load/run.py; by hand:

    LOAD_SLUG=ansokan-om-bygglov LOAD_RESULTS=/tmp/x locust -f benchmarks/load/locustfile.py --host http://...
"""

from __future__ import annotations

import html
import itertools
import json
import math
import os
import random
import re
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from gevent import Timeout
from locust import FastHttpUser, between, events, task
from locust.exception import RescheduleTask

SLUG = os.environ.get("LOAD_SLUG", "ansokan-om-bygglov")
RESULTS = Path(os.environ.get("LOAD_RESULTS", "."))
OFFICERS = ("197606239866", "197104183525", "198809021465")  # demo officers of "Bygga, bo och miljö"
SEARCHES = ("by", "bygg", "bygglov", "för", "förskola", "parkering", "sop", "avlopp", "bidrag", "tillstånd")
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')
REFERENCE = re.compile(r'class="confirmation__reference">.*?<strong>([^<]+)</strong>', re.S)
FRAGMENT = {"HX-Request": "true"}

_serial = itertools.count()
statuses: Counter[tuple[str, int, bool]] = Counter()  # page, status, failed (not what the journey expected)
times: dict[str, list[tuple[float, float]]] = {}  # page: (started at, milliseconds taken) of each request
STEADY_AFTER = 60  # seconds from the first request: the ramp-up (every resident logging in) is over


def personal_number(serial: int) -> str:
    """A valid personal number (Luhn) for resident `serial`, born 1990-01-01 to 1990-01-28."""
    digits = f"9001{serial // 900 + 1:02d}{serial % 900 + 100:03d}"
    total = sum(sum(divmod(int(d) * (2 - i % 2), 10)) for i, d in enumerate(digits))
    return f"19{digits}{(10 - total % 10) % 10}"


@events.request.add_listener
def _count(name: str, response, exception, response_time: float, start_time: float, **_kwargs) -> None:
    if response is None:  # a check of ours, not a request
        statuses[(name, -1, True)] += 1
        return
    statuses[(name, response.status_code or 0, exception is not None)] += 1  # 0: no answer (connection failed)
    if response.status_code:
        times.setdefault(name, []).append((start_time, response_time))


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest time that `share` of the requests took at most."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@events.quitting.add_listener
def _write(**_kwargs) -> None:
    """Every request's status by page, and p50/p95/p99 by page (and p95 of the requests after the ramp-up), once the
    last journey has ended (locust's own CSV files are written before the journeys still in progress at the end have
    finished)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    pages = {}
    first = min((start for each in times.values() for start, _taken in each), default=0)
    for name, requests in [*sorted(times.items()), ("all requests", [r for each in times.values() for r in each])]:
        ordered = sorted(taken for _start, taken in requests)
        steady = sorted(taken for start, taken in requests if start >= first + STEADY_AFTER)
        pages[name] = {
            "requests": len(ordered),
            **{f"p{round(share * 100)}_ms": round(percentile(ordered, share)) for share in (0.5, 0.95, 0.99)},
            "steady_requests": len(steady),
            "steady_p95_ms": round(percentile(steady, 0.95)) if steady else None,
        }
    rows = [
        {"name": name, "status": status, "failed": failed, "count": count}
        for (name, status, failed), count in sorted(statuses.items())
    ]
    (RESULTS / "requests.json").write_text(json.dumps({"pages": pages, "statuses": rows}, indent=1))


class Person(FastHttpUser):
    abstract = True
    wait_time = between(2, 6)  # reading a page before the next journey

    def on_start(self) -> None:
        self.serial = next(_serial)
        self.address = f"198.18.{self.serial // 250}.{self.serial % 250 + 1}"

    def request(
        self, method: str, path: str, name: str, expect: tuple[int, ...] = (200,), headers: dict | None = None, **kw
    ):
        """One request, not following redirects; a status outside `expect` fails it (429 and 5xx by name) and ends
        the journey. A request that got no answer because the server closed the idle keep-alive connection as it
        was sent is sent once more on a new one, as browsers do (counted apart, with status 0, not failed)."""
        headers = {"X-Forwarded-For": self.address, **(headers or {})}
        for attempt in (1, 2):
            with self.client.request(
                method, path, name=name, headers=headers, allow_redirects=False, catch_response=True, **kw
            ) as response:
                if response.status_code in expect:
                    response.success()
                    return response
                error = getattr(response, "error", None)
                if response.status_code == 0 and attempt == 1 and not isinstance(error, TimeoutError | Timeout):
                    response.success()  # counted as (page, 0, not failed): a retry
                    continue
                if response.status_code == 429:
                    response.failure("429 rate limited")
                else:
                    response.failure(f"{response.status_code} (expected {'/'.join(map(str, expect))}) {error!r}")
            break
        raise RescheduleTask()

    def get(self, path: str, name: str, **kw):
        return self.request("GET", path, name, **kw)

    def post(self, path: str, name: str, fields: dict | list, expect=(303,), headers: dict | None = None):
        body = urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, name, expect=expect, data=body, headers=headers)

    def think(self, low: float = 0.5, high: float = 2.0) -> None:
        time.sleep(random.uniform(low, high))  # gevent's sleep: locust patches time

    def browse_and_search(self) -> None:
        self.get("/", "GET /")
        page = self.get("/e-tjanster", "GET /e-tjanster")
        self.think()
        word = random.choice(SEARCHES)
        found = None
        for length in sorted({min(len(word), 3), len(word)}):  # typing: the fragment after a pause, then the rest
            found = self.get(
                "/e-tjanster?" + urlencode({"q": word[:length]}), "GET /e-tjanster?q= (htmx)", headers=FRAGMENT
            )
            self.think(0.3, 1.0)
        slugs = re.findall(r'href="/e-tjanster/([a-z0-9-]+)"', found.text) or re.findall(
            r'href="/e-tjanster/([a-z0-9-]+)"', page.text
        )
        if slugs:
            self.get(f"/e-tjanster/{random.choice(slugs)}", "GET /e-tjanster/[slug]")

    def log_in(self, number: str) -> None:
        """Through the BankID simulator on the same device, as a person at a browser."""
        choose = self.get("/logga-in/bankid", "GET /logga-in/bankid")
        token = CSRF.search(choose.text)[1]
        self.post("/logga-in/bankid", "POST /logga-in/bankid", {"_csrf_token": token, "enhet": "denna"})
        status = self.get("/logga-in/bankid/status", "GET /logga-in/bankid/status")
        link = html.unescape(re.search(r'href="(/_dev/bankid/app\?[^"]+)"', status.text)[1])
        self.think()
        app = self.get(link, "GET /_dev/bankid/app")
        form = re.search(r'<form method="post" action="(/_dev/bankid/order/[^"]+)">(.*?)</form>', app.text, re.S)
        fields = {**dict(HIDDEN.findall(form[2])), "action": "approve", "personal_number": number}
        self.post(form[1], "POST /_dev/bankid/order/[ref]", fields)
        back = self.get("/logga-in/bankid/status", "GET /logga-in/bankid/status", expect=(200, 303))
        for _poll in range(15):  # the page polls every 2 s until BankID says complete
            if back.status_code == 303 or back.headers.get("HX-Redirect"):
                break
            time.sleep(2)
            back = self.get(
                "/logga-in/bankid/status", "GET /logga-in/bankid/status (htmx)", expect=(200, 204), headers=FRAGMENT
            )
        else:
            raise RescheduleTask()
        if not any(cookie.name == "session" for cookie in self.client.cookiejar):
            self.environment.events.request.fire(
                request_type="LOGIN",
                name="logged in with a session cookie",
                response_time=0,
                response_length=0,
                response=None,
                context={},
                exception=AssertionError("BankID said complete, but no session cookie came"),
            )
            raise RescheduleTask()
        target = back.headers.get("location") or back.headers.get("HX-Redirect")
        self.get(target, f"GET {target}")


class Visitor(Person):
    weight = 4

    @task
    def browse(self) -> None:
        self.browse_and_search()


class Resident(Person):
    weight = 15

    def on_start(self) -> None:
        super().on_start()
        self.number = personal_number(self.serial)
        self.cases: list[str] = []
        self.logged_in = False

    def ensure_logged_in(self) -> None:
        if not self.logged_in:
            self.log_in(self.number)
            self.logged_in = True

    @task(2)
    def browse(self) -> None:
        self.browse_and_search()

    @task(3)
    def apply(self) -> None:
        """Start, fill in with autosaves, submit; the reference number on the receipt is acknowledged."""
        self.ensure_logged_in()
        self.get(f"/e-tjanster/{SLUG}", "GET /e-tjanster/[slug]")
        self.think()
        start = self.get(f"/e-tjanster/{SLUG}/starta", "GET /e-tjanster/[slug]/starta")
        started = self.post(
            f"/e-tjanster/{SLUG}/starta", "POST /e-tjanster/[slug]/starta", {"_csrf_token": CSRF.search(start.text)[1]}
        )
        draft = started.headers["location"].rsplit("/", 1)[1]
        first = self.get(f"/ansokan/{draft}", "GET /ansokan/[id]", expect=(200, 303))
        if first.status_code == 303:
            first = self.get(first.headers["location"], "GET /ansokan/[id]/steg/[step]")
        typing = (
            ("om_dig", [{"namn": "Test Person"}, {"typ": "b"}, {"detalj": "Ett garage"}]),
            ("mer", [{"beskrivning": "Vi vill bygga"}, {"beskrivning": "Vi vill bygga ett garage på tomten."}]),
        )
        page = first
        for step, edits in typing:
            answers: dict[str, str] = {}
            hidden = dict(HIDDEN.findall(page.text))
            token = hidden["_csrf_token"]
            for edit in edits:  # htmx posts the whole form 1.5 s after typing stops
                self.think(1.0, 3.0)
                answers.update(edit)
                self.post(
                    f"/ansokan/{draft}/autospara",
                    "POST /ansokan/[id]/autospara (htmx)",
                    {**hidden, **answers},
                    expect=(200,),
                    headers={**FRAGMENT, "X-CSRFToken": token},
                )
            moved = self.post(
                f"/ansokan/{draft}/steg/{step}",
                "POST /ansokan/[id]/steg/[step]",
                {**hidden, **answers, "action": "continue"},
            )
            if step == "om_dig":
                page = self.get(moved.headers["location"], "GET /ansokan/[id]/steg/[step]")
        check = self.get(f"/ansokan/{draft}/granska", "GET /ansokan/[id]/granska")
        self.think()
        submitted = self.post(
            f"/ansokan/{draft}/granska", "POST /ansokan/[id]/granska", {"_csrf_token": CSRF.search(check.text)[1]}
        )
        receipt = self.get(submitted.headers["location"], "GET /ansokan/[id]/kvittens")
        reference = html.unescape(REFERENCE.search(receipt.text)[1]).strip()
        self.cases.append(reference)
        with (RESULTS / "references.txt").open("a") as acknowledged:
            acknowledged.write(f"{draft} {reference}\n")

    @task(3)
    def my_pages(self) -> None:
        self.ensure_logged_in()
        self.get("/mina-sidor", "GET /mina-sidor")
        self.think()
        listing = self.get("/mina-sidor/arenden", "GET /mina-sidor/arenden")
        mine = re.findall(r'href="/mina-sidor/arenden/([0-9]{4}-[0-9]+)"', listing.text)
        if mine:
            self.think()
            self.get(f"/mina-sidor/arenden/{random.choice(mine)}", "GET /mina-sidor/arenden/[ref]")

    @task(2)
    def write_message(self) -> None:
        self.ensure_logged_in()
        if not self.cases:
            raise RescheduleTask()
        reference = random.choice(self.cases)
        case = self.get(f"/mina-sidor/arenden/{reference}", "GET /mina-sidor/arenden/[ref]")
        cursor = re.search(r'name="efter" value="(\d+)"', case.text)[1]
        self.get(
            f"/mina-sidor/arenden/{reference}/meddelanden?efter={cursor}",
            "GET /mina-sidor/arenden/[ref]/meddelanden (htmx poll)",
            expect=(200, 204),
            headers=FRAGMENT,
        )
        self.think(3, 8)  # writing
        token = CSRF.search(case.text)[1]
        boundary = uuid.uuid4().hex
        text = f"En fråga om ärende {reference} (fråga {uuid.uuid4().hex[:12]})."
        parts = [("_csrf_token", token), ("text", text), ("efter", cursor)]
        body = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n' for name, value in parts
        )
        body += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename=""\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n\r\n--{boundary}--\r\n"
        )  # an empty file input, as a browser sends it
        self.request(
            "POST",
            f"/mina-sidor/arenden/{reference}/meddelanden",
            "POST /mina-sidor/arenden/[ref]/meddelanden (htmx)",
            data=body.encode(),
            headers={**FRAGMENT, "X-CSRFToken": token, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        with (RESULTS / "messages.txt").open("a") as sent:
            sent.write(text + "\n")


class Officer(Person):
    weight = 1

    def on_start(self) -> None:
        super().on_start()
        self.logged_in = False

    @task
    def inbox(self) -> None:
        if not self.logged_in:
            self.log_in(OFFICERS[self.serial % len(OFFICERS)])
            self.logged_in = True
        inbox = self.get("/handlaggare", "GET /handlaggare")
        self.think(1, 3)
        listed = re.findall(r'href="/handlaggare/arenden/([0-9]{4}-[0-9]+)"', inbox.text)
        self.get("/handlaggare?" + urlencode({"q": "Test"}), "GET /handlaggare?q=")
        if listed:
            self.think(1, 3)
            self.get(f"/handlaggare/arenden/{random.choice(listed)}", "GET /handlaggare/arenden/[ref]")
