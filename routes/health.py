"""Liveness with a database check, for load balancers and monitoring."""

import asyncio
import logging

from litestar import Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from db import engine

log = logging.getLogger(__name__)
DATABASE_TIMEOUT_SECONDS = 3


@get("/livez", name="livez", include_in_schema=False, media_type="text/plain")
async def livez() -> str:
    """The process answers; nothing else is checked. Also the hello-world baseline of benchmarks/."""
    return "ok"


@get("/healthz", name="healthz", include_in_schema=False)
async def healthz() -> Response:
    try:
        await asyncio.wait_for(engine.ping(), DATABASE_TIMEOUT_SECONDS)
    except Exception as error:
        log.warning("healthz_database_unavailable", extra={"error": type(error).__name__})
        return Response(
            {"status": "unavailable", "database": "unavailable"},
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Cache-Control": "no-store"},
        )
    return Response({"status": "ok", "database": "ok"}, status_code=HTTP_200_OK, headers={"Cache-Control": "no-store"})


route_handlers = [livez, healthz]
