"""The application factory: `uvicorn --factory app:create_app`."""

from __future__ import annotations

import logging
import re

import httpx
from litestar import Litestar, asgi
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.htmx import HTMXPlugin
from litestar.types import Receive, Scope, Send

from core.logging import configure_logging
from core.settings import PROJECT_ROOT, Settings
from db import engine
from db.bankid_simulator import DatabaseStore
from integrations.bankid import BankIdClient
from integrations.bankid.simulator import BankIdSimulator, simulator_api
from integrations.company_register import CompanyRegister, NoCompanyRegister
from integrations.company_register.fixture import FixtureCompanyRegister
from integrations.company_register.http import HttpCompanyRegister
from integrations.population_register import NoRegister, PopulationRegister
from integrations.population_register.fixture import FixtureRegister
from integrations.population_register.spar import SparClient, SparIdentity
from jobs.scheduler import Scheduler
from routes import all_route_handlers, dev_route_handlers
from routes.api import under_api
from services.catalogue import CatalogueCache
from web.auth import SessionMiddleware
from web.errors import EXCEPTION_HANDLERS
from web.head import answer_head_as_get
from web.metrics import metrics_middleware
from web.proxies import trust_proxies
from web.requests import RefuseControlCharacters, Request
from web.security import security_headers_hook
from web.static_assets import StaticAssets
from web.templating import build_environments, template_config

log = logging.getLogger(__name__)
BANKID_SIMULATOR_PATH = "/_dev/bankid/rp/v6.0"


def create_app(settings: Settings | None = None) -> Litestar:
    settings = (settings or Settings.from_env()).check()
    configure_logging(settings.log_level)
    assets = StaticAssets(PROJECT_ROOT / "static")
    state = State(
        {
            "settings": settings,
            "assets": assets,
            "catalogue": CatalogueCache(settings.catalogue_refresh_seconds),
            "register": _population_register(settings),
            "company_register": _company_register(settings),
        }
    )
    route_handlers = all_route_handlers()
    if settings.simulators:
        # Its orders in the database: every worker and machine of a dev installation sees the same simulator.
        state.bankid_simulator = BankIdSimulator(store=DatabaseStore())
        state.bankid_simulator_api = simulator_api(state.bankid_simulator)
        route_handlers += [*dev_route_handlers(), _mount(BANKID_SIMULATOR_PATH, state.bankid_simulator_api)]

    async def start_services() -> None:
        await engine.start(settings.db_pool_min, settings.db_pool_max)
        state.bankid = _bankid_client(settings, state)
        if settings.jobs_in_app:
            state.scheduler = Scheduler(settings)
            state.scheduler.start()

    async def stop_services() -> None:
        if "scheduler" in state:
            await state.scheduler.stop()
        if "bankid" in state:
            await state.bankid.aclose()
        for register in (state.register, state.company_register):
            if hasattr(register, "aclose"):
                await register.aclose()
        await engine.stop()

    application = Litestar(
        route_handlers=route_handlers,
        template_config=template_config(build_environments(settings, assets)),
        plugins=[HTMXPlugin()],
        request_class=Request,
        middleware=[
            metrics_middleware(),
            RefuseControlCharacters,
            engine.RequestConnection,
            DefineMiddleware(SessionMiddleware, settings=settings),
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="__Host-csrf" if settings.secure_cookies else "csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            cookie_samesite="lax",
            # Only the simulator's API (a BankID client, not a browser, calls it); a pattern is searched anywhere in
            # the path, so it is anchored at the start.
            # The integration API authenticates with a Bearer token, not a cookie, so no cross-site request can use it.
            exclude=[r"^/api/v1/", *([rf"^{re.escape(BANKID_SIMULATOR_PATH)}(/|$)"] if settings.simulators else [])],
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, gzip_compress_level=6, exclude="/static/"
        ),
        before_send=[security_headers_hook(settings)],
        exception_handlers={**EXCEPTION_HANDLERS, HTTPException: under_api(EXCEPTION_HANDLERS[HTTPException])},
        on_startup=[start_services],
        on_shutdown=[stop_services],
        state=state,
        # Only /api/v1 is documented (routes/api.py includes itself): the site's pages are not an API. The document
        # is served as JSON only, so no documentation page loads scripts from a CDN.
        openapi_config=OpenAPIConfig(
            title="E-tjänster integration API",
            version="1.0.0",
            path="/api/v1/schema",
            render_plugins=[JsonRenderPlugin()],
            components=Components(security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}),
            security=[{"bearer": []}],
        ),
        include_in_schema=False,
        logging_config=None,
        debug=False,
    )
    return trust_proxies(answer_head_as_get(application), settings.trusted_proxies)


def _bankid_client(settings: Settings, state: State) -> BankIdClient:
    if settings.uses_bankid_simulator:
        # The simulator speaks BankID's HTTP protocol; in process, so dev needs no network or certificates.
        transport = httpx.ASGITransport(app=state.bankid_simulator_api)
        return BankIdClient("http://bankid-simulator/", transport=transport)
    # Production requires the certificates; without them (dev mode against a stand-in for BankID, such as the fault
    # scripts' stub) the client presents none and trusts the system's CAs.
    return BankIdClient(
        settings.bankid_url,
        client_cert=(settings.bankid_client_cert, settings.bankid_client_key) if settings.bankid_client_cert else None,
        ca_cert=settings.bankid_ca_cert or None,
    )


def _population_register(settings: Settings) -> PopulationRegister:
    """SPAR when SPAR_URL is set; otherwise the fixture's test persons with SIMULATORS on, and nobody without."""
    if settings.spar_url:
        identity = SparIdentity(
            customer_number=settings.spar_customer_number,
            end_customer_number=settings.spar_end_customer_number or settings.spar_customer_number,
            assignment_id=settings.spar_assignment_id,
            end_user_id=settings.spar_end_user_id,
        )
        return SparClient(
            settings.spar_url,
            identity,
            client_cert=(settings.spar_client_cert, settings.spar_client_key),
            ca_cert=settings.spar_ca_cert,
            timeout=settings.spar_timeout_seconds,
        )
    if settings.simulators:
        return FixtureRegister()
    log.warning("No population register (SPAR_URL is not set): people keep the name BankID gives, and no address")
    return NoRegister()


def _company_register(settings: Settings) -> CompanyRegister:
    """The company information service when COMPANY_REGISTER_URL is set; otherwise the fixture with SIMULATORS on,
    and none without (Mina organisationer then says that organisations are unavailable)."""
    if settings.company_register_url:
        cert = settings.company_register_client_cert
        return HttpCompanyRegister(
            settings.company_register_url,
            token=settings.company_register_token,
            client_cert=(cert, settings.company_register_client_key) if cert else None,
            ca_cert=settings.company_register_ca_cert or None,
            timeout=settings.company_register_timeout_seconds,
        )
    return FixtureCompanyRegister() if settings.simulators else NoCompanyRegister()


def _mount(path: str, application):
    @asgi(path, is_mount=True, copy_scope=True, name="bankid_simulator_api")
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        await application(scope, receive, send)

    return mounted
