"""HTTP handlers, one module per area (routes/<area>.py -> services/<area>.py -> db/<area>.py, templates/<area>/).
Each module exports `route_handlers`; routes/bankid.py has none of its own (the BankID pages that logging in and
signing share)."""

from routes import (
    admin,
    admin_notices,
    admin_staff,
    api,
    applications,
    auth,
    case_handling,
    catalogue,
    dev,
    dev_mail,
    health,
    inbox,
    messages,
    monitoring,
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
        *monitoring.route_handlers,
        *auth.route_handlers,
        *applications.route_handlers,
        *signing.route_handlers,
        *my_pages.route_handlers,
        *messages.route_handlers,
        *organisations.route_handlers,
        *inbox.route_handlers,
        *case_handling.route_handlers,
        *staff.route_handlers,
        *admin.route_handlers,
        *admin_notices.route_handlers,
        *admin_staff.route_handlers,
        *api.route_handlers,
        serve_static,
    ]


def dev_route_handlers() -> list:
    """Only mounted when SIMULATORS is on; production refuses to start with it."""
    return [*dev.route_handlers, *dev_mail.route_handlers]
