"""HTTP handlers, one module per area. Each module exports `route_handlers`."""

from routes import (
    applications,
    auth,
    case_messages,
    catalogue,
    dev,
    dev_mail,
    health,
    my_pages,
    organisations,
    pages,
    signing,
    staff,
)
from web.static_assets import serve_static


def all_route_handlers() -> list:
    return [
        *catalogue.route_handlers,
        *pages.route_handlers,
        *health.route_handlers,
        *auth.route_handlers,
        *applications.route_handlers,
        *signing.route_handlers,
        *my_pages.route_handlers,
        *case_messages.route_handlers,
        *organisations.route_handlers,
        *staff.route_handlers,
        serve_static,
    ]


def dev_route_handlers() -> list:
    """Only mounted when SIMULATORS is on; production refuses to start with it."""
    return [*dev.route_handlers, *dev_mail.route_handlers]
