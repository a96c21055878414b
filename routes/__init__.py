"""HTTP handlers, one module per area. Each module exports `route_handlers`."""

from routes import catalogue, health, pages
from web.static_assets import serve_static


def all_route_handlers() -> list:
    return [*catalogue.route_handlers, *pages.route_handlers, *health.route_handlers, serve_static]
