"""python -m jobs run NAME | python -m jobs loop [--interval SECONDS] | python -m jobs list"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from core.logging import configure_logging
from core.settings import Settings
from db import engine
from jobs import JOBS
from jobs.runner import run_job
from jobs.scheduler import Scheduler


async def main(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m jobs", description="Scheduled work of the e-service platform.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run one job now (if no other process is running it)")
    run.add_argument("name", choices=sorted(JOBS))
    loop = commands.add_parser("loop", help="run due jobs until stopped; start one per machine or more, leases decide")
    loop.add_argument("--interval", type=float, default=None, help="seconds between looks (JOBS_INTERVAL_SECONDS)")
    commands.add_parser("list", help="list the jobs and how often they run")
    args = parser.parse_args(arguments)
    settings = Settings.from_env()
    if args.command == "loop" and args.interval is not None:
        settings = settings.with_overrides(jobs_interval_seconds=args.interval)
    settings = settings.check()
    configure_logging(settings.log_level)
    if args.command == "list":
        for job in JOBS.values():
            print(f"{job.name:24} every {job.every}")
        return 0
    await engine.start(0, 0)
    if args.command == "run":
        await run_job(JOBS[args.name], settings)
        return 0
    scheduler = Scheduler(settings)
    for stop_signal in (signal.SIGTERM, signal.SIGINT):  # the job in progress finishes first
        asyncio.get_running_loop().add_signal_handler(stop_signal, scheduler.request_stop)
    await scheduler.run()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
