"""Demo data for dev mode, loaded with `python -m db.demo`.

Each area adds one loader to `LOADERS` (in the order they must run: the catalogue before anything that refers to
e-services); every loader is idempotent and returns counts for the summary line.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from core.settings import Settings
from db.demo.catalogue import load_catalogue
from db.demo.forms import load_forms
from db.demo.staff import load_staff

Loader = Callable[..., Awaitable[dict[str, int]]]

LOADERS: tuple[tuple[str, Loader], ...] = (("catalogue", load_catalogue), ("forms", load_forms), ("staff", load_staff))


class DemoDataRefused(RuntimeError):
    """Demo data must never be written to a production database."""


async def load_all(settings: Settings | None = None) -> dict[str, dict[str, int]]:
    """Run every loader in order; returns each loader's counts by name."""
    settings = settings or Settings.from_env()
    if settings.is_production:
        raise DemoDataRefused("Refusing to load demo data in production mode (MODE=production).")
    return {name: await loader(settings=settings) for name, loader in LOADERS}
