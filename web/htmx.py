"""htmx conventions: when to answer with a fragment, and the headers every page-or-fragment response carries."""

from __future__ import annotations

from litestar import Request

VARY = {"Vary": "HX-Request"}


def wants_fragment(request: Request) -> bool:
    """True for an htmx swap; a history restore (back button) needs the full page."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
