"""python -m jobs run NAME | python -m jobs loop [--interval SECONDS] | python -m jobs list"""

from __future__ import annotations

import argparse
import asyncio
import sys

from core.logging import configure_logging
from core.settings import Settings
from db import engine
from jobs import JOBS
from jobs.runner import run_due_jobs, run_job


async def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description="Scheduled work of the e-service platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one job now (if no other process is running it)")
    run.add_argument("name", choices=sorted(JOBS))
    loop = commands.add_parser("loop", help="run due jobs forever; start one per machine or more, leases decide")
    loop.add_argument("--interval", type=float, default=60.0)
    commands.add_parser("list", help="list the jobs and how often they run")
    args = parser.parse_args(arguments)
    settings = Settings.from_env().check()
    configure_logging(settings.log_level)
    if args.command == "list":
        for job in JOBS.values():
            print(f"{job.name:24} every {job.every}")
        return 0
    await engine.start(0, 0)
    if args.command == "run":
        await run_job(JOBS[args.name], settings)
        return 0
    while True:
        await run_due_jobs(settings)
        await asyncio.sleep(args.interval)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
