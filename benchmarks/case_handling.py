"""The officers' side under load, on SQLite and PostgreSQL, as ratios of the hello-world endpoint in the same run:
/handlaggare                                   the inbox's default tab ("Att hantera")
/handlaggare?flik=alla&e-tjanst=S&status=T     all the unit's cases of one e-service in one status
/handlaggare?flik=alla&q=anna+berg             a search by name, and one by personnummer
/handlaggare/arenden/{ref}                     a case view with 50 events and 50 messages
once with a unit holding 10,000 cases among 100,000, and again with the unit holding 100,000 (the other units'
90,000 unchanged): the inbox must cost the same however many cases the unit has (ratio of the two within 20 %).
Each endpoint is measured for --duration seconds in slices alternating with hello world (see SLICE). Beside the
requests per second, the CPU time the server and its PostgreSQL backends spent per request (from /proc): unlike
throughput it hardly moves with what else runs on the machine, so "cpu ratio" (hello world's CPU per request over the
endpoint's) shows what a quiet machine's throughput ratio would be when the figures are noisy.

python -m benchmarks.case_handling [--engines sqlite postgresql] [--duration 8] [--sizes 10000 100000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from benchmarks.run import RESULTS, benchmark_database, benchmark_server, wrk
from tests.database import is_postgres

TARGET = 0.08  # on PostgreSQL, production's database; SQLite's figures are reported without one
FLAT = 0.80  # the inbox with the large unit serves at least this share of what it serves with the small one
SLICE = 2  # seconds
OTHER_CASES = 90_000  # the other unit's cases
EVENTS = MESSAGES = 50
INBOX_ENDPOINTS = ("inbox", "filtered", "search_name", "search_number")


class CpuMeter:
    """CPU seconds used so far by the server's process and, on PostgreSQL, the backends connected to its database."""

    def __init__(self, pid: int, database_url: str) -> None:
        self.pid, self.database_url = pid, database_url

    def __call__(self) -> float:
        return sum(_cpu_seconds(pid) for pid in (self.pid, *self._backends()))

    def _backends(self) -> list[int]:
        if not is_postgres(self.database_url):
            return []

        async def pids() -> list[int]:
            connection = await asyncpg.connect(self.database_url)
            try:
                rows = await connection.fetch(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            finally:
                await connection.close()
            return [row["pid"] for row in rows]

        return asyncio.run(pids())


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _measured(cpu: CpuMeter, url: str, headers: dict) -> dict:
    """wrk for one slice, and the CPU the server and the database spent per request meanwhile."""
    before = cpu()
    result = wrk(url, SLICE, 16, headers)
    result["cpu_ms"] = (cpu() - before) * 1000 / max(1.0, result["requests_per_second"] * SLICE)
    return result


def _alternate(cpu: CpuMeter, base: str, endpoints: dict[str, tuple[str, dict]], duration: int, headers: dict) -> dict:
    """Each endpoint in slices of SLICE seconds alternating with hello world (the machine's speed drifts by ±30 %
    within seconds); its ratio is to the hello world of its own slices."""
    results, hello_slices = {"ratios": {}, "cpu_ratios": {}}, []
    for name, (url, own_headers) in endpoints.items():
        pairs = [
            (_measured(cpu, f"{base}/livez", headers), _measured(cpu, url, own_headers))
            for _slice in range(max(1, duration // SLICE))
        ]
        hello = _summary([pair[0] for pair in pairs])
        results[name] = _summary([pair[1] for pair in pairs])
        # A server still busy with the previous slice's requests can serve no hello world in a slice: no ratio then.
        results["ratios"][name] = results[name]["requests_per_second"] / (hello["requests_per_second"] or float("nan"))
        results["cpu_ratios"][name] = hello["cpu_ms"] / (results[name]["cpu_ms"] or float("nan"))
        hello_slices += [pair[0] for pair in pairs]
    results["hello"] = _summary(hello_slices)
    return results


def _summary(measured: list[dict]) -> dict:
    return {
        "requests_per_second": statistics.fmean(m["requests_per_second"] for m in measured),
        "p50_ms": statistics.median(m["p50_ms"] for m in measured),
        "p99_ms": max(m["p99_ms"] for m in measured),
        "non_2xx": sum(m["non_2xx"] for m in measured),
        "cpu_ms": statistics.median(m["cpu_ms"] for m in measured),
    }


def measure(engine: str, duration: int, unit_cases: int, with_case_view: bool) -> dict:
    setup_command = ["inbox", str(unit_cases), str(OTHER_CASES), str(EVENTS), str(MESSAGES)]
    with benchmark_database(engine, setup_command) as (url, (setup_json,)), benchmark_server(url) as server:
        setup = json.loads(setup_json)
        # A returning browser, as in the other benchmarks: it sends the CSRF cookie it got on its first page.
        csrf = httpx.get(f"{server.url}/").headers["set-cookie"].split(";", 1)[0]
        headers = {"Cookie": f"{csrf}; session={setup['session']}"}
        inbox = f"{server.url}/handlaggare"
        everything = {"flik": "alla"}
        endpoints = {
            "inbox": (inbox, headers),
            "filtered": (
                f"{inbox}?{urlencode({**everything, 'e-tjanst': setup['service'], 'status': setup['status']})}",
                headers,
            ),
            "search_name": (f"{inbox}?{urlencode({**everything, 'q': setup['name']})}", headers),
            "search_number": (f"{inbox}?{urlencode({**everything, 'q': setup['number']})}", headers),
        }
        case_url = f"{server.url}/handlaggare/arenden/{setup['case']}"
        if with_case_view:
            endpoints["case_view"] = (case_url, headers)
        with httpx.Client(headers=headers) as client:
            for name, (address, _headers) in endpoints.items():
                page = client.get(address)
                assert page.status_code == 200, (name, page.status_code, page.text[:300])
                if name != "case_view":
                    assert page.text.count('class="inbox-item') >= 1, (name, page.text[:2000])
            if with_case_view:
                page = client.get(case_url)
                assert page.text.count('class="message ') == 20, page.text.count('class="message ')
        for warm in (inbox, case_url):
            wrk(warm, 2, 16, headers)
        return _alternate(CpuMeter(server.process.pid, url), server.url, endpoints, duration, headers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", nargs="+", default=["sqlite", "postgresql"], choices=["sqlite", "postgresql"])
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--sizes", nargs=2, type=int, default=[10_000, 100_000], metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    small, large = args.sizes
    all_results = {
        engine: {
            "small": measure(engine, args.duration, small, with_case_view=True),
            "large": measure(engine, args.duration, large, with_case_view=False),
        }
        for engine in args.engines
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"case-handling-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(json.dumps(all_results, indent=2))
    print(
        "| engine | unit's cases | endpoint | req/s | p50 ms | p99 ms | ratio to hello | large/small | "
        "CPU ms/request | cpu ratio | large/small (cpu) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    below = []
    for engine, sizes in all_results.items():
        for size_name, size in (("small", small), ("large", large)):
            results = sizes[size_name]
            for name in ("hello", *INBOX_ENDPOINTS, "case_view"):
                if name not in results:
                    continue
                row = results[name]
                ratio = results["ratios"].get(name)
                cpu_ratio = results["cpu_ratios"].get(name)
                flat = cpu_flat = ""
                if size_name == "large" and name in INBOX_ENDPOINTS:
                    growth = ratio / sizes["small"]["ratios"][name]
                    flat = f"{growth:.0%}"
                    cpu_flat = f"{cpu_ratio / sizes['small']['cpu_ratios'][name]:.0%}"
                    if engine == "postgresql" and growth < FLAT:
                        below.append(f"{engine} {name}: {growth:.0%} of the small unit's < {FLAT:.0%}")
                print(
                    f"| {engine} | {size:,} | {name} | {row['requests_per_second']:,.0f} | {row['p50_ms']:.1f} | "
                    f"{row['p99_ms']:.1f} | {'' if ratio is None else f'{ratio:.1%}'} | {flat} | {row['cpu_ms']:.2f} | "
                    f"{'' if cpu_ratio is None else f'{cpu_ratio:.1%}'} | {cpu_flat} |"
                )
                if row["non_2xx"]:
                    below.append(f"{engine} {size} {name}: {row['non_2xx']} responses were not 2xx/3xx")
                if engine == "postgresql" and ratio is not None and ratio < TARGET:
                    below.append(f"{engine} {size} {name}: {ratio:.1%} < {TARGET:.0%}")
    for line in below:
        print("BELOW TARGET:", line)
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
