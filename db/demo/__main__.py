"""`python -m db.demo`: load all demo data into the database named by DATABASE_URL and print one line per loader."""

from __future__ import annotations

import asyncio
import sys

from db.demo import DemoDataRefused, load_all
from db.demo.catalogue_data import DemoDataError


def main() -> int:
    try:
        results = asyncio.run(load_all())
    except (DemoDataError, DemoDataRefused) as error:
        print(f"Demo data not loaded: {error}", file=sys.stderr)
        return 1
    for name, counts in results.items():
        print(f"{name}: " + ", ".join(f"{value} {key}" for key, value in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
