"""Runs the fault scripts and prints PASS or FAIL per fault with what was checked; exits 1 if any failed.

    python -m benchmarks.faults.run [worker_kill retention_kill postgres_restart smtp_down bankid_maintenance]

Each fault starts its own app (uvicorn, dev mode) against a throwaway database on the PostgreSQL server POSTGRES_URL
names (default postgresql://postgres@127.0.0.1:5432/test), except postgres_restart, which starts, crashes and
restarts a PostgreSQL server of its own (initdb in a temporary directory, a port in 18000-18999).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback

from benchmarks.faults.common import Report

FAULTS = ("worker_kill", "retention_kill", "postgres_restart", "smtp_down", "bankid_maintenance")


def print_report(report: Report) -> bool:
    print(f"{'PASS' if report.passed else 'FAIL'} {report.name}")
    for fact in report.facts:
        print(f"       {fact}")
    for passed, what in report.checks:
        print(f"  {'ok  ' if passed else 'FAIL'} {what}")
    sys.stdout.flush()
    return report.passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", metavar="name", help=f"some of: {' '.join(FAULTS)} (default: all)")
    names = parser.parse_args().names or list(FAULTS)
    unknown = [name for name in names if name not in FAULTS]
    if unknown:
        parser.error(f"unknown fault: {' '.join(unknown)}")
    failed = []
    for name in names:
        started = time.monotonic()
        try:
            report = importlib.import_module(f"benchmarks.faults.{name}").run()
        except Exception:
            report = Report(name)
            report.check(False, "the script itself failed:\n" + traceback.format_exc())
        report.fact(f"took {time.monotonic() - started:.0f} s")
        if not print_report(report):
            failed.append(name)
    print(
        f"\n{len(names) - len(failed)} of {len(names)} faults passed"
        + (f"; failed: {' '.join(failed)}" if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
