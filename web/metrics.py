"""Prometheus plumbing: request counts and latencies per route (Litestar's Prometheus middleware; routes by their
path template, so ids do not multiply the series, and addresses no route answers are left out), and who may read
/metrics: a client with `Authorization: Bearer <METRICS_TOKEN>`, or one whose address is in METRICS_ADDRESSES. With
neither set, or for anyone else, /metrics does not exist (404)."""

from __future__ import annotations

import hmac
import ipaddress

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException
from litestar.handlers import BaseRouteHandler
from litestar.middleware.base import DefineMiddleware
from litestar.plugins.prometheus import PrometheusConfig

from core.settings import Settings

METRICS_PATH = "/metrics"


def metrics_middleware() -> DefineMiddleware:
    return PrometheusConfig(
        app_name="eplatform",
        prefix="eplatform",
        group_path=True,
        exclude_unhandled_paths=True,
        exclude=[f"^{METRICS_PATH}$", "^/static/", "^/livez$", "^/healthz$"],
    ).middleware


def may_read_metrics(settings: Settings, authorization: str, address: str | None) -> bool:
    token = settings.metrics_token
    if token and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    if address and settings.metrics_addresses:
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(client in ipaddress.ip_network(allowed, strict=False) for allowed in settings.metrics_addresses)
    return False


def metrics_guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    settings: Settings = connection.app.state.settings
    address = connection.client.host if connection.client else None
    if not may_read_metrics(settings, connection.headers.get("authorization", ""), address):
        raise NotFoundException()
