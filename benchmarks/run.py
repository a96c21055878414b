"""Throughput of the catalogue against a hello-world endpoint of the same app, on SQLite and PostgreSQL.

For each engine: a fresh database with 1,000 published e-services, uvicorn with one worker and production-like
settings (no template reloading, no access log, INFO logging off), then wrk against
  /livez                      hello world (the baseline: same app, same middleware)
  /e-tjanster                 the full catalogue page
  /e-tjanster?q=bygg (HX)     the live-search fragment (and 1,600 different queries, defeating the cache)
  /mina-sidor/uppgifter       a logged-in page: session lookup, the account, rendering
and the start page's weight (HTML + CSS + JS, gzip as served). Ratios are relative to /livez in the same run.

    python -m benchmarks.run [--engines sqlite postgresql] [--duration 10] [--connections 16]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests import database
from tests.browser import LiveServer, start_server, stop_server

RESULTS = Path(__file__).parent / "results"
SERVICES = 1000
POSTGRES_URL = os.environ.get("POSTGRES_URL", database.DEFAULT_POSTGRES_URL)  # throwaway databases are made beside it,
# named BENCH_DATABASE_PREFIX_<pid>_<random> (eplatform_test_... unless set)
TARGETS = {"catalogue": 0.12, "search_fragment": 0.20, "my_details": 0.10}
PAGE_WEIGHT_LIMIT = 50 * 1024
VARIED_SEARCH = Path(__file__).with_name("varied_search.lua")
ENDPOINTS = ("hello", "catalogue", "search_fragment", "search_fragment_varied", "my_details")


@contextlib.contextmanager
def benchmark_database(engine: str, *setup: list[str]) -> Iterator[tuple[str, list[str]]]:
    """A throwaway database on `engine` with 1,000 published e-services, plus what each `setup` command (arguments
    to `python -m benchmarks.data`) prints; yields the URL and those outputs, and drops the database after."""
    base = POSTGRES_URL if engine == "postgresql" else ""
    url = database.create_throwaway(base, os.environ.get("BENCH_DATABASE_PREFIX", "eplatform_test"))
    try:
        migrated = database.migrate(url)
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        env = {**os.environ, "DATABASE_URL": url}
        outputs = [
            subprocess.run(
                [sys.executable, "-m", "benchmarks.data", *arguments],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout.strip()
            for arguments in ([str(SERVICES)], *setup)
        ]
        yield url, outputs[1:]
    finally:
        database.drop_throwaway(url, base)


@contextlib.contextmanager
def benchmark_server(url: str, **env: str) -> Iterator[LiveServer]:
    """uvicorn with one worker and production-like settings (no template reloading, no access log, INFO logs off)."""
    server = start_server(
        {
            "DATABASE_URL": url,
            "MODE": "dev",
            "TEMPLATE_RELOAD": "0",
            "LOG_LEVEL": "WARNING",
            "DB_POOL_MIN": "2",
            "DB_POOL_MAX": "10",
            **env,
        },
        Path(tempfile.mkdtemp()) / "uvicorn.log",
        uvicorn_args=("--no-access-log",),
    )
    try:
        yield server
    finally:
        stop_server(server)


def wrk(
    url: str, duration: int, connections: int, headers: dict[str, str] | None = None, script: Path | None = None
) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    for name, value in (headers or {}).items():
        command[1:1] = ["-H", f"{name}: {value}"]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    requests = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latencies = {p: re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)", output, re.M) for p in ("50", "99")}
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests_per_second": requests,
        **{f"p{p}_ms": float(m.group(1)) * scale[m.group(2)] for p, m in latencies.items()},
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def _wire_size(response: httpx.Response) -> int:
    return response.num_bytes_downloaded


def page_weight(base_url: str) -> dict[str, int]:
    """Bytes on the wire (gzip) of the start page and the CSS and JS it links."""
    with httpx.Client(base_url=base_url, headers={"Accept-Encoding": "gzip"}) as client:
        page = client.get("/")
        sizes = {"html": _wire_size(page)}
        for kind, pattern in (("css", r'href="(/static/[^"]+\.css)"'), ("js", r'src="(/static/[^"]+\.js)"')):
            sizes[kind] = sum(_wire_size(client.get(asset)) for asset in re.findall(pattern, page.text))
    sizes["total"] = sum(sizes.values())
    return sizes


def measure(engine: str, duration: int, connections: int) -> dict:
    # SIMULATORS: the in-process BankID simulator; no measured page uses it.
    with (
        benchmark_database(engine, ["session"]) as (_url, (session,)),
        benchmark_server(_url, SIMULATORS="1") as server,
    ):
        # A returning visitor: the browser sends the CSRF cookie it got on its first page.
        cookie = httpx.get(server.url + "/").headers["set-cookie"].split(";", 1)[0]
        visitor = {"Cookie": cookie}
        for path in ("/livez", "/e-tjanster", "/e-tjanster?q=bygg"):
            wrk(server.url + path, 2, connections, visitor)  # warm-up: index, caches, pool
        fragment = {**visitor, "HX-Request": "true"}
        results = {
            "hello": wrk(server.url + "/livez", duration, connections, visitor),
            "catalogue": wrk(server.url + "/e-tjanster", duration, connections, visitor),
            "search_fragment": wrk(server.url + "/e-tjanster?q=bygg", duration, connections, fragment),
            "search_fragment_varied": wrk(server.url, duration, connections, visitor, VARIED_SEARCH),
            "my_details": wrk(
                server.url + "/mina-sidor/uppgifter", duration, connections, {"Cookie": f"{cookie}; session={session}"}
            ),
            "start_page_bytes": page_weight(server.url),
        }
    hello = results["hello"]["requests_per_second"]
    results["ratios"] = {name: results[name]["requests_per_second"] / hello for name in ENDPOINTS[1:]}
    return results


def report(all_results: dict[str, dict]) -> str:
    lines = [
        "| engine | endpoint | req/s | p50 ms | p99 ms | ratio to hello | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for engine, results in all_results.items():
        for name in ENDPOINTS:
            row = results[name]
            ratio = results["ratios"].get(name)
            target = TARGETS.get(name)
            lines.append(
                f"| {engine} | {name} | {row['requests_per_second']:,.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | "
                f"{'' if ratio is None else f'{ratio:.0%}'} | {'' if target is None else f'>= {target:.0%}'} |"
            )
    weights = next(iter(all_results.values()))["start_page_bytes"]
    lines.append("")
    lines.append(
        f"Start page, gzip as served: HTML {weights['html']:,} B + CSS {weights['css']:,} B + JS {weights['js']:,} B "
        f"= {weights['total']:,} B (limit {PAGE_WEIGHT_LIMIT:,} B)"
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 2
    all_results = {engine: measure(engine, args.duration, args.connections) for engine in args.engines}
    RESULTS.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"catalogue-{stamp}.json").write_text(json.dumps(all_results, indent=2))
    print(report(all_results))
    failed = [
        f"{engine} {name}: {ratio:.0%} < {TARGETS[name]:.0%}"
        for engine, results in all_results.items()
        for name, ratio in results["ratios"].items()
        if name in TARGETS and ratio < TARGETS[name]
    ]
    if next(iter(all_results.values()))["start_page_bytes"]["total"] > PAGE_WEIGHT_LIMIT:
        failed.append("start page weight over the limit")
    for line in failed:
        print("BELOW TARGET:", line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
