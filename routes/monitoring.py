"""Metrics for Prometheus (`/metrics`); who may read them: web/metrics.py."""

from __future__ import annotations

from litestar import Response, get

from services import monitoring
from web.metrics import METRICS_PATH, metrics_guard


@get(METRICS_PATH, name="metrics", include_in_schema=False, guards=[metrics_guard], cache_control=None)
async def metrics() -> Response:
    return Response(await monitoring.exposition(), media_type=monitoring.CONTENT_TYPE)


route_handlers = [metrics]
