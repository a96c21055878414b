"""Applications under load, on SQLite and PostgreSQL:
- a step page (GET) and autosave (POST, as htmx sends it) with wrk, as ratios of the hello-world endpoint;
- submission throughput: 20 users at once, each starting an application, answering two steps and submitting.

  python -m benchmarks.applications [--engines sqlite postgresql] [--duration 8] [--users 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.run import RESULTS, benchmark_database, benchmark_server, wrk

TARGET = 0.08  # on PostgreSQL, production's database; SQLite's figures are reported without one
CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


async def fill_and_submit(base_url: str, slug: str, session: str, submit: bool = True) -> str:
    """One user's whole application; returns the draft id."""
    async with httpx.AsyncClient(base_url=base_url, cookies={"session": session}, timeout=60) as client:
        page = await client.get(f"/e-tjanster/{slug}/starta")
        started = await client.post(f"/e-tjanster/{slug}/starta", data={"_csrf_token": CSRF.search(page.text)[1]})
        draft = started.headers["location"].rsplit("/", 1)[1]
        for step, answers in (
            ("om_dig", {"namn": "Test Person", "typ": "a"}),
            ("mer", {"beskrivning": "Lasttest", "datum": "2027-01-01"}),
        ):
            page = await client.get(f"/ansokan/{draft}/steg/{step}")
            form = {"_csrf_token": CSRF.search(page.text)[1], "step": step, "action": "continue", **answers}
            posted = await client.post(f"/ansokan/{draft}/steg/{step}", data=form)
            assert posted.status_code == 303, posted.text[:300]
        if submit:
            page = await client.get(f"/ansokan/{draft}/granska")
            done = await client.post(f"/ansokan/{draft}/granska", data={"_csrf_token": CSRF.search(page.text)[1]})
            assert done.status_code == 303 and done.headers["location"].endswith("/kvittens"), done.text[:300]
        return draft


def autosave_script(draft: str, csrf: str) -> Path:
    script = Path(tempfile.mkdtemp()) / "autosave.lua"
    # Each request types something new, so every autosave really writes.
    script.write_text(
        'wrk.method = "POST"\n'
        f'wrk.path = "/ansokan/{draft}/autospara"\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        'wrk.headers["HX-Request"] = "true"\n'
        f'wrk.headers["x-csrftoken"] = "{csrf}"\n'
        "local n = 0\n"
        "request = function()\n"
        "  n = n + 1\n"
        '  return wrk.format(nil, nil, nil, "step=om_dig&namn=Test+Person+" .. n .. "&typ=a")\n'
        "end\n"
    )
    return script


def measure(engine: str, duration: int, users: int) -> dict:
    with (
        benchmark_database(engine, ["applications", str(users + 1)]) as (url, (setup_json,)),
        benchmark_server(url) as server,
    ):
        setup = json.loads(setup_json)
        first, *others = setup["sessions"]
        draft = asyncio.run(fill_and_submit(server.url, setup["slug"], first, submit=False))
        with httpx.Client(base_url=server.url, cookies={"session": first}) as client:
            page = client.get(f"/ansokan/{draft}/steg/om_dig")
            csrf_cookie = client.cookies["csrf"]
        cookies = {"Cookie": f"session={first}; csrf={csrf_cookie}"}
        step_url = f"{server.url}/ansokan/{draft}/steg/om_dig"
        wrk(step_url, 2, 16, cookies)
        results = {
            "hello": wrk(f"{server.url}/livez", duration, 16, cookies),
            "step_page": wrk(step_url, duration, 16, cookies),
            "autosave": wrk(server.url, duration, 16, cookies, autosave_script(draft, CSRF.search(page.text)[1])),
        }
        started = time.perf_counter()
        asyncio.run(_all_submit(server.url, setup["slug"], others[:users]))
        elapsed = time.perf_counter() - started
        results["submissions"] = {"users": users, "seconds": elapsed, "per_second": users / elapsed}
    hello = results["hello"]["requests_per_second"]
    results["ratios"] = {name: results[name]["requests_per_second"] / hello for name in ("step_page", "autosave")}
    return results


async def _all_submit(base_url: str, slug: str, sessions: list[str]) -> None:
    await asyncio.gather(*(fill_and_submit(base_url, slug, session) for session in sessions))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--users", type=int, default=20)
    args = parser.parse_args()
    all_results = {engine: measure(engine, args.duration, args.users) for engine in args.engines}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"applications-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(all_results, indent=2))
    print("| engine | endpoint | req/s | p50 ms | p99 ms | ratio to hello |")
    print("|---|---|---|---|---|---|")
    below = []
    for engine, results in all_results.items():
        for name in ("hello", "step_page", "autosave"):
            row = results[name]
            ratio = results["ratios"].get(name)
            print(
                f"| {engine} | {name} | {row['requests_per_second']:,.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | {'' if ratio is None else f'{ratio:.0%}'} |"
            )
            if engine == "postgresql" and ratio is not None and ratio < TARGET:
                below.append(f"{engine} {name}: {ratio:.0%} < {TARGET:.0%}")
        sub = results["submissions"]
        print(
            f"\n{engine}: {sub['users']} users filled in and submitted in {sub['seconds']:.2f} s "
            f"({sub['per_second']:.1f} submissions/s)\n"
        )
    for line in below:
        print("BELOW TARGET:", line)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
