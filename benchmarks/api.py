"""The integration API listing 100,000 cases by cursor, on SQLite and PostgreSQL, as ratios of the hello-world
endpoint in the same run (issue 14: at least 15 % on PostgreSQL, the last page as fast as the first):
/api/v1/cases?limit=100                      the first page
/api/v1/cases?limit=100&cursor=...           the last full page (the 100 most recently changed cases)
with an API client reading the five e-services that hold the 100,000 cases. Measured in slices alternating with hello
world, with the CPU the server and PostgreSQL spent per request, as benchmarks/case_handling.py does.

python -m benchmarks.api [--engines sqlite postgresql] [--duration 8] [--cases 100000]
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import httpx

from benchmarks.case_handling import CpuMeter, _alternate
from benchmarks.data import API_PAGE
from benchmarks.run import RESULTS, benchmark_database, benchmark_server, wrk

TARGET = 0.15  # on PostgreSQL
FLAT = 0.80  # the last page serves at least this share of what the first does
ENDPOINTS = ("first_page", "last_page")


def measure(engine: str, duration: int, cases: int) -> dict:
    with (
        benchmark_database(engine, ["api", str(cases)]) as (url, (setup_json,)),
        # The benchmark is one client calling as fast as it can: far beyond a production client's limit.
        benchmark_server(url, API_RATE_LIMIT="1000000") as server,
    ):
        setup = json.loads(setup_json)
        headers = {"Authorization": f"Bearer {setup['token']}"}
        listing = f"{server.url}/api/v1/cases?limit={API_PAGE}"
        endpoints = {
            "first_page": (listing, headers),
            "last_page": (f"{listing}&cursor={setup['last_cursor']}", headers),
        }
        for name, (address, own_headers) in endpoints.items():
            page = httpx.get(address, headers=own_headers).json()
            assert len(page["items"]) == API_PAGE, (name, page)
            assert (page["next_cursor"] is None) == (name == "last_page"), (name, page["next_cursor"])
        wrk(listing, 2, 16, headers)
        return _alternate(CpuMeter(server.process.pid, url), server.url, endpoints, duration, {})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    all_results = {engine: measure(engine, args.duration, args.cases) for engine in args.engines}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"api-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(all_results, indent=2))
    print("| engine | endpoint | req/s | p50 ms | p99 ms | ratio to hello | last/first | CPU ms/request | cpu ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    below = []
    for engine, results in all_results.items():
        for name in ("hello", *ENDPOINTS):
            row = results[name]
            ratio = results["ratios"].get(name)
            cpu_ratio = results["cpu_ratios"].get(name)
            flat = ""
            if name == "last_page":
                growth = ratio / results["ratios"]["first_page"]
                flat = f"{growth:.0%}"
                if engine == "postgresql" and growth < FLAT:
                    below.append(f"{engine}: the last page serves {growth:.0%} of the first's < {FLAT:.0%}")
            print(
                f"| {engine} | {name} | {row['requests_per_second']:,.0f} | {row['p50_ms']:.1f} | "
                f"{row['p99_ms']:.1f} | "
                f"{'' if ratio is None else f'{ratio:.1%}'} | {flat} | {row['cpu_ms']:.2f} | "
                f"{'' if cpu_ratio is None else f'{cpu_ratio:.1%}'} |"
            )
            if row["non_2xx"]:
                below.append(f"{engine} {name}: {row['non_2xx']} responses were not 2xx/3xx")
            if engine == "postgresql" and ratio is not None and ratio < TARGET:
                below.append(f"{engine} {name}: {ratio:.1%} < {TARGET:.0%}")
    for line in below:
        print("BELOW TARGET:", line)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
